/**
 * What happened to one bad-input row, as test/reliability/bad-input.test.ts records it in
 * test-reports/reliability/bad-input.json and scripts/reliability-report.ts reads it back.
 */
export interface BadInputRow {
  readonly id: string;
  readonly subject: string;
  readonly input: string;
  /** Where the row must be caught. */
  readonly expected: 'synth' | 'deploy' | 'accepted';
  /** Where it was caught, or what happened instead. */
  readonly outcome: 'caught-at-synth' | 'caught-at-deploy' | 'accepted' | 'crashed' | 'wrong-message';
  readonly field: string;
  /** The error message (synth) or the FAILED Reason (deploy), shortened. */
  readonly message?: string;
  readonly messageNamesField: boolean;
  /** Deploy rows: Pocket-ID and Secrets Manager hold exactly what they held before. */
  readonly stateUnchanged?: boolean;
  /** Deploy rows: the handler's container process still runs, the same one. */
  readonly containerAlive?: boolean;
  /** Deploy rows: requests the handler sent to Pocket-ID (0 when it refused before sending anything). */
  readonly requestsSent?: number;
  readonly knownBug?: string;
}
