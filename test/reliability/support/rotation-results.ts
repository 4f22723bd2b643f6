import * as fs from 'fs';
import * as path from 'path';

/** What the rotation fault suite leaves for docs/reliability.md (scripts/reliability-report.ts). */
export const ROTATION_RESULTS_FILE = path.join(__dirname, '..', '..', '..', 'test-reports', 'reliability', 'rotation.json');

/** One case: a call of the clean rotation, the fault it got, and what broke. */
export interface RotationCase {
  readonly step: string;
  readonly call: string;
  readonly fault: string;
  /** Broken invariants, after the failure and after the retry; none is a pass. */
  readonly violations: string[];
}

export interface RotationResults {
  readonly generatedAt?: string;
  readonly cases: RotationCase[];
}

export function writeRotationResults(cases: RotationCase[]): void {
  fs.mkdirSync(path.dirname(ROTATION_RESULTS_FILE), { recursive: true });
  const results: RotationResults = { generatedAt: new Date().toISOString(), cases };
  fs.writeFileSync(ROTATION_RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
}
