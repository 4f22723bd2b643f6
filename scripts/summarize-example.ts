/**
 * The main job: synthesizes the example app in examples/web-app offline and prints the Pocket-ID
 * entities it declares, what a deploy would do to each compared with the previous run's synth (kept in
 * examples/web-app/cdk.out), and a check that no secret value sits in any template.
 * Nothing is deployed and no server is contacted. The summary itself is scripts/summary/describe.ts.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describeSynth } from './summary/describe';
import { Template } from './summary/template';
import { createExampleApp } from '../examples/web-app/app';

const EXAMPLE_DIR = path.join(__dirname, '..', 'examples', 'web-app');
const OUTDIR = path.join(EXAMPLE_DIR, 'cdk.out');
const PREVIOUS_SOURCE = 'the previous synth in examples/web-app/cdk.out';
const TEMPLATE_SUFFIX = '.template.json';

function main(): void {
  const previous = readTemplates(OUTDIR);
  const synthDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-pocket-id-example-'));
  try {
    createExampleApp(synthDir).app.synth();
    const lines = [
      'cdk-pocket-id: example app examples/web-app, synthesized offline (nothing deployed, no server contacted)',
      '',
      ...describeSynth(readTemplates(synthDir), previous, PREVIOUS_SOURCE),
    ];
    keepAsPrevious(synthDir);
    console.log(lines.join('\n'));
  } finally {
    fs.rmSync(synthDir, { recursive: true, force: true });
  }
}

/** The templates of a cloud assembly directory by stack name; none when the directory is missing. */
function readTemplates(dir: string): Map<string, Template> {
  if (!fs.existsSync(dir)) return new Map();
  return new Map(fs.readdirSync(dir)
    .filter((name) => name.endsWith(TEMPLATE_SUFFIX))
    .sort()
    .map((name) => [name.slice(0, -TEMPLATE_SUFFIX.length), JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as Template]));
}

function keepAsPrevious(synthDir: string): void {
  fs.rmSync(OUTDIR, { recursive: true, force: true });
  fs.cpSync(synthDir, OUTDIR, { recursive: true });
}

main();
