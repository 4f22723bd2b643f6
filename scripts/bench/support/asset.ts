import { execSync } from 'child_process';
import * as fs from 'fs';
import { builtinModules } from 'module';
import * as path from 'path';
import * as zlib from 'zlib';
import * as esbuild from 'esbuild';
import { HANDLER_ASSET, REPO_ROOT } from './paths';

/** Builds the handler asset (`npx projen pre-compile`) when it is missing: every measurement uses it. */
export function ensureHandlerAsset(log: (line: string) => void): void {
  if (fs.existsSync(HANDLER_ASSET)) return;
  log('handler asset missing: running `npx projen pre-compile`');
  execSync('npx projen pre-compile', { cwd: REPO_ROOT, stdio: 'inherit' });
  if (!fs.existsSync(HANDLER_ASSET)) throw new Error(`npx projen pre-compile did not produce ${HANDLER_ASSET}`);
}

export interface AssetFacts {
  readonly bytes: number;
  /** Deflate-compressed size: about what the deployment zip holds. */
  readonly gzipBytes: number;
  /** Packages the bundle requires at run time instead of containing them (Node.js built-ins left out). */
  readonly externalPackages: string[];
  /** Whether the AWS SDK is inside the bundle (it should not be: the Lambda runtime provides it). */
  readonly awsSdkBundled: boolean;
  /** Bytes of the bundle by origin, from an esbuild metafile of a rebuild with the pre-compile options. */
  readonly breakdown: Array<{ origin: string; bytes: number }>;
  /** Size of that rebuild, to show that the breakdown describes the asset measured. */
  readonly rebuildBytes: number;
}

/**
 * Size of the asset, and what is in it. The breakdown comes from rebuilding lambda/index.ts with the
 * options of the pre-compile task in .projenrc.ts (in memory, nothing written).
 */
export async function describeHandlerAsset(): Promise<AssetFacts> {
  const content = fs.readFileSync(HANDLER_ASSET);
  const build = await esbuild.build({
    absWorkingDir: REPO_ROOT,
    entryPoints: ['lambda/index.ts'],
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: true,
    legalComments: 'none',
    external: ['@aws-sdk/*'],
    alias: { 'whatwg-url': './lambda/shims/whatwg-url.ts' },
    outfile: 'index.js',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const output = Object.values(build.metafile.outputs)[0];
  const byOrigin = new Map<string, number>();
  for (const [input, info] of Object.entries(output.inputs)) {
    const origin = originOf(input);
    byOrigin.set(origin, (byOrigin.get(origin) ?? 0) + info.bytesInOutput);
  }
  const externalPackages = [...new Set(output.imports.filter((i) => i.external && !isBuiltin(i.path)).map((i) => i.path))].sort();
  const text = content.toString('utf8');
  return {
    bytes: content.length,
    gzipBytes: zlib.gzipSync(content, { level: 9 }).length,
    externalPackages,
    awsSdkBundled: [...byOrigin.keys()].some((origin) => origin.startsWith('@aws-sdk/')) || !/require\("@aws-sdk\/client-secrets-manager"\)/.test(text),
    breakdown: [...byOrigin.entries()].map(([origin, bytes]) => ({ origin, bytes })).sort((a, b) => b.bytes - a.bytes),
    rebuildBytes: build.outputFiles[0].contents.length,
  };
}

/** `node_modules/<package>` (scoped packages by scope), or the project folder (lambda/, lib/). */
function originOf(input: string): string {
  const parts = input.split(/[\\/]/);
  const nm = parts.lastIndexOf('node_modules');
  if (nm >= 0) return parts[nm + 1].startsWith('@') ? `${parts[nm + 1]}/${parts[nm + 2]}` : parts[nm + 1];
  return `${parts[0]}/`;
}

function isBuiltin(name: string): boolean {
  return name.startsWith('node:') || builtinModules.includes(name.split('/')[0]);
}

export function assetPath(): string {
  return path.relative(REPO_ROOT, HANDLER_ASSET);
}
