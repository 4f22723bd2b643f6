import * as fs from 'fs';
import * as path from 'path';
import type { ParallelDeleteRun } from './parallel-deletes';
import { CaseRecord, Outcome, OUTCOMES } from './verdict';

/** Where the suite writes its results (gitignored), for scripts/reliability-report.ts. */
export const RESULTS_FILE = path.join(__dirname, '..', '..', '..', 'test-reports', 'reliability', 'faults.json');

export interface LaneTime {
  readonly resource: string;
  /** The Pocket-ID release its test server played. */
  readonly release: string;
  readonly operations: readonly string[];
  readonly cases: number;
  readonly wallMs: number;
}

export interface ResultsFile {
  /** 3: each case and lane says the Pocket-ID release it ran on (in 2, every one ran on 2.14.0). */
  readonly schemaVersion: 3;
  readonly generatedAt: string;
  /** Wall time of the whole suite, setup included. */
  readonly runtimeMs: number;
  readonly totals: Record<Outcome, number> & { readonly cases: number };
  /** Each lane of the matrix (run side by side): its resource type, the operations it recorded, the cases it ran and its wall time. */
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
    schemaVersion: 3,
    generatedAt: new Date().toISOString(),
    runtimeMs,
    totals: { cases: cases.length, ...Object.fromEntries(OUTCOMES.map((outcome) => [outcome, count(outcome)])) as Record<Outcome, number> },
    lanes,
    parallelDeletes: parallelDeletes ?? null,
    cases,
  };
  fs.mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
  fs.writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
  return results;
}

/** A short table of outcomes per category, resource and operation, for the test log. */
export function summarize(cases: readonly CaseRecord[]): string {
  const rows = new Map<string, Record<Outcome, number>>();
  for (const c of cases) {
    const key = `[${c.category}] ${c.resource}: ${c.operation}`;
    const row = rows.get(key) ?? Object.fromEntries(OUTCOMES.map((outcome) => [outcome, 0])) as Record<Outcome, number>;
    row[c.outcome] += 1;
    rows.set(key, row);
  }
  const lines = [...rows].sort(([a], [b]) => a.localeCompare(b)).map(([key, row]) => `${key.padEnd(78)} ${String(row.success).padStart(4)} ok `
    + `${String(row['failed-clean']).padStart(4)} failed-clean ${String(row['failed-reported-residue']).padStart(3)} residue `
    + `${String(row['known-limitation']).padStart(3)} known-limitation ${String(row.violation).padStart(3)} VIOLATION`);
  return lines.join('\n');
}
