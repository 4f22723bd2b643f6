/**
 * Every TypeScript block of README.md compiles, under strict, against the library's sources: what a
 * new user copies from the README works. The compiler runs in a child process
 * (test/support/typescript-blocks.ts), away from jest's coverage, which slows it several times.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { BlockResult } from '../support/typescript-blocks';

const ROOT = path.join(__dirname, '..', '..');
const README = path.join(ROOT, 'README.md');
const CHECKER = path.join(ROOT, 'test', 'support', 'typescript-blocks.ts');

/** Not in the README: it proves that a block that does not compile is reported, with its file and line. */
const BROKEN_MARKDOWN = [
  'A block that does not compile:',
  '',
  '```ts',
  "import { OidcClient } from 'cdk-pocket-id';",
  'declare const client: OidcClient;',
  'export const arn: string = client.secret.secretArn;',
  '```',
  '',
].join('\n');

/** The blocks of the Markdown files and the compiler's messages about each, from one compiler program. */
function checkBlocks(markdownFiles: string[]): BlockResult[] {
  const tsNode = require.resolve('ts-node/dist/bin');
  const result = spawnSync(process.execPath, [tsNode, '--transpile-only', '--project', path.join(ROOT, 'test', 'tsconfig.json'), CHECKER, ...markdownFiles], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`the block checker failed (${result.error?.message ?? `exit ${result.status}`}):\n${result.stderr}`);
  return JSON.parse(result.stdout) as BlockResult[];
}

function withBrokenMarkdown<T>(use: (file: string) => T): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-pocket-id-blocks-'));
  try {
    const file = path.join(dir, 'broken.md');
    fs.writeFileSync(file, BROKEN_MARKDOWN);
    return use(file);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const results = withBrokenMarkdown((broken) => checkBlocks([README, broken]));
const readmeBlocks = results.filter((block) => block.file === 'README.md');

describe('README.md', () => {
  test('has TypeScript blocks to check', () => {
    expect(readmeBlocks.length).toBeGreaterThan(0);
  });

  test.each(readmeBlocks.map((block) => [block.line, block] as const))('the block starting at README.md:%d compiles under strict', (_, block) => {
    expect(block.diagnostics).toEqual([]);
  });

  test('a block that does not compile is reported with its file, line and the compiler\'s messages', () => {
    expect(results.filter((block) => block.file === 'broken.md')).toEqual([
      { file: 'broken.md', line: 4, diagnostics: ["broken.md:6:28 TS18048: 'client.secret' is possibly 'undefined'."] },
    ]);
  });
});
