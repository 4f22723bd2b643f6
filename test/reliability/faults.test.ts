/**
 * Fault injection, systematically. For each resource type and operation, a clean run records the
 * Pocket-ID requests and Secrets Manager calls the bundled handler makes (only to know where faults can
 * be injected); then, for each of those steps and each fault that can happen there, the operation
 * starts again from the same state with the fault injected at that step alone, and the invariant is
 * checked: exactly one of SUCCESS with what the operation's model says Pocket-ID and Secrets Manager
 * must hold and the operation must answer (support/model.ts, from the properties and Pocket-ID's
 * documented behaviour, never from a run of the handler), or FAILED with a Reason that says what
 * happened and what to do, and both exactly as they were, but for what the Reason names as left by an
 * undo step that failed too. Beyond the clean run's steps:
 * - undo: a forward step fails so that compensation runs, and each fault is injected at each of the
 *   steps after the failure (the undo steps);
 * - cold-start: the API key read and the version check a container makes once per key secret;
 * - token-reread: a 401, after which the handler re-reads the key secret once, and faults at that read.
 * Then CloudFormation's own behaviours, against the same invariant. Every case lands in
 * test-reports/reliability/faults.json.
 *
 * Each lane has its own Pocket-ID test server (with Pocket-ID's real rate limit), Secrets Manager
 * fault proxy in front of moto and warm LambdaContainer. Every lane's server plays Pocket-ID 2.14.0
 * (BASE_RELEASE), but for the operations that make a confidential client: they run again, every kind
 * of case, on lanes that play 2.17.0, whose POST of such a client makes a secret too (their names end
 * in "on Pocket-ID 2.17"; each case records its release). A resource type's lanes record its operations
 * between them, then take cases from one queue; lanes of all types run side by side: most of a case's
 * time is the handler's retry backoff, which costs no CPU.
 *
 * Subsets, for development (both filters are kept out of the full run's results only by not setting them):
 * - FAULT_FILTER=<text>: only the operations whose "resource: operation" contains the text (case-insensitive),
 *   e.g. FAULT_FILTER='OIDC client: create (confidential)' (on both releases), FAULT_FILTER='on Pocket-ID 2.17';
 * - FAULT_CATEGORIES=<list>: only these kinds of cases, comma-separated, of fault, undo, cold-start,
 *   token-reread, cloudformation, parallel (the parallel deletion), e.g. FAULT_CATEGORIES=undo.
 */
import { deleteAfterFailedCreate, deliveredTwice, redeliveredAfterCrash, replaced, rolledBack } from './support/behaviours';
import { BASE_RELEASE, Lane } from './support/lane';
import { CasePlan, isColdStartStep, matrixCases, record, Recording, runCase, tokenRereadCases, undoCases } from './support/matrix';
import {
  API_GRANT_OPERATIONS,
  API_OPERATIONS,
  API_UPDATE_UNGRANTED,
  APPLICATION_IMAGES_OPERATIONS,
  CLIENT_OPERATIONS,
  CONFIGURATION_OPERATIONS,
  coldStart,
  GROUP_OPERATIONS,
  LOOKUP_OPERATIONS,
  LOOKUP_REPLACEMENT,
  onRelease,
  Operation,
  PUBLIC_FIXED_ID_CREATE,
  SCIM_OPERATIONS,
  SIGNUP_TOKEN_OPERATIONS,
  USER_OPERATIONS,
  USER_REPLACEMENT,
} from './support/operations';
import { deleteInParallel, ParallelDeleteRun } from './support/parallel-deletes';
import { LaneTime, summarize, writeResults } from './support/results';
import { CaseCategory, CaseRecord, UNREVOCABLE_TOKEN } from './support/verdict';
import { ResourceType } from '../../lib/contract';
import { ExposureScan } from '../support/exposure';

const named = (operations: readonly Operation[], name: string) => operations.find((operation) => operation.name === name)!;
const CLIENT = {
  createConfidential: named(CLIENT_OPERATIONS, 'create (confidential)'),
  createPublic: named(CLIENT_OPERATIONS, 'create (public)'),
  inPlace: named(CLIENT_OPERATIONS, 'update (in place)'),
  toConfidential: named(CLIENT_OPERATIONS, 'update (public to confidential)'),
  toPublic: named(CLIENT_OPERATIONS, 'update (confidential to public)'),
  replacement: named(CLIENT_OPERATIONS, 'update (replacement: client id change)'),
};
/**
 * From Pocket-ID 2.17 on, the POST of a confidential client also makes a secret and answers it once
 * (createdSecret): the operations that make a confidential client run again, with all their cases, on
 * lanes whose server plays 2.17, the first release that does so. Every other case runs on BASE_RELEASE.
 */
const SECRET_WITH_CLIENT = '2.17.0';
const CLIENT_ON_2_17 = {
  createConfidential: onRelease(CLIENT.createConfidential, SECRET_WITH_CLIENT),
  replacement: onRelease(CLIENT.replacement, SECRET_WITH_CLIENT),
};
const USER_CREATE = named(USER_OPERATIONS, 'create (claims, login link)');
const CONFIGURATION = {
  create: named(CONFIGURATION_OPERATIONS, 'create (settings, default group)'),
  update: named(CONFIGURATION_OPERATIONS, 'update (changed, no longer declared)'),
};
// APIs
const API = {
  create: named(API_OPERATIONS, 'create (permissions)'),
  replacement: named(API_OPERATIONS, 'update (replacement: resource change)'),
};
const GRANT = {
  create: named(API_GRANT_OPERATIONS, 'create (taking over a grant made in the UI)'),
  update: named(API_GRANT_OPERATIONS, 'update (other permissions)'),
};
const IMAGES = {
  create: named(APPLICATION_IMAGES_OPERATIONS, 'create (a new logo, the favicon and background replaced)'),
  update: named(APPLICATION_IMAGES_OPERATIONS, 'update (logo replaced, background and favicon no longer declared)'),
};
const GROUP_CREATE = named(GROUP_OPERATIONS, 'create (claims, members)');
// SCIM service providers
const SCIM_CREATE = named(SCIM_OPERATIONS, 'create');
const SIGNUP_TOKEN_CREATE = named(SIGNUP_TOKEN_OPERATIONS, 'create (groups, link stored)');
const SIGNUP_TOKEN_REPLACEMENT = named(SIGNUP_TOKEN_OPERATIONS, 'update (replacement: usage limit change)');

/** Which kinds of cases an operation gets. */
interface Coverage {
  readonly operation: Operation;
  /** Every fault at every step of the clean run (or only at the cold-start steps). */
  readonly matrix: 'all' | 'cold-start steps' | 'none';
  readonly undo: boolean;
  readonly tokenReread: boolean;
}

const everything = (operation: Operation): Coverage => ({ operation, matrix: 'all', undo: true, tokenReread: true });
/** A Delete or a lookup makes nothing it could have to undo. */
const nothingToUndo = (operation: Operation): Coverage => ({ ...everything(operation), undo: false });
const byKind = (operation: Operation): Coverage => (operation.name.startsWith('delete') ? nothingToUndo(operation) : everything(operation));
/** The configuration's and the images' Delete send no request at all (not even a token read): only the CloudFormation behaviours try it. */
const leftOnDelete = (operation: Operation): Coverage => (operation.name.startsWith('delete')
  ? { operation, matrix: 'none', undo: false, tokenReread: false } : everything(operation));
/** A create with a key the container has not read yet, for its cold-start steps only: its other steps are the warm create's. */
const coldCreate = (operation: Operation): Coverage => ({ operation: coldStart(operation), matrix: 'cold-start steps', undo: false, tokenReread: false });

/**
 * Each resource type on each release its lanes play (BASE_RELEASE unless said): its operations, and how
 * many lanes share them (the OIDC client has the most steps and cases).
 */
const TYPES: ReadonlyArray<{ resourceType: string; release?: string; lanes: number; coverage: readonly Coverage[] }> = [
  { resourceType: ResourceType.OIDC_CLIENT, lanes: 5, coverage: [...CLIENT_OPERATIONS.map(byKind), coldCreate(CLIENT.createConfidential)] },
  {
    resourceType: ResourceType.OIDC_CLIENT,
    release: SECRET_WITH_CLIENT,
    lanes: 2,
    coverage: [everything(CLIENT_ON_2_17.createConfidential), everything(CLIENT_ON_2_17.replacement), coldCreate(CLIENT_ON_2_17.createConfidential)],
  },
  { resourceType: ResourceType.USER, lanes: 3, coverage: [...USER_OPERATIONS.map(byKind), coldCreate(USER_CREATE)] },
  { resourceType: ResourceType.USER_GROUP, lanes: 2, coverage: [...GROUP_OPERATIONS.map(byKind), coldCreate(GROUP_CREATE)] },
  { resourceType: ResourceType.LOOKUP, lanes: 1, coverage: LOOKUP_OPERATIONS.map(nothingToUndo) },
  // SCIM service providers
  { resourceType: ResourceType.SCIM_SERVICE_PROVIDER, lanes: 1, coverage: [...SCIM_OPERATIONS.map(byKind), coldCreate(SCIM_CREATE)] },
  { resourceType: ResourceType.SIGNUP_TOKEN, lanes: 1, coverage: [...SIGNUP_TOKEN_OPERATIONS.map(byKind), coldCreate(SIGNUP_TOKEN_CREATE)] },
  // APIs
  { resourceType: ResourceType.API, lanes: 1, coverage: API_OPERATIONS.map(byKind) },
  { resourceType: ResourceType.API_GRANT, lanes: 1, coverage: API_GRANT_OPERATIONS.map(byKind) },
  { resourceType: ResourceType.APPLICATION_CONFIGURATION, lanes: 1, coverage: CONFIGURATION_OPERATIONS.map(leftOnDelete) },
  { resourceType: ResourceType.APPLICATION_IMAGES, lanes: 1, coverage: APPLICATION_IMAGES_OPERATIONS.map(leftOnDelete) },
];

/** Which operations each CloudFormation behaviour is tried on, per resource type and release (one lane each). */
interface BehaviourPlan {
  readonly resourceType: string;
  /** The release the lane plays: BASE_RELEASE unless said. */
  readonly release?: string;
  /** The same event twice. */
  readonly repeated: readonly Operation[];
  /** Delivered again after the first delivery's Lambda died at each step. */
  readonly crashed: readonly Operation[];
  /** Updated, then rolled back; with the secrets the failed deployment made, and the secret a client made public gets anew. */
  readonly rolledBack: ReadonlyArray<readonly [Operation, readonly string[], string?]>;
  /** A Create that fails, then CloudFormation's Delete of the CREATE_FAILED marker. */
  readonly failedCreates: readonly Operation[];
  /** Create the new, delete the old. */
  readonly replacements: readonly Operation[];
}

const BEHAVIOUR_PLANS: readonly BehaviourPlan[] = [
  {
    resourceType: ResourceType.OIDC_CLIENT,
    repeated: [...CLIENT_OPERATIONS, PUBLIC_FIXED_ID_CREATE],
    crashed: [CLIENT.createConfidential, CLIENT.createPublic],
    rolledBack: [[CLIENT.inPlace, []], [CLIENT.toConfidential, ['client-secret']], [CLIENT.toPublic, [], 'client-secret'], [CLIENT.replacement, []]],
    failedCreates: [CLIENT.createConfidential, CLIENT.createPublic],
    replacements: [CLIENT.replacement],
  },
  {
    resourceType: ResourceType.OIDC_CLIENT,
    release: SECRET_WITH_CLIENT,
    repeated: [CLIENT_ON_2_17.createConfidential, CLIENT_ON_2_17.replacement],
    crashed: [CLIENT_ON_2_17.createConfidential],
    rolledBack: [[CLIENT_ON_2_17.replacement, []]],
    failedCreates: [CLIENT_ON_2_17.createConfidential],
    replacements: [CLIENT_ON_2_17.replacement],
  },
  {
    resourceType: ResourceType.USER,
    repeated: USER_OPERATIONS,
    crashed: [USER_CREATE],
    rolledBack: [[named(USER_OPERATIONS, 'update (fields, claims, new login link)'), ['login-link']]],
    failedCreates: [USER_CREATE],
    replacements: [USER_REPLACEMENT],
  },
  {
    resourceType: ResourceType.USER_GROUP,
    repeated: GROUP_OPERATIONS,
    crashed: [GROUP_CREATE],
    rolledBack: [[named(GROUP_OPERATIONS, 'update (rename, claims, members change)'), []]],
    failedCreates: [GROUP_CREATE],
    replacements: [],
  },
  {
    resourceType: ResourceType.LOOKUP,
    repeated: LOOKUP_OPERATIONS,
    crashed: [],
    rolledBack: [],
    failedCreates: [named(LOOKUP_OPERATIONS, 'create (warm container)')],
    replacements: [LOOKUP_REPLACEMENT],
  },
  // SCIM service providers
  {
    resourceType: ResourceType.SCIM_SERVICE_PROVIDER,
    repeated: SCIM_OPERATIONS,
    crashed: [SCIM_CREATE],
    rolledBack: [[named(SCIM_OPERATIONS, 'update (endpoint, token)'), []], [named(SCIM_OPERATIONS, 'update (move to another client)'), []]],
    failedCreates: [SCIM_CREATE],
    replacements: [],
  },
  {
    resourceType: ResourceType.SIGNUP_TOKEN,
    repeated: SIGNUP_TOKEN_OPERATIONS,
    crashed: [SIGNUP_TOKEN_CREATE],
    rolledBack: [[SIGNUP_TOKEN_REPLACEMENT, []]],
    failedCreates: [SIGNUP_TOKEN_CREATE],
    replacements: [SIGNUP_TOKEN_REPLACEMENT],
  },
  // APIs
  {
    resourceType: ResourceType.API,
    repeated: API_OPERATIONS,
    crashed: [API.create],
    rolledBack: [[API_UPDATE_UNGRANTED, []], [API.replacement, []]],
    failedCreates: [API.create],
    replacements: [API.replacement],
  },
  {
    resourceType: ResourceType.API_GRANT,
    repeated: API_GRANT_OPERATIONS,
    crashed: [GRANT.create],
    rolledBack: [[GRANT.update, []]],
    failedCreates: [GRANT.create],
    replacements: [],
  },
  {
    resourceType: ResourceType.APPLICATION_CONFIGURATION,
    repeated: CONFIGURATION_OPERATIONS,
    crashed: [CONFIGURATION.create],
    rolledBack: [[CONFIGURATION.update, []]],
    failedCreates: [CONFIGURATION.create],
    replacements: [],
  },
  {
    resourceType: ResourceType.APPLICATION_IMAGES,
    repeated: APPLICATION_IMAGES_OPERATIONS,
    crashed: [IMAGES.create],
    rolledBack: [[IMAGES.update, []]],
    failedCreates: [IMAGES.create],
    replacements: [],
  },
];
const BEHAVIOURS = [
  'the same event delivered twice',
  'delivered again after the first delivery\'s Lambda died mid-way',
  'the rollback Update after a later resource failed',
  'Delete of a resource whose Create failed',
  'replacement: create the new, then delete the old',
];
const PARALLEL_DELETION = 'deleted in parallel with the rest of the stack';
const PARALLEL = { clients: 20, users: 20, groups: 5, containers: 8 };

// Subsets (see the header)

const FILTER = (process.env.FAULT_FILTER ?? '').toLowerCase();
const CATEGORIES = new Set((process.env.FAULT_CATEGORIES ?? 'fault,undo,cold-start,token-reread,cloudformation,parallel').split(',').map((c) => c.trim()));
const selected = (operation: Operation) => `${operation.resource}: ${operation.name}`.toLowerCase().includes(FILTER);
const wanted = (category: CaseCategory | 'parallel') => CATEGORIES.has(category);

/** The suite's secret-exposure scan: every step of every lane, against every secret value met. */
const exposure = new ExposureScan();
const suiteStarted = Date.now();
const cases: CaseRecord[] = [];
const laneTimes: LaneTime[] = [];
let parallel: ParallelDeleteRun['summary'] | undefined;

/** The cases of one operation, from its clean run (and, for undo cases, from the runs a forward failure makes). */
async function plansOf(lane: Lane, coverage: Coverage): Promise<CasePlan[]> {
  const { operation } = coverage;
  const recording: Recording = await record(lane, operation);
  const plans: CasePlan[] = [];
  if (coverage.matrix !== 'none') plans.push(...matrixCases(operation, recording, coverage.matrix === 'cold-start steps' ? isColdStartStep : undefined));
  if (coverage.undo && wanted('undo')) plans.push(...await undoCases(lane, operation, recording));
  if (coverage.tokenReread) plans.push(...tokenRereadCases(operation, recording));
  return plans.filter((plan) => wanted(plan.category));
}

/** A resource type's lanes on one release: first they record its operations between them, then they take its cases from one queue. */
async function runResourceType(resourceType: string, release: string, laneCount: number, coverage: readonly Coverage[]): Promise<void> {
  const chosen = coverage.filter((c) => selected(c.operation));
  if (chosen.length === 0) return;
  const lanes = await Promise.all(Array.from({ length: laneCount }, () => Lane.start(resourceType, exposure, release)));
  const started = Date.now();
  try {
    await Promise.all(lanes.map((lane) => lane.warmUp()));
    const planned = await Promise.all(lanes.map(async (lane, n) => {
      const mine = chosen.filter((_, index) => index % lanes.length === n);
      const plans: CasePlan[] = [];
      for (const c of mine) plans.push(...await plansOf(lane, c));
      return plans;
    }));
    const queue = planned.flat();
    await Promise.all(lanes.map(async (lane, n) => {
      let count = 0;
      for (let plan = queue.shift(); plan; plan = queue.shift()) {
        cases.push(await runCase(lane, plan));
        count++;
      }
      const recorded = chosen.filter((_, index) => index % lanes.length === n).map((c) => c.operation.name);
      laneTimes.push({ resource: chosen[0].operation.resource, release, operations: recorded, cases: count, wallMs: Date.now() - started });
    }));
  } finally {
    await Promise.all(lanes.map((lane) => lane.stop()));
  }
}

async function runBehaviourLane(plan: BehaviourPlan): Promise<void> {
  const pick = (operations: readonly Operation[]) => operations.filter(selected);
  if (!wanted('cloudformation')) return;
  const lane = await Lane.start(plan.resourceType, exposure, plan.release);
  try {
    await lane.warmUp();
    for (const operation of pick(plan.repeated)) cases.push(await deliveredTwice(lane, operation));
    for (const operation of pick(plan.crashed)) {
      const recording = await record(lane, operation);
      for (const step of recording.steps) cases.push(await redeliveredAfterCrash(lane, operation, recording, step));
    }
    for (const [operation, newInThatDeployment, renewsSecret] of plan.rolledBack.filter(([candidate]) => selected(candidate))) {
      cases.push(await rolledBack(lane, operation, newInThatDeployment, renewsSecret));
    }
    for (const operation of pick(plan.failedCreates)) cases.push(await deleteAfterFailedCreate(lane, operation, await record(lane, operation)));
    for (const operation of pick(plan.replacements)) cases.push(await replaced(lane, operation));
  } finally {
    await lane.stop();
  }
}

async function runParallelDeletes(): Promise<void> {
  if (!wanted('parallel') || FILTER !== '') return;
  const run = await deleteInParallel(PARALLEL, exposure);
  cases.push(...run.cases);
  parallel = run.summary;
}

afterAll(() => {
  const results = writeResults(cases, laneTimes, parallel, Date.now() - suiteStarted);
  const { totals } = results;
  process.stdout.write(`\nfault matrix and CloudFormation behaviours: ${totals.cases} cases in ${(results.runtimeMs / 1000).toFixed(1)} s: `
    + `${totals.success} success, ${totals['failed-clean']} failed-clean, ${totals['failed-reported-residue']} failed-reported-residue, `
    + `${totals['known-limitation']} known-limitation, ${totals.violation} violations\n`
    + `${summarize(cases)}\n${parallel ? `parallel deletes: ${JSON.stringify(parallel)}\n` : ''}`
    + `${violationsOf(cases).map((line) => `VIOLATION ${line}`).join('\n')}\n`);
  // Written for scripts/reliability-report.ts; fails the suite when a secret value was found anywhere.
  exposure.finish('reliability-faults');
});

function violationsOf(selection: readonly CaseRecord[]): string[] {
  return selection.filter((c) => c.outcome === 'violation')
    .map((c) => `[${c.category}] ${c.resource}: ${c.operation} / ${c.step ?? '-'} / ${c.fault}${c.context ? ` (${c.context})` : ''}: ${c.violation}`);
}

test('runs the fault matrix and the CloudFormation behaviours', async () => {
  await Promise.all([
    ...TYPES.map(({ resourceType, release, lanes, coverage }) => runResourceType(resourceType, release ?? BASE_RELEASE, lanes, coverage)),
    ...BEHAVIOUR_PLANS.map(runBehaviourLane),
    runParallelDeletes(),
  ]);
  expect(cases.length).toBeGreaterThan(0);
}, 900_000);

const COVERED = TYPES.flatMap(({ coverage }) => coverage).filter((c) => selected(c.operation));

describe.each([
  ['the fault matrix', 'fault', COVERED.filter((c) => c.matrix === 'all')],
  ['faults at undo steps', 'undo', COVERED.filter((c) => c.undo)],
  ['faults at cold-start steps', 'cold-start', COVERED.filter((c) => c.matrix === 'cold-start steps' || c.operation.name.includes('cold'))],
  ['a 401 and faults at the API key re-read', 'token-reread', COVERED.filter((c) => c.tokenReread)],
] as const)('%s', (_, category, coverage) => {
  const operations = wanted(category) ? coverage.map((c) => [`${c.operation.resource}: ${c.operation.name}`, c.operation] as const) : [];
  (operations.length > 0 ? test.each(operations) : test.skip.each([['none selected', undefined]]))('%s: no violation', (__, operation) => {
    const mine = cases.filter((c) => c.category === category && c.resource === operation!.resource && c.operation === operation!.name);
    expect(mine.length).toBeGreaterThan(0);
    expect(violationsOf(mine)).toEqual([]);
  });
});

describe('CloudFormation behaviours', () => {
  const behaviours = FILTER === '' ? [
    ...wanted('cloudformation') ? BEHAVIOURS : [],
    ...wanted('parallel') ? [PARALLEL_DELETION] : [],
  ].map((behaviour) => [behaviour]) : [];
  (behaviours.length > 0 ? test.each(behaviours) : test.skip.each([['none selected']]))('%s: no violation', (behaviour) => {
    const mine = cases.filter((c) => c.category === 'cloudformation' && c.fault === behaviour);
    expect(mine.length).toBeGreaterThan(0);
    expect(violationsOf(mine)).toEqual([]);
  });
});

test('every known limitation is the documented one: an unstored one-time login token of the operation\'s user, so only users have any', () => {
  const limited = cases.filter((c) => c.limitation !== null);
  expect(limited.filter((c) => c.resource !== 'user' || c.limitation !== UNREVOCABLE_TOKEN)).toEqual([]);
});
