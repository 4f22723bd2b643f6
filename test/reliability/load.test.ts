/**
 * Load: a stack of 200 users, 20 groups (about 10 members each) and 50 clients (each allowing 1 or 2
 * groups) deployed, then deleted, through the lifecycle harness: the bundled handler in Lambda-like
 * containers, against the Pocket-ID test server enforcing Pocket-ID's default rate limit (100 requests
 * per second per client IP, bursts of 300), in CloudFormation's dependency order and with
 * CloudFormation-like concurrency. No resource may fail. The figures go to
 * test-reports/reliability/load.json (and from there, by `npx projen reliability-report`, to
 * docs/reliability.md).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ResourceType } from '../../lib/contract';
import { PocketIdTestServer } from '../pocket-id-server';
import { AcceptanceRun } from '../support/acceptance';
import { CloudFormationSimulator, Step } from '../support/cloudformation';
import { isRealPocketId } from '../support/pocket-id-target';
import { LoadReport, PhaseFigures } from './support/load-report';

/** Pocket-ID's default rate limit (its RATE_LIMIT settings), per client IP. */
const RATE_LIMIT = { perSecond: 100, burst: 300 } as const;

/**
 * How many events are served at once.
 *
 * CloudFormation starts every resource whose dependencies are complete and documents no cap on how
 * many it works on at once in a stack (stacks of a few hundred resources of one type are known to
 * throttle their own APIs that way). A custom resource behind the Provider framework holds one
 * handler invocation while it runs (the framework's onEvent function invokes the handler and waits),
 * and Lambda serves each concurrent invocation from a container of its own. So the real concurrency
 * is min(resources ready, Lambda concurrency available to the handler): with 200 users ready at
 * once, the account's Lambda concurrency is the cap, at least 10 (a new account's quota) and
 * typically hundreds.
 *
 * 16 containers stand for that here. It is far more than the rate limit needs to be overrun (a
 * single warm container on loopback makes well over 100 requests per second on its own), so the
 * handler's 429 handling is what gets exercised, with 16 callers contending for every token after
 * the burst, as they would in Lambda. It is also as many handler processes (one Node.js process per
 * container) as this 2-core machine hosts without the wall time measuring CPU scheduling rather than
 * the rate limit. LOAD_CONCURRENCY overrides it for experiments.
 */
const CONCURRENCY = Number(process.env.LOAD_CONCURRENCY ?? 16);

const USERS = 200;
const GROUPS = 20;
const CLIENTS = 50;
/** Users with a one-time login link: Pocket-ID allows 5 at once per IP, then one per 10 seconds. */
const USERS_WITH_LOGIN_LINK = 5;

const REPORT_FILE = path.join(__dirname, '..', '..', 'test-reports', 'reliability', 'load.json');

const acceptance = new AcceptanceRun(ResourceType.USER, { rateLimit: RATE_LIMIT, containers: CONCURRENCY });
const { run, secrets, secretValues, properties } = acceptance;

/** One resource of the stack, as CloudFormation sees it. */
interface Resource {
  readonly logicalId: string;
  readonly type: string;
  /** Resources it refers to (GetAtt): created before it, deleted after it. */
  readonly dependsOn: readonly string[];
  /** Its properties, given the attributes of the resources it refers to. */
  readonly properties: (attributes: ReadonlyMap<string, Record<string, string>>) => Record<string, unknown>;
}

/** What happened to one resource in one phase. */
interface Outcome {
  readonly logicalId: string;
  readonly step: Step;
  readonly durationMs: number;
}


let server: PocketIdTestServer;
let pool: readonly CloudFormationSimulator[];
const attributes = new Map<string, Record<string, string>>();
const physicalIds = new Map<string, string>();
const loginSecretArns: string[] = [];
const clientSecretArns = new Map<string, string>();
let stack: Resource[] = [];

(isRealPocketId() ? describe.skip : describe)('load: 200 users, 20 groups, 50 clients under Pocket-ID\'s default rate limit', () => {
  beforeAll(async () => {
    const started = await acceptance.start();
    server = started.target.testServer!;
    pool = started.pool;
    // CloudFormation creates the secrets the constructs own before the Pocket-ID resources that write them.
    for (let i = 0; i < USERS_WITH_LOGIN_LINK; i++) loginSecretArns.push(await secrets.createOwnedSecret(`load-login-${i}`));
    for (let c = 0; c < CLIENTS; c++) {
      if (!isPublicClient(c)) clientSecretArns.set(clientLogicalId(c), await secrets.createOwnedSecret(`load-client-${c}`));
    }
    stack = declareStack();
  });

  afterAll(() => acceptance.stop());

  test(`deploys and deletes ${USERS + GROUPS + CLIENTS} resources with ${CONCURRENCY} concurrent invocations, none failing`, async () => {
    const deploy = await phase('create', stack);
    expect(failuresOf(deploy.outcomes)).toEqual([]);
    // More requests than the burst: the rate limit, not the burst, sets the pace.
    expect(deploy.figures.requests).toBeGreaterThan(RATE_LIMIT.burst);
    await expectDeployedStack();

    const teardown = await phase('delete', stack);
    expect(failuresOf(teardown.outcomes)).toEqual([]);
    expect(server.users().filter((user) => user.username.startsWith(`load-${run}-`))).toEqual([]);
    expect(server.groups().filter((group) => group.name.startsWith(`load-${run}-`))).toEqual([]);
    expect(server.clients().filter((client) => client.name.startsWith(`load-${run}-`))).toEqual([]);

    writeReport(deploy.figures, teardown.figures);
  }, 240_000);
});

// The stack

function userLogicalId(i: number): string {
  return `User${i}`;
}

function groupLogicalId(g: number): string {
  return `Group${g}`;
}

function clientLogicalId(c: number): string {
  return `Client${c}`;
}

/** Group g holds users 10g to 10g+9; every odd group also the first user of the next block (11 members). */
function membersOf(g: number): number[] {
  const members = Array.from({ length: USERS / GROUPS }, (_, k) => g * (USERS / GROUPS) + k);
  if (g % 2 === 1) members.push(((g + 1) * (USERS / GROUPS)) % USERS);
  return members;
}

/** Client c allows group c mod 20 and, for odd c, a second one. */
function allowedGroupsOf(c: number): number[] {
  const first = c % GROUPS;
  const second = (c * 7 + 3) % GROUPS;
  return c % 2 === 1 && second !== first ? [first, second] : [first];
}

/** Every fifth client is public (no secret); the others are confidential. */
function isPublicClient(c: number): boolean {
  return c % 5 === 0;
}

function declareStack(): Resource[] {
  const users: Resource[] = Array.from({ length: USERS }, (_, i) => ({
    logicalId: userLogicalId(i),
    type: ResourceType.USER,
    dependsOn: [],
    properties: () => properties({
      Username: `load-${run}-u${i}`,
      Email: `load-${run}-u${i}@example.com`,
      FirstName: `First${i}`,
      LastName: `Last${i}`,
      ...(i % 10 === 0 ? { CustomClaims: [{ Key: 'team', Value: `team-${i % 7}` }] } : {}),
      ...(i < USERS_WITH_LOGIN_LINK ? { LoginLinkLifetimeSeconds: '3600', LoginLinkSecretArn: loginSecretArns[i] } : {}),
    }),
  }));
  const groups: Resource[] = Array.from({ length: GROUPS }, (_, g) => ({
    logicalId: groupLogicalId(g),
    type: ResourceType.USER_GROUP,
    dependsOn: membersOf(g).map(userLogicalId),
    properties: (attrs) => properties({
      Name: `load-${run}-g${g}`,
      FriendlyName: `Load group ${g}`,
      CustomClaims: [{ Key: 'tier', Value: `tier-${g}` }],
      MemberUserIds: membersOf(g).map((i) => attrs.get(userLogicalId(i))!.UserId),
      MembershipMode: 'merge',
    }),
  }));
  const clients: Resource[] = Array.from({ length: CLIENTS }, (_, c) => ({
    logicalId: clientLogicalId(c),
    type: ResourceType.OIDC_CLIENT,
    dependsOn: allowedGroupsOf(c).map(groupLogicalId),
    properties: (attrs) => properties({
      Name: `load-${run}-c${c}`,
      CallbackUrls: [`https://app${c}.example.com/callback`],
      IsPublic: String(isPublicClient(c)),
      PkceEnabled: 'true',
      ...(isPublicClient(c) ? {} : { SecretArn: clientSecretArns.get(clientLogicalId(c)) }),
      AllowedUserGroupIds: allowedGroupsOf(c).map((g) => attrs.get(groupLogicalId(g))!.GroupId),
    }),
  }));
  return [...users, ...groups, ...clients];
}

// CloudFormation's side

/**
 * Runs one operation on every resource as CloudFormation does: a resource starts as soon as the ones
 * it depends on are done (create) or the ones that depend on it are gone (delete), as many at once as
 * there are containers, each container serving one event at a time. A failed resource stops its
 * dependents (CloudFormation would then roll back); the rest runs on.
 */
async function phase(operation: 'create' | 'delete', resources: readonly Resource[]): Promise<{ outcomes: Outcome[]; figures: PhaseFigures }> {
  server.resetRateLimits(); // each phase starts like a deployment after a quiet time: with a full bucket
  const firstRequest = server.requests.length;
  const started = Date.now();
  const outcomes = await schedule(operation, resources, async (resource, cfn) => {
    const begun = Date.now();
    const step = operation === 'create'
      ? await cfn.send({ RequestType: 'Create', ResourceType: resource.type, LogicalResourceId: resource.logicalId, ResourceProperties: resource.properties(attributes), RequestId: `${resource.logicalId}-${run}` })
      : await cfn.send({
        RequestType: 'Delete',
        ResourceType: resource.type,
        LogicalResourceId: resource.logicalId,
        PhysicalResourceId: physicalIds.get(resource.logicalId),
        ResourceProperties: resource.properties(attributes),
        RequestId: `${resource.logicalId}-delete-${run}`,
      });
    if (operation === 'create' && step.response.Status === 'SUCCESS') {
      physicalIds.set(resource.logicalId, step.response.PhysicalResourceId);
      attributes.set(resource.logicalId, step.response.Data ?? {});
    }
    return { logicalId: resource.logicalId, step, durationMs: Date.now() - begun };
  });
  const wallTimeMs = Date.now() - started;
  const requests = server.requests.slice(firstRequest);
  const retryLines = outcomes.flatMap((outcome) => outcome.step.logs.map((line) => JSON.parse(line)))
    .filter((line) => line.message === 'retrying Pocket-ID request');
  const attempts = outcomes.flatMap((outcome) => outcome.step.logs.map((line) => JSON.parse(line)))
    .filter((line) => line.message === 'Pocket-ID request').map((line) => Number(line.attempt ?? 1));
  for (const outcome of outcomes) acceptance.expectCleanStep(outcome.step);
  return {
    outcomes,
    figures: {
      wallTimeMs,
      events: outcomes.length,
      failed: failuresOf(outcomes).length,
      requests: requests.length,
      status429: requests.filter((request) => request.status === 429).length,
      retriesLogged: retryLines.length,
      maxAttempts: Math.max(1, ...attempts),
      slowestEventMs: Math.max(0, ...outcomes.map((outcome) => outcome.durationMs)),
      rateLimitLowerBoundMs: Math.max(0, requests.length - RATE_LIMIT.burst) / RATE_LIMIT.perSecond * 1000,
    },
  };
}

function schedule(
  operation: 'create' | 'delete',
  resources: readonly Resource[],
  serve: (resource: Resource, cfn: CloudFormationSimulator) => Promise<Outcome>,
): Promise<Outcome[]> {
  const byId = new Map(resources.map((resource) => [resource.logicalId, resource]));
  // Create waits for what a resource refers to; delete waits for what refers to the resource.
  const waitsFor = new Map<string, Set<string>>(resources.map((resource) => [resource.logicalId, new Set<string>()]));
  const unblocks = new Map<string, string[]>(resources.map((resource) => [resource.logicalId, []]));
  for (const resource of resources) {
    for (const dependency of resource.dependsOn) {
      const [waiting, awaited] = operation === 'create' ? [resource.logicalId, dependency] : [dependency, resource.logicalId];
      waitsFor.get(waiting)!.add(awaited);
      unblocks.get(awaited)!.push(waiting);
    }
  }
  const ready = resources.filter((resource) => waitsFor.get(resource.logicalId)!.size === 0).map((resource) => resource.logicalId);
  const idle = [...pool];
  const outcomes: Outcome[] = [];
  let inFlight = 0;
  return new Promise((resolve, reject) => {
    const dispatch = (): void => {
      while (idle.length > 0 && ready.length > 0) {
        const logicalId = ready.shift()!;
        const cfn = idle.shift()!;
        inFlight++;
        serve(byId.get(logicalId)!, cfn).then((outcome) => {
          outcomes.push(outcome);
          if (outcome.step.response.Status !== 'SUCCESS') return;
          for (const next of unblocks.get(logicalId)!) {
            const waiting = waitsFor.get(next)!;
            waiting.delete(logicalId);
            if (waiting.size === 0) ready.push(next);
          }
        }).then(() => {
          inFlight--;
          idle.push(cfn);
          if (inFlight === 0 && ready.length === 0) resolve(outcomes);
          else dispatch();
        }, reject);
      }
    };
    dispatch();
    if (inFlight === 0) resolve(outcomes);
  });
}

function failuresOf(outcomes: readonly Outcome[]): string[] {
  return outcomes.filter((outcome) => outcome.step.response.Status !== 'SUCCESS')
    .map((outcome) => `${outcome.logicalId}: ${outcome.step.response.Reason}`);
}

// Checks

/** Pocket-ID holds what the stack declares, read from the test server's state (no requests spent). */
async function expectDeployedStack(): Promise<void> {
  const users = server.users().filter((user) => user.username.startsWith(`load-${run}-`));
  expect(users).toHaveLength(USERS);
  const userIdOf = (i: number) => attributes.get(userLogicalId(i))!.UserId;
  for (let g = 0; g < GROUPS; g++) {
    const group = server.groups().find((candidate) => candidate.id === attributes.get(groupLogicalId(g))!.GroupId);
    expect(group).toMatchObject({ name: `load-${run}-g${g}`, customClaims: [{ key: 'tier', value: `tier-${g}` }] });
    expect([...group.userIds].sort()).toEqual(membersOf(g).map(userIdOf).sort());
  }
  for (let c = 0; c < CLIENTS; c++) {
    const clientId = attributes.get(clientLogicalId(c))!.ClientId;
    const client = server.client(clientId);
    expect(client).toMatchObject({ name: `load-${run}-c${c}`, isPublic: isPublicClient(c), isGroupRestricted: true });
    expect([...client.allowedUserGroupIds].sort()).toEqual(allowedGroupsOf(c).map((g) => attributes.get(groupLogicalId(g))!.GroupId).sort());
    const onServer = server.clientSecrets(clientId);
    if (isPublicClient(c)) {
      expect(onServer).toEqual([]);
      continue;
    }
    const stored = await secrets.readJson(clientSecretArns.get(clientLogicalId(c))!);
    secretValues.add(stored.clientSecret);
    expect(onServer.map((secret) => secret.secret)).toEqual([stored.clientSecret]);
  }
  for (let i = 0; i < USERS_WITH_LOGIN_LINK; i++) {
    const link = await secrets.readJson(loginSecretArns[i]);
    secretValues.add(link.loginUrl);
    expect(link).toMatchObject({ userId: userIdOf(i), username: `load-${run}-u${i}` });
  }
}

function writeReport(deploy: PhaseFigures, teardown: PhaseFigures): void {
  const total = (key: keyof PhaseFigures) => deploy[key] + teardown[key];
  const report: LoadReport = {
    generatedAt: new Date().toISOString(),
    machine: { cores: os.cpus().length, node: process.version, platform: `${os.platform()} ${os.arch()}` },
    resources: { users: USERS, groups: GROUPS, clients: CLIENTS, usersWithLoginLink: USERS_WITH_LOGIN_LINK },
    concurrency: CONCURRENCY,
    rateLimit: RATE_LIMIT,
    deploy,
    delete: teardown,
    total: {
      wallTimeMs: total('wallTimeMs'),
      events: total('events'),
      failed: total('failed'),
      requests: total('requests'),
      status429: total('status429'),
      retriesLogged: total('retriesLogged'),
      rateLimitLowerBoundMs: total('rateLimitLowerBoundMs'),
    },
  };
  fs.mkdirSync(path.dirname(REPORT_FILE), { recursive: true });
  fs.writeFileSync(REPORT_FILE, `${JSON.stringify(report, null, 2)}\n`);
}
