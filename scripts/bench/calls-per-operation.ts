/**
 * Calls per operation: for each lifecycle operation of each resource type, the Pocket-ID requests
 * (the test server's request log) and Secrets Manager calls (a counting proxy between the handler's
 * AWS SDK and moto) the handler makes, in a cold container (its first event) and in a warm one, against
 * the minimum the APIs allow (operations.ts).
 */
import { randomBytes } from 'crypto';
import { OPERATIONS, OperationSpec, TOKEN_READ, VERSION_CHECK, Harness } from './operations';
import { measureRotationSteps } from './rotation-steps';
import { BenchEnvironment } from './support/environment';
import { connectionProperties } from './support/events';
import { GoalCheck } from './support/goal';
import { ResourceType, LookupKind } from '../../lib/contract';
import { findRoute } from '../../test/pocket-id-server/routes';
import { CloudFormationSimulator } from '../../test/support/cloudformation';
import { LambdaContainer } from '../../test/support/lambda-container';

export interface CallCount {
  /** Pocket-ID requests, named `METHOD /pattern`, with their status. */
  readonly pocketId: Array<{ request: string; status: number }>;
  readonly secrets: string[];
  /** Requests and calls beyond the minimum (a negative count would mean fewer than the minimum). */
  readonly excessPocketId: string[];
  readonly excessSecrets: string[];
  readonly missingPocketId: string[];
  readonly missingSecrets: string[];
  readonly ok: boolean;
  readonly error?: string;
}

export interface OperationResult {
  readonly id: string;
  readonly resource: string;
  readonly label: string;
  readonly reason: string;
  readonly minimumPocketId: readonly string[];
  readonly minimumSecrets: readonly string[];
  readonly coldMinimumPocketId: readonly string[];
  readonly coldMinimumSecrets: readonly string[];
  readonly warm: CallCount;
  readonly cold: CallCount;
  /** The reasons known for the excess requests seen, by request. */
  readonly excessReasons: Record<string, string>;
  readonly atMinimum: boolean;
}

export interface CallsResult {
  readonly operations: OperationResult[];
  readonly goals: GoalCheck[];
}

export async function measureCallsPerOperation(env: BenchEnvironment, log: (line: string) => void): Promise<CallsResult> {
  const { server, tokenSecretArn } = await env.pocketId({ rateLimit: false });
  const connection = connectionProperties(server.baseUrl, tokenSecretArn);
  const run = randomBytes(3).toString('hex');
  let counter = 0;
  const setupContainer = await env.container({ counted: true });
  const harness: Harness = {
    props: (extra) => ({ ...connection, ...extra }),
    ownedSecret: (name) => env.secrets.createOwnedSecret(name),
    seedUsers: (count) => server.seedUsers(count, `bench-${run}`),
    usernameOf: (userId) => server.users().find((u) => u.id === userId)!.username,
    unique: (prefix) => `${prefix}-${run}-${++counter}`,
    create: async (resourceType, logicalId, properties) => {
      const step = await new CloudFormationSimulator(setupContainer, resourceType).create(logicalId, properties);
      if (step.response.Status !== 'SUCCESS') throw new Error(`setup ${resourceType} failed: ${step.response.Reason}`);
      return step.response.PhysicalResourceId;
    },
  };
  // The setup container serves one event first, so that it is warm (token cached, version checked).
  const [warmUpUser] = server.seedUsers(1, `bench-${run}-warmup`);
  await harness.create(ResourceType.LOOKUP, 'WarmUp', harness.props({ Kind: LookupKind.USER, Name: harness.usernameOf(warmUpUser) }));

  const results: OperationResult[] = [];
  try {
    for (const spec of OPERATIONS) {
      const warm = await countOne(spec, harness, env, server.requests, setupContainer);
      const coldContainer = await env.container({ counted: true });
      let cold: Counted;
      try {
        cold = await countOne(spec, harness, env, server.requests, coldContainer);
      } finally {
        await env.release(coldContainer);
      }
      results.push(judge(spec, warm, cold));
    }
    results.push(...await measureRotationSteps(env, server, harness));
  } finally {
    await env.release(setupContainer);
  }
  log(`calls per operation: ${results.length} operations, each in a warm and a cold container`);
  const above = results.filter((r) => !r.atMinimum);
  const failed = results.filter((r) => !r.warm.ok || !r.cold.ok);
  return {
    operations: results,
    goals: [
      {
        goal: 'every operation at the minimum the APIs allow (warm and cold)',
        measured: `${results.length - above.length} of ${results.length} at the minimum${above.length ? `; above: ${above.map((r) => r.id).join(', ')}` : ''}`
          + (failed.length ? `; FAILED: ${failed.map((r) => r.id).join(', ')}` : ''),
        met: above.length === 0 && failed.length === 0,
      },
    ],
  };
}

export interface Counted {
  readonly pocketId: Array<{ request: string; status: number }>;
  readonly secrets: string[];
  readonly ok: boolean;
  readonly error?: string;
}

/** Prepares the state on the warm setup container, then counts the operation alone on `container`. */
async function countOne(
  spec: OperationSpec,
  harness: Harness,
  env: BenchEnvironment,
  requests: ReadonlyArray<{ method: string; path: string; status: number }>,
  container: LambdaContainer,
): Promise<Counted> {
  const operation = await spec.prepare(harness);
  const firstRequest = requests.length;
  const firstCall = env.proxy.calls.length;
  const step = await operation(new CloudFormationSimulator(container, spec.resourceType));
  const pocketId = requests.slice(firstRequest).map((r) => ({ request: requestName(r.method, r.path), status: r.status }));
  const secrets = env.proxy.calls.slice(firstCall);
  const ok = step.response.Status === 'SUCCESS';
  return { pocketId, secrets, ok, error: ok ? undefined : step.response.Reason };
}

/** `METHOD /api/users/:id`: the test server's route pattern, so that ids do not make every request different. */
export function requestName(method: string, path: string): string {
  return `${method} ${findRoute(method, path)?.route.pattern ?? path}`;
}

export function judge(spec: Omit<OperationSpec, 'prepare' | 'resourceType'>, warm: Counted, cold: Counted): OperationResult {
  const connects = !spec.noConnection && !spec.connectedBefore;
  const perContainerRequests = connects ? [VERSION_CHECK] : [];
  const perContainerCalls = connects ? [TOKEN_READ] : [];
  const coldMinimumPocketId = [...perContainerRequests, ...spec.minimumPocketId];
  const coldMinimumSecrets = [...perContainerCalls, ...spec.minimumSecrets];
  const warmCount = compare(warm, spec.minimumPocketId, spec.minimumSecrets);
  const coldCount = compare(cold, coldMinimumPocketId, coldMinimumSecrets);
  const excess = [...warmCount.excessPocketId, ...coldCount.excessPocketId, ...warmCount.excessSecrets, ...coldCount.excessSecrets];
  const excessReasons: Record<string, string> = {};
  for (const request of excess) excessReasons[request] = spec.excessReasons?.[request] ?? 'not analysed';
  return {
    id: spec.id,
    resource: spec.resource,
    label: spec.label,
    reason: spec.reason,
    minimumPocketId: spec.minimumPocketId,
    minimumSecrets: spec.minimumSecrets,
    coldMinimumPocketId,
    coldMinimumSecrets,
    warm: warmCount,
    cold: coldCount,
    excessReasons,
    atMinimum: warm.ok && cold.ok && excess.length === 0,
  };
}

function compare(counted: Counted, minimumPocketId: readonly string[], minimumSecrets: readonly string[]): CallCount {
  const [excessPocketId, missingPocketId] = multisetDifference(counted.pocketId.map((r) => r.request), minimumPocketId);
  const [excessSecrets, missingSecrets] = multisetDifference(counted.secrets, minimumSecrets);
  return { ...counted, excessPocketId, missingPocketId, excessSecrets, missingSecrets };
}

/** [what `actual` has beyond `minimum`, what it lacks of it], counting repeats. */
function multisetDifference(actual: readonly string[], minimum: readonly string[]): [string[], string[]] {
  const left = [...minimum];
  const excess: string[] = [];
  for (const item of actual) {
    const index = left.indexOf(item);
    if (index >= 0) left.splice(index, 1);
    else excess.push(item);
  }
  return [excess, left];
}
