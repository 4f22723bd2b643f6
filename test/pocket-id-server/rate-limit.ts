/** Token buckets keyed by policy and client IP, like Pocket-ID's rate-limit actors. */
export interface RatePolicy {
  readonly name: string;
  /** Tokens added per `perMs`. */
  readonly rate: number;
  readonly perMs: number;
  /** Bucket capacity: how many calls may pass at once. */
  readonly burst: number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly now: () => number = Date.now) {}

  take(policy: RatePolicy, clientIp: string): RateDecision {
    const key = `${policy.name}|${clientIp}`;
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: policy.burst, updatedAt: now };
    const refillPerMs = policy.rate / policy.perMs;
    bucket.tokens = Math.min(policy.burst, bucket.tokens + (now - bucket.updatedAt) * refillPerMs);
    bucket.updatedAt = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    const waitSeconds = Math.ceil((1 - bucket.tokens) / refillPerMs / 1000);
    return { allowed: false, retryAfterSeconds: Number.isFinite(waitSeconds) ? Math.max(1, waitSeconds) : 3600 };
  }

  reset(): void {
    this.buckets.clear();
  }
}

/** The login-related limits of rate_limit.go, used on top of the general API limit. */
export const ONE_TIME_ACCESS_TOKEN_POLICY: RatePolicy = { name: 'one-time-access-token', rate: 1, perMs: 10_000, burst: 5 };
export const ONE_TIME_ACCESS_EMAIL_POLICY: RatePolicy = { name: 'one-time-access-email', rate: 2, perMs: 600_000, burst: 5 };

/** POST /api/signup: 2 a minute, burst 10 (rate_limit.go), on top of the general API limit. */
export const SIGNUP_POLICY: RatePolicy = { name: 'signup', rate: 2, perMs: 60_000, burst: 10 };

export function apiPolicy(perSecond: number, burst: number): RatePolicy {
  return { name: 'api', rate: perSecond, perMs: 1000, burst };
}
