import type { CallsResult } from './calls-per-operation';
import type { ColdStartResult } from './cold-start';
import type { ThroughputResult } from './deploy-throughput';
import type { MachineFacts } from './support/machine';
import type { SynthResult } from './synth-at-scale';

/** Everything one run measured: what the report, the chart and the summary are made from. */
export interface BenchResults {
  readonly machine: MachineFacts;
  readonly durationSeconds: number;
  readonly loadAverageAtEnd: number;
  readonly coldStart: ColdStartResult;
  readonly calls: CallsResult;
  readonly synth: SynthResult;
  readonly throughput: ThroughputResult;
}
