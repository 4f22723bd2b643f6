/**
 * Deploy throughput: N users created through the lifecycle harness (CloudFormationSimulator and
 * several LambdaContainers, each serving one event at a time, as Lambda does) against the Pocket-ID
 * test server with Pocket-ID's real rate limit, 100 requests/s with a burst of 300 per client IP.
 * Wall time is compared with the bound that rate limit sets, (successful requests − burst) / rate, and
 * with the same users created by the same harness against a server without a rate limit (what this
 * machine needs anyway: cold containers, token reads from moto, two requests per user).
 */
import { randomBytes } from 'crypto';
import { BenchEnvironment } from './support/environment';
import { connectionProperties } from './support/events';
import { GoalCheck } from './support/goal';
import { median } from './support/stats';
import { ResourceType } from '../../lib/contract';
import { CloudFormationSimulator } from '../../test/support/cloudformation';
import { LambdaContainer } from '../../test/support/lambda-container';

export const USER_COUNTS = [50, 200] as const;
/** Pocket-ID's defaults (and the test server's): a token bucket per client IP. */
export const RATE_LIMIT = { perSecond: 100, burst: 300 } as const;
/**
 * Events in flight at once. CloudFormation starts every resource whose dependencies are met and
 * documents no cap; independent users all start together, each in a Lambda container of its own
 * (Lambda's default account concurrency is 1,000). The harness caps that at 50 Node.js processes, which
 * a small machine can run, and still far more than the rate limit lets through at once.
 */
export const CONCURRENCY = 50;
/** Each size is run this many times with and without the rate limit, alternating; figures are medians. */
export const REPETITIONS = 3;
/** Wall time accepted above the larger of the two bounds: Pocket-ID's Retry-After counts whole seconds. */
const GOAL_SLACK_SECONDS = 1;

export interface ThroughputRun {
  readonly users: number;
  readonly containers: number;
  readonly created: number;
  readonly failures: string[];
  readonly wallSeconds: number;
  /** The rate limit's lower bound on wall time for the requests that succeeded (0 without a rate limit). */
  readonly boundSeconds: number;
  readonly requests: number;
  readonly successfulRequests: number;
  readonly tooManyRequests: number;
  readonly secretsCalls: number;
  /** Starting the containers (Lambda's init), before the clock. */
  readonly containerStartSeconds: number;
}

export interface ThroughputSize {
  readonly users: number;
  /** Medians over the repetitions (failures: all of them). */
  readonly limited: ThroughputRun;
  /** The same harness and users, against a server without a rate limit. */
  readonly unlimited: ThroughputRun;
  /** Wall times of every repetition, in seconds. */
  readonly limitedWalls: number[];
  readonly unlimitedWalls: number[];
}

export interface ThroughputResult {
  readonly sizes: ThroughputSize[];
  readonly repetitions: number;
  readonly concurrency: number;
  readonly goals: GoalCheck[];
}

export async function measureDeployThroughput(env: BenchEnvironment, log: (line: string) => void): Promise<ThroughputResult> {
  const sizes: ThroughputSize[] = [];
  for (const users of USER_COUNTS) {
    log(`deploy throughput: ${users} users, ${Math.min(users, CONCURRENCY)} containers, ${REPETITIONS} times with and without a rate limit `
      + `(${RATE_LIMIT.perSecond}/s burst ${RATE_LIMIT.burst}), alternating`);
    const limitedRuns: ThroughputRun[] = [];
    const unlimitedRuns: ThroughputRun[] = [];
    for (let repetition = 0; repetition < REPETITIONS; repetition++) {
      const order = repetition % 2 === 0 ? [false, true] : [true, false];
      for (const limitedRun of order) {
        if (limitedRun) limitedRuns.push(await createUsers(env, users, RATE_LIMIT));
        else unlimitedRuns.push(await createUsers(env, users, false));
      }
    }
    sizes.push({
      users,
      limited: medianRun(limitedRuns),
      unlimited: medianRun(unlimitedRuns),
      limitedWalls: limitedRuns.map((r) => r.wallSeconds),
      unlimitedWalls: unlimitedRuns.map((r) => r.wallSeconds),
    });
  }
  return {
    sizes,
    repetitions: REPETITIONS,
    concurrency: CONCURRENCY,
    goals: sizes.map(({ users, limited, unlimited }) => {
      const floor = Math.max(limited.boundSeconds, unlimited.wallSeconds);
      return {
        goal: `${users} users: all created; wall time within ${GOAL_SLACK_SECONDS} s of max(rate-limit bound, same run without rate limit)`,
        measured: `${limited.created}/${users} in ${limited.wallSeconds.toFixed(2)} s; bound ${limited.boundSeconds.toFixed(2)} s, without limit ${unlimited.wallSeconds.toFixed(2)} s`,
        met: limited.failures.length === 0 && unlimited.failures.length === 0 && limited.wallSeconds <= floor + GOAL_SLACK_SECONDS,
      };
    }),
  };
}

/** Each figure's median over the runs; every failure of every run. */
function medianRun(runs: ThroughputRun[]): ThroughputRun {
  const m = (pick: (run: ThroughputRun) => number) => median(runs.map(pick));
  return {
    users: runs[0].users,
    containers: runs[0].containers,
    created: Math.min(...runs.map((r) => r.created)),
    failures: runs.flatMap((r) => r.failures),
    wallSeconds: m((r) => r.wallSeconds),
    boundSeconds: m((r) => r.boundSeconds),
    requests: m((r) => r.requests),
    successfulRequests: m((r) => r.successfulRequests),
    tooManyRequests: m((r) => r.tooManyRequests),
    secretsCalls: m((r) => r.secretsCalls),
    containerStartSeconds: m((r) => r.containerStartSeconds),
  };
}

async function createUsers(env: BenchEnvironment, count: number, rateLimit: typeof RATE_LIMIT | false): Promise<ThroughputRun> {
  // A fresh server per run: an empty store and a full token bucket, as before a deployment.
  const { server, tokenSecretArn } = await env.pocketId({ rateLimit: rateLimit === false ? false : { ...rateLimit } });
  const connection = connectionProperties(server.baseUrl, tokenSecretArn);
  const run = randomBytes(3).toString('hex');
  const containerCount = Math.min(count, CONCURRENCY);

  const startedContainers = process.hrtime.bigint();
  const containers: LambdaContainer[] = [];
  try {
    for (let i = 0; i < containerCount; i += 10) {
      containers.push(...await Promise.all(Array.from({ length: Math.min(10, containerCount - i) }, () => env.container({ counted: true }))));
    }
    const containerStartSeconds = Number(process.hrtime.bigint() - startedContainers) / 1e9;

    server.resetRateLimits();
    server.clearRequests();
    const firstCall = env.proxy.calls.length;
    let next = 0;
    let created = 0;
    const failures: string[] = [];
    const started = process.hrtime.bigint();
    await Promise.all(containers.map(async (container) => {
      const cfn = new CloudFormationSimulator(container, ResourceType.USER);
      for (let i = next++; i < count; i = next++) {
        const username = `deploy-${run}-${i}`;
        const step = await cfn.create(`User${i}`, {
          ...connection,
          Username: username,
          Email: `${username}@example.com`,
          FirstName: 'Deploy',
          LastName: String(i),
        });
        if (step.response.Status === 'SUCCESS') created++;
        else failures.push(`User${i}: ${step.response.Reason}`);
      }
    }));
    const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;

    const requests = server.requests.length;
    const tooManyRequests = server.requests.filter((r) => r.status === 429).length;
    const successfulRequests = requests - tooManyRequests;
    return {
      users: count,
      containers: containerCount,
      created,
      failures,
      wallSeconds,
      boundSeconds: rateLimit === false ? 0 : Math.max(0, (successfulRequests - rateLimit.burst) / rateLimit.perSecond),
      requests,
      successfulRequests,
      tooManyRequests,
      secretsCalls: env.proxy.calls.length - firstCall,
      containerStartSeconds,
    };
  } finally {
    await Promise.all(containers.map((container) => env.release(container)));
    await server.close();
  }
}
