/**
 * `npm run bench`: measures, on this machine, the handler's cold start, the calls it makes per
 * lifecycle operation, synth at scale and deploy throughput, each against a baseline in the same run;
 * writes docs/benchmarks.md and docs/benchmarks.svg and prints a one-screen summary.
 *
 *   npx ts-node --transpile-only --prefer-ts-exts --project test/tsconfig.json scripts/bench/index.ts [--only=cold-start,calls,synth,deploy]
 *
 * With --only, the measurements named run and their summary is printed; the documents are written
 * only by a full run. Every process and server started is stopped at the end, also on Ctrl-C.
 */
import * as fs from 'fs';
import * as os from 'os';
import { CallsResult, measureCallsPerOperation } from './calls-per-operation';
import { ColdStartResult, measureColdStart } from './cold-start';
import { measureDeployThroughput, ThroughputResult } from './deploy-throughput';
import { renderChart } from './report/chart';
import { renderMarkdown } from './report/markdown';
import { renderSummary } from './report/summary';
import { ensureHandlerAsset } from './support/asset';
import { cleanupAll, killAllNow } from './support/children';
import { BenchEnvironment } from './support/environment';
import { machineFacts } from './support/machine';
import { CHART_FILE, DOCS_DIR, REPO_ROOT, REPORT_FILE } from './support/paths';
import { measureSynthAtScale, SynthResult } from './synth-at-scale';

const MEASUREMENTS = ['cold-start', 'calls', 'synth', 'deploy'] as const;
type Measurement = typeof MEASUREMENTS[number];

function log(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}

function selectedMeasurements(argv: string[]): Set<Measurement> {
  const only = argv.find((arg) => arg.startsWith('--only='));
  if (!only) return new Set(MEASUREMENTS);
  const names = only.slice('--only='.length).split(',').filter(Boolean);
  const unknown = names.filter((name) => !(MEASUREMENTS as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`unknown measurement ${unknown.join(', ')}: choose from ${MEASUREMENTS.join(', ')}`);
  return new Set(names as Measurement[]);
}

async function main(): Promise<void> {
  const selected = selectedMeasurements(process.argv.slice(2));
  const full = selected.size === MEASUREMENTS.length;
  const started = Date.now();
  const machine = machineFacts();
  process.chdir(REPO_ROOT);
  ensureHandlerAsset(log);

  let coldStart: ColdStartResult | undefined;
  let calls: CallsResult | undefined;
  let synth: SynthResult | undefined;
  let throughput: ThroughputResult | undefined;
  // Synth first: it runs alone, before moto or any server is started.
  if (selected.has('synth')) synth = await measureSynthAtScale(log);
  const needsEnvironment = selected.has('cold-start') || selected.has('calls') || selected.has('deploy');
  const env = needsEnvironment ? await BenchEnvironment.start() : undefined;
  if (env) log(`moto at ${env.moto.endpoint}, counting proxy at ${env.proxy.url}`);
  if (env && selected.has('cold-start')) coldStart = await measureColdStart(env, log);
  if (env && selected.has('calls')) calls = await measureCallsPerOperation(env, log);
  if (env && selected.has('deploy')) throughput = await measureDeployThroughput(env, log);
  await cleanupAll();

  const durationSeconds = (Date.now() - started) / 1000;
  const loadAverageAtEnd = Math.round(os.loadavg()[0] * 100) / 100;
  if (full) {
    const results = { machine, durationSeconds, loadAverageAtEnd, coldStart: coldStart!, calls: calls!, synth: synth!, throughput: throughput! };
    fs.mkdirSync(DOCS_DIR, { recursive: true });
    fs.writeFileSync(REPORT_FILE, renderMarkdown(results));
    fs.writeFileSync(CHART_FILE, renderChart(results));
  }
  console.log(renderSummary({ machine, durationSeconds, coldStart, calls, synth, throughput }));
  console.log(full ? '\nWrote docs/benchmarks.md and docs/benchmarks.svg' : '\nPartial run (--only): docs/benchmarks.md and docs/benchmarks.svg left as they were');
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping everything the benchmark started`);
    void cleanupAll().finally(() => process.exit(130));
  });
}
process.once('exit', killAllNow);

main().catch(async (error) => {
  console.error(error instanceof Error ? error.stack : error);
  await cleanupAll();
  process.exit(1);
});
