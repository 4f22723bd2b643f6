/** What the rotation rules of a client secret are, as far as synth knows them (undefined: a token). */
export interface RotationInput {
  readonly isPublic?: boolean;
  readonly rotates: boolean;
  /** Whether the client secret is one the user brings (clientSecret). */
  readonly bringsSecret?: boolean;
  /** Seconds between rotations: from automaticallyAfter, or a rate() expression; undefined for cron() or a token. */
  readonly intervalSeconds?: number;
  readonly automaticallyAfterSeconds?: number;
  readonly scheduleExpression?: string;
  readonly bothSchedules: boolean;
  readonly overlapSeconds?: number;
  readonly lifetimeSeconds?: number;
}

/** Secrets Manager's bounds for a rotation schedule (RotationSchedule checks the same). */
const MIN_INTERVAL_SECONDS = 4 * 3600;
const MAX_INTERVAL_SECONDS = 1000 * 86400;
const RATE_EXPRESSION = /^rate\(\s*(\d+)\s+(hours?|days?)\s*\)$/;
const CRON_EXPRESSION = /^cron\(.+\)$/;

/** The problems of a client's secret rotation and lifetime; each names the prop and the rule. */
export function validateSecretRotation(input: RotationInput): string[] {
  const problems: string[] = [];
  if (input.isPublic && input.rotates) problems.push('secretRotation needs a confidential client: a public client (isPublic: true) has no secret to rotate');
  if (input.isPublic && input.lifetimeSeconds !== undefined) problems.push('secretLifetime needs a confidential client: a public client (isPublic: true) has no secret');
  if (input.bringsSecret && input.rotates) {
    problems.push('clientSecret cannot be combined with secretRotation: a secret you bring is rotated by you (put the new value into it, then change clientSecretVersion)');
  }
  if (input.bothSchedules) problems.push('secretRotation takes automaticallyAfter or scheduleExpression, not both');
  const after = input.automaticallyAfterSeconds;
  if (after !== undefined && (after < MIN_INTERVAL_SECONDS || after > MAX_INTERVAL_SECONDS)) {
    problems.push(`secretRotation.automaticallyAfter must be between 4 hours and 1000 days (got ${describeSeconds(after)})`);
  }
  const expression = input.scheduleExpression;
  if (expression !== undefined && !RATE_EXPRESSION.test(expression) && !CRON_EXPRESSION.test(expression)) {
    problems.push(`secretRotation.scheduleExpression must be a Secrets Manager rate(N hours|days) or cron(...) expression (got ${JSON.stringify(expression)})`);
  }
  const overlap = input.overlapSeconds;
  if (overlap !== undefined && input.intervalSeconds !== undefined && overlap >= input.intervalSeconds) {
    problems.push(`secretRotation.overlap (${describeSeconds(overlap)}) must be shorter than the rotation schedule (${describeSeconds(input.intervalSeconds)}): `
      + 'each rotation waits for the overlap of the one before');
  }
  const lifetime = input.lifetimeSeconds;
  if (lifetime !== undefined && lifetime < 3600) problems.push(`secretLifetime must be at least 1 hour (got ${describeSeconds(lifetime)})`);
  if (lifetime !== undefined && input.intervalSeconds !== undefined && overlap !== undefined && lifetime < input.intervalSeconds + overlap) {
    problems.push(`secretLifetime (${describeSeconds(lifetime)}) must be at least the rotation schedule plus the overlap (${describeSeconds(input.intervalSeconds + overlap)}): `
      + 'a secret must not expire before the rotation that replaces it and the overlap after it');
  }
  return problems;
}

/** Seconds between rotations of a rate() expression; undefined for any other. */
export function rateSeconds(expression: string): number | undefined {
  const match = RATE_EXPRESSION.exec(expression);
  if (!match) return undefined;
  return Number(match[1]) * (match[2].startsWith('hour') ? 3600 : 86400);
}

function describeSeconds(seconds: number): string {
  if (seconds % 86400 === 0) return `${seconds / 86400} days`;
  if (seconds % 3600 === 0) return `${seconds / 3600} hours`;
  return `${seconds} seconds`;
}
