import * as fs from 'fs';
import * as path from 'path';
import type { ParallelDeleteRun } from './parallel-deletes';
import type { CaseRecord, Outcome } from './verdict';

/** Where the suite writes its results (gitignored), for scripts/reliability-report.ts. */
export const RESULTS_FILE = path.join(__dirname, '..', '..', '..', 'test-reports', 'reliability', 'faults.json');

export interface LaneTime {
  readonly resource: string;
  readonly operations: readonly string[];
  readonly cases: number;
  readonly wallMs: number;
}

export interface ResultsFile {
  readonly schemaVersion: 1;
  readonly generatedAt: string;
  /** Wall time of the whole suite, setup included. */
  readonly runtimeMs: number;
  readonly totals: Record<Outcome, number> & { readonly cases: number };
  /** Each lane of the matrix (run side by side): its resource type, operations, case count and wall time. */
  readonly lanes: readonly LaneTime[];
  /** The parallel deletion: how many of each, through how many containers, its wall time and the 429s absorbed. */
  readonly parallelDeletes: ParallelDeleteRun['summary'] | null;
  readonly cases: readonly CaseRecord[];
}

export function writeResults(
  cases: readonly CaseRecord[],
  lanes: ResultsFile['lanes'],
  parallelDeletes: ParallelDeleteRun['summary'] | undefined,
  runtimeMs: number,
): ResultsFile {
  const count = (outcome: Outcome) => cases.filter((c) => c.outcome === outcome).length;
  const results: ResultsFile = {
    schemaVersion: 1,
    generatedAt: new Date().toISOString(),
    runtimeMs,
    totals: {
      'cases': cases.length,
      'success': count('success'),
      'failed-clean': count('failed-clean'),
      'known-limitation': count('known-limitation'),
      'violation': count('violation'),
    },
    lanes,
    parallelDeletes: parallelDeletes ?? null,
    cases,
  };
  fs.mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
  fs.writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
  return results;
}

/** A short table of outcomes per resource and operation, for the test log. */
export function summarize(cases: readonly CaseRecord[]): string {
  const rows = new Map<string, Record<Outcome, number>>();
  for (const c of cases) {
    const key = `${c.category === 'fault' ? '' : '[cfn] '}${c.resource}: ${c.operation}`;
    const row = rows.get(key) ?? { 'success': 0, 'failed-clean': 0, 'known-limitation': 0, 'violation': 0 };
    row[c.outcome] += 1;
    rows.set(key, row);
  }
  const lines = [...rows].map(([key, row]) => `${key.padEnd(60)} ${String(row.success).padStart(4)} ok ${String(row['failed-clean']).padStart(4)} failed-clean `
    + `${String(row['known-limitation']).padStart(3)} known-limitation ${String(row.violation).padStart(3)} VIOLATION`);
  return lines.join('\n');
}
