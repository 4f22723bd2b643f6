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

/** The package whose modules in the bundle mean that the AWS SDK is bundled. */
export const SDK_CLIENT_PACKAGE = '@aws-sdk/client-secrets-manager';
/** The stand-in for the SDK's default credential chain (`@aws-sdk/credential-provider-node`). */
export const CREDENTIAL_SHIM = 'lambda/shims/credential-provider-node.ts';
/** The AWS SDK for JavaScript v3 and the Smithy runtime it is built on: one row of the asset's breakdown. */
export const AWS_SDK_ORIGIN = 'AWS SDK (@aws-sdk/*, @smithy/*, @aws/*)';
const AWS_SDK_SCOPES = ['@aws-sdk/', '@smithy/', '@aws/'];

/**
 * The options of the pre-compile task in .projenrc.ts, as esbuild's JavaScript API spells them, so that
 * the metafile describes the asset measured (`rebuildBytes` against `bytes` shows whether it does).
 */
const PRE_COMPILE_OPTIONS: esbuild.BuildOptions = {
  entryPoints: ['lambda/index.ts'],
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  minify: true,
  legalComments: 'none',
  mainFields: ['module', 'main'],
  alias: {
    'whatwg-url': './lambda/shims/whatwg-url.ts',
    '@aws-sdk/credential-provider-node': `./${CREDENTIAL_SHIM}`,
  },
};

export interface PackageBytes {
  readonly name: string;
  readonly bytes: number;
}

/** The AWS SDK as the bundle holds it, read from the esbuild metafile. */
export interface BundledSdk {
  /** Version of the Secrets Manager client bundled, from its package.json. */
  readonly clientVersion: string;
  /** That package.json, relative to the repository. */
  readonly clientPackageJson: string;
  /** The folder of the client's package esbuild took its modules from: `dist-es` is its ES module build. */
  readonly clientBuild: string;
  /** Every AWS SDK package in the bundle, largest first. */
  readonly packages: PackageBytes[];
  /** The `@aws-sdk/credential-provider-*` packages in the bundle: the credential sources kept. */
  readonly credentialProviders: string[];
  /** Whether CREDENTIAL_SHIM stands in for the SDK's default credential chain. */
  readonly credentialShim: boolean;
}

export interface AssetFacts {
  readonly bytes: number;
  /** Deflate-compressed size: about what the deployment zip holds. */
  readonly gzipBytes: number;
  /** Packages the bundle requires at run time instead of containing them (Node.js built-ins left out). */
  readonly externalPackages: string[];
  /** The AWS SDK inside the bundle; undefined when the bundle requires it at run time. */
  readonly awsSdk: BundledSdk | undefined;
  /** Bytes of the bundle by origin (the AWS SDK's packages as one row), largest first. */
  readonly breakdown: Array<{ origin: string; bytes: number }>;
  /** Size of the rebuild the breakdown comes from, to show that it describes the asset measured. */
  readonly rebuildBytes: number;
}

type MetafileInputs = esbuild.Metafile['outputs'][string]['inputs'];

/**
 * Size of the asset, and what is in it. The breakdown comes from an esbuild metafile of a rebuild of
 * lambda/index.ts with the options of the pre-compile task (in memory, nothing written).
 */
export async function describeHandlerAsset(): Promise<AssetFacts> {
  const content = fs.readFileSync(HANDLER_ASSET);
  const build = await esbuild.build({
    ...PRE_COMPILE_OPTIONS,
    absWorkingDir: REPO_ROOT,
    outfile: 'index.js',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const output = Object.values(build.metafile.outputs)[0];
  return {
    bytes: content.length,
    gzipBytes: zlib.gzipSync(content, { level: 9 }).length,
    externalPackages: externalPackagesOf(output.imports),
    awsSdk: bundledSdk(output.inputs),
    breakdown: breakdownOf(output.inputs),
    rebuildBytes: build.outputFiles[0].contents.length,
  };
}

function externalPackagesOf(imports: ReadonlyArray<{ path: string; external?: boolean }>): string[] {
  return [...new Set(imports.filter((i) => i.external && !isBuiltin(i.path)).map((i) => i.path))].sort();
}

function breakdownOf(inputs: MetafileInputs): Array<{ origin: string; bytes: number }> {
  const byOrigin = new Map<string, number>();
  for (const [input, info] of Object.entries(inputs)) {
    const origin = originOf(input);
    byOrigin.set(origin, (byOrigin.get(origin) ?? 0) + info.bytesInOutput);
  }
  return [...byOrigin.entries()].map(([origin, bytes]) => ({ origin, bytes })).sort((a, b) => b.bytes - a.bytes);
}

function bundledSdk(inputs: MetafileInputs): BundledSdk | undefined {
  // The client's package.json is an input too (the SDK reads its version); its modules sit in a build folder.
  const clientModule = Object.keys(inputs).map(packageLocation)
    .find((l) => l?.name === SDK_CLIENT_PACKAGE && l.pathInPackage.includes('/'));
  if (!clientModule) return undefined;
  const clientPackageJson = path.join(clientModule.dir, 'package.json');
  const packages = bytesByPackage(inputs).filter((p) => isAwsSdkPackage(p.name));
  return {
    clientVersion: JSON.parse(fs.readFileSync(path.join(REPO_ROOT, clientPackageJson), 'utf8')).version,
    clientPackageJson,
    clientBuild: clientModule.pathInPackage.split('/')[0],
    packages,
    credentialProviders: packages.map((p) => p.name).filter((name) => name.startsWith('@aws-sdk/credential-provider-')).sort(),
    credentialShim: CREDENTIAL_SHIM in inputs,
  };
}

function bytesByPackage(inputs: MetafileInputs): PackageBytes[] {
  const byPackage = new Map<string, number>();
  for (const [input, info] of Object.entries(inputs)) {
    const name = packageLocation(input)?.name;
    if (name) byPackage.set(name, (byPackage.get(name) ?? 0) + info.bytesInOutput);
  }
  return [...byPackage.entries()].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
}

/** The package an input of the metafile belongs to (scoped packages by scope and name), if any. */
function packageLocation(input: string): { name: string; dir: string; pathInPackage: string } | undefined {
  const parts = input.split(/[\\/]/);
  const nm = parts.lastIndexOf('node_modules');
  if (nm < 0) return undefined;
  const nameParts = parts[nm + 1].startsWith('@') ? 2 : 1;
  const end = nm + 1 + nameParts;
  return { name: parts.slice(nm + 1, end).join('/'), dir: parts.slice(0, end).join('/'), pathInPackage: parts.slice(end).join('/') };
}

/** The AWS SDK as one origin, any other package by name, or the project folder (lambda/, lib/). */
function originOf(input: string): string {
  const name = packageLocation(input)?.name;
  if (name) return isAwsSdkPackage(name) ? AWS_SDK_ORIGIN : name;
  return `${input.split(/[\\/]/)[0]}/`;
}

function isAwsSdkPackage(name: string): boolean {
  return AWS_SDK_SCOPES.some((scope) => name.startsWith(scope));
}

function isBuiltin(name: string): boolean {
  return name.startsWith('node:') || builtinModules.includes(name.split('/')[0]);
}

export function assetPath(): string {
  return path.relative(REPO_ROOT, HANDLER_ASSET);
}
