import { randomBytes } from 'crypto';
import { BASE_RELEASE } from './lane';
import { CaseRecord } from './verdict';
import { CONTRACT_VERSION, ResourceType } from '../../../lib/contract';
import { startPocketIdTestServer } from '../../pocket-id-server';
import { POCKET_ID_RATE_LIMIT } from '../../support/acceptance';
import { CloudFormationSimulator, failureReason, Step } from '../../support/cloudformation';
import { ExposureScan, showsSecret } from '../../support/exposure';
import { LambdaContainer } from '../../support/lambda-container';
import { PocketIdDirectory } from '../../support/pocket-id-directory';
import { TestSecrets } from '../../support/secrets-manager';

export interface ParallelDeleteRun {
  readonly cases: CaseRecord[];
  readonly summary: {
    readonly clients: number;
    readonly users: number;
    readonly groups: number;
    readonly containers: number;
    /** Wall time of the deletion (every Delete sent at once). */
    readonly wallMs: number;
    /** 429 answers the handlers absorbed during the deletion. */
    readonly rateLimited: number;
  };
}

interface Deployed {
  readonly resourceType: string;
  readonly resource: string;
  readonly logicalId: string;
  readonly physicalId: string;
  readonly properties: Record<string, unknown>;
}

const BEHAVIOUR = 'deleted in parallel with the rest of the stack';

/**
 * A stack's worth of resources (clients allowing groups, groups with members, users) deleted all at
 * once through several warm containers, as CloudFormation deletes independent resources, against a
 * Pocket-ID that enforces its default rate limit: every Delete succeeds and Pocket-ID ends empty.
 */
export async function deleteInParallel(
  counts: { clients: number; users: number; groups: number; containers: number },
  scan: ExposureScan,
): Promise<ParallelDeleteRun> {
  const server = await startPocketIdTestServer({ rateLimit: POCKET_ID_RATE_LIMIT, version: BASE_RELEASE });
  const secrets = new TestSecrets();
  const containers = await Promise.all(Array.from({ length: counts.containers }, () => LambdaContainer.start()));
  try {
    const tokenSecretArn = await secrets.create('parallel-api-token', server.apiToken);
    const properties = (extra: Record<string, unknown>) => ({
      ContractVersion: CONTRACT_VERSION,
      BaseUrl: server.baseUrl,
      ApiTokenSecret: tokenSecretArn,
      TimeoutSeconds: '10',
      LogLevel: 'info',
      ...extra,
    });
    scan.addSecret(server.apiToken);
    const simulators = (type: string) => containers.map((container) => new CloudFormationSimulator(container, type, (step) => scan.recordStep(step)));
    const deploy = (type: string, resource: string, items: Item[]) => deployAll(simulators(type), type, resource, items);
    const directory = new PocketIdDirectory({ baseUrl: server.baseUrl, apiToken: server.apiToken, testServer: server, close: async () => undefined });
    await directory.warmUp();
    const users = await deploy(ResourceType.USER, 'user', Array.from({ length: counts.users }, (_, n) => ({
      logicalId: `User${n}`,
      properties: properties({ Username: `person-${n}`, Email: `person-${n}@example.com`, FirstName: `Person ${n}`, CustomClaims: [{ Key: 'n', Value: String(n) }] }),
    })));
    const groups = await deploy(ResourceType.USER_GROUP, 'user group', Array.from({ length: counts.groups }, (_, n) => ({
      logicalId: `Group${n}`,
      properties: properties({ Name: `team-${n}`, FriendlyName: `Team ${n}`, MemberUserIds: users.filter((_u, i) => i % counts.groups === n).map((u) => u.physicalId) }),
    })));
    const clientSecretArns = await Promise.all(Array.from({ length: counts.clients }, (_, n) => secrets.create(`parallel-client-${n}`, randomBytes(8).toString('hex'))));
    const clients = await deploy(ResourceType.OIDC_CLIENT, 'OIDC client', Array.from({ length: counts.clients }, (_, n) => ({
      logicalId: `Client${n}`,
      properties: properties({
        Name: `app-${n}`,
        CallbackUrls: [`https://app-${n}.example.com/cb`],
        SecretArn: clientSecretArns[n],
        AllowedUserGroupIds: [groups[n % groups.length].physicalId],
      }),
    })));

    for (const client of server.clients()) for (const secret of server.clientSecrets(client.id)) scan.addSecret(secret.secret);
    server.clearRequests();
    const everything = [...clients, ...groups, ...users];
    const types = [ResourceType.OIDC_CLIENT, ResourceType.USER_GROUP, ResourceType.USER];
    const pools = new Map<string, CloudFormationSimulator[]>(types.map((type) => [type, simulators(type)]));
    const started = Date.now();
    const steps = await Promise.all(everything.map(async (item, n) => {
      const sent = Date.now();
      const step = await pools.get(item.resourceType)![n % counts.containers].delete(item.logicalId, item.physicalId, item.properties);
      return { item, step, durationMs: Date.now() - sent };
    }));
    const wallMs = Date.now() - started;
    const remaining = new Set([...server.clients().map((c) => c.id), ...server.groups().map((g) => g.id), ...server.users().map((u) => u.id)]);
    const cases = steps.map(({ item, step, durationMs }) => judgeDeletion(item, step, remaining, durationMs, server.apiToken));
    return {
      cases,
      summary: { ...counts, wallMs, rateLimited: server.requests.filter((request) => request.status === 429).length },
    };
  } finally {
    containers.forEach((container, n) => scan.recordErrorOutput(`parallel-delete container ${n + 1}`, container.errorOutput));
    await Promise.all(containers.map((container) => container.stop()));
    secrets.destroy();
    await server.close();
  }
}

interface Item {
  readonly logicalId: string;
  readonly properties: Record<string, unknown>;
}

/** Creates the items through the containers, a few at once; each must succeed (the stack to delete). */
async function deployAll(pool: CloudFormationSimulator[], resourceType: string, resource: string, items: Item[]): Promise<Deployed[]> {
  const steps = await Promise.all(items.map((item, n) => pool[n % pool.length].create(item.logicalId, item.properties)));
  return steps.map((step, n) => {
    if (step.response.Status !== 'SUCCESS') throw new Error(`setting up the stack failed: ${step.response.Reason}`);
    return { resourceType, resource, logicalId: items[n].logicalId, physicalId: step.response.PhysicalResourceId, properties: items[n].properties };
  });
}

function judgeDeletion(item: Deployed, step: Step, remaining: Set<string>, durationMs: number, apiToken: string): CaseRecord {
  const problems: string[] = [];
  if (step.response.Status !== 'SUCCESS') problems.push(`the Delete failed: ${step.response.Reason}`);
  if (remaining.has(item.physicalId)) problems.push(`${item.physicalId} is still in Pocket-ID`);
  if ([step.responseBody, ...step.logs, ...step.frameworkLogs].some((text) => showsSecret(text, apiToken))) problems.push('the API key appears in the response or the logs');
  return {
    category: 'cloudformation',
    resource: item.resource,
    operation: 'delete',
    release: BASE_RELEASE,
    target: null,
    step: null,
    stepIndex: null,
    fault: BEHAVIOUR,
    outcome: problems.length > 0 ? 'violation' : step.response.Status === 'SUCCESS' ? 'success' : 'failed-clean',
    reason: failureReason(step.response)?.slice(0, 200) ?? null,
    violation: problems.length > 0 ? problems.join(' | ') : null,
    limitation: null,
    durationMs,
  };
}
