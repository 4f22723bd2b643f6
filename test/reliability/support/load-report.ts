/** One phase of the load test (deploy or delete), as test-reports/reliability/load.json records it. */
export interface PhaseFigures {
  readonly wallTimeMs: number;
  readonly events: number;
  readonly failed: number;
  readonly requests: number;
  readonly status429: number;
  /** Retries the handler logged (429 and others). */
  readonly retriesLogged: number;
  /** The most attempts one request needed. */
  readonly maxAttempts: number;
  /** The slowest single event, end to end. */
  readonly slowestEventMs: number;
  /** (requests beyond the burst) / rate: no client can be faster than this from a full bucket. */
  readonly rateLimitLowerBoundMs: number;
}

/** The figures that add up over both phases. */
export type PhaseTotals = Omit<PhaseFigures, 'maxAttempts' | 'slowestEventMs'>;

/** test-reports/reliability/load.json, for scripts/reliability-report.ts. */
export interface LoadReport {
  readonly generatedAt: string;
  readonly machine: { readonly cores: number; readonly node: string; readonly platform: string };
  readonly resources: { readonly users: number; readonly groups: number; readonly clients: number; readonly usersWithLoginLink: number };
  readonly concurrency: number;
  readonly rateLimit: { readonly perSecond: number; readonly burst: number };
  readonly deploy: PhaseFigures;
  readonly delete: PhaseFigures;
  readonly total: PhaseTotals;
}
