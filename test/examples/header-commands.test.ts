/**
 * The commands in each example's header comment work as written, from the repository root: the real
 * CDK CLI runs the app with ts-node, once per example, and writes nothing outside ignored paths.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..');
const EXAMPLES_DIR = path.join(ROOT, 'examples');
const BUNDLE_COMMAND = 'npx projen pre-compile';
const SYNTH_TIMEOUT_MS = 110_000;

/** The commands a header shows: its lines indented as a code block (`*` and three spaces) that start with npx. */
function headerCommands(source: string): string[] {
  const header = /^\/\*\*([\s\S]*?)\*\//.exec(source)?.[1] ?? '';
  return header.split('\n')
    .map((line) => /^\s*\* {3}(npx .+)$/.exec(line)?.[1])
    .filter((command): command is string => command !== undefined);
}

function outputDirOf(command: string): string {
  const output = /--output\s+(\S+)/.exec(command)?.[1];
  if (output === undefined) throw new Error(`'${command}' names no --output: the synth would land in the repository root's cdk.out, shared with other apps`);
  return path.resolve(ROOT, output);
}

/**
 * The test runner's environment without AWS credentials: tests point those at moto, and the CLI would
 * then ask AWS for the default account. A new user's synth needs no AWS access either.
 */
function offlineEnvironment(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_')));
  return { ...env, AWS_EC2_METADATA_DISABLED: 'true', CDK_DISABLE_CLI_TELEMETRY: 'true' };
}

function gitStatus(): string {
  return execFileSync('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: ROOT, encoding: 'utf8' });
}

function run(command: string): void {
  const result = spawnSync(command, { cwd: ROOT, shell: true, encoding: 'utf8', env: offlineEnvironment(), timeout: SYNTH_TIMEOUT_MS });
  if (result.status !== 0) {
    throw new Error(`'${command}' failed (${result.error?.message ?? `exit ${result.status}`}):\n${result.stderr}`);
  }
}

function pocketIdResourceCount(outdir: string): number {
  return fs.readdirSync(outdir)
    .filter((name) => name.endsWith('.template.json'))
    .map((name) => JSON.parse(fs.readFileSync(path.join(outdir, name), 'utf8')))
    .flatMap((template) => Object.values<{ Type: string }>(template.Resources ?? {}))
    .filter((resource) => resource.Type.startsWith('Custom::PocketId'))
    .length;
}

const examples = fs.readdirSync(EXAMPLES_DIR)
  .filter((name) => fs.existsSync(path.join(EXAMPLES_DIR, name, 'app.ts')))
  .map((name) => [name, headerCommands(fs.readFileSync(path.join(EXAMPLES_DIR, name, 'app.ts'), 'utf8'))] as const);

describe('the commands in the examples\' headers', () => {
  test('finds the example apps', () => {
    expect(examples.map(([name]) => name).sort()).toEqual(['large-directory', 'web-app']);
  });

  test.each(examples)('examples/%s: bundle the handler, then cdk synth, which writes templates to its --output only', (_, commands) => {
    // The bundle step is checked, not run: rebuilding assets/ here would delete the bundle under the
    // test files that load it. The build made it before the tests.
    expect(commands).toEqual([BUNDLE_COMMAND, expect.stringMatching(/^npx cdk synth /)]);
    const synth = commands[1];
    const outdir = outputDirOf(synth);
    const statusBefore = gitStatus();
    try {
      run(synth);
      expect(pocketIdResourceCount(outdir)).toBeGreaterThan(0);
      expect(gitStatus()).toBe(statusBefore);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });
});
