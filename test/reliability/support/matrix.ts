import {
  absorbed,
  FORWARD_FAILURE,
  faultsAt,
  OperationStep,
  POCKET_ID_FAULTS,
  PocketIdFault,
  PocketIdStep,
  SECRETS_FAULTS,
  SecretsFault,
  SecretsStep,
  UNAUTHORIZED_ONCE,
} from './fault-kinds';
import { API_TOKEN_ROLE, Lane } from './lane';
import { COLD_TOKEN_ROLE, coldStart, Operation, releaseOf, Scenario } from './operations';
import { differences, modelOf, RawState } from './state';
import { CaseCategory, CaseRecord, judge } from './verdict';

/**
 * An operation's clean run: the steps it makes (where faults are injected) and the state it started
 * from (every case must start from it too). Never the expected result: that is the operation's model.
 */
export interface Recording {
  readonly steps: OperationStep[];
  readonly before: RawState;
  /** The base URL of the lane's server (lanes differ only in it): what the state says about it is compared apart. */
  readonly baseUrl: string;
}

type Fault = PocketIdFault | SecretsFault;

/** A fault armed at a step (its occurrence counted in `steps`, the run it was found in). */
interface Injection {
  readonly step: OperationStep;
  readonly fault: Fault;
}

/** One case: which operation, what is armed, and what the verdict must demand of it. */
export interface CasePlan {
  readonly category: CaseCategory;
  readonly operation: Operation;
  readonly recording: Recording;
  /** Every fault armed, in order. */
  readonly injections: readonly Injection[];
  /** The one the case is about: reported as its step and fault. */
  readonly subject: Injection;
  /** The run whose steps `subject.step` is counted in (the clean run, or the run a forward failure made). */
  readonly stepsOfRun: readonly OperationStep[];
  /** What else is armed, said in the report (the forward failure before an undo step, the 401 before a re-read). */
  readonly context?: string;
  /** The handler's retries are documented to absorb the fault: only SUCCESS is right. */
  readonly mustSucceed: boolean;
  /** The fault is at an undo step and the retries absorb it: the failure must leave nothing. */
  readonly mustLeaveNothing: boolean;
}

const UUID_SEGMENT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Runs the operation cleanly (twice: the first run warms the container's token cache and version
 * check, as a warm Lambda would have) and records the Pocket-ID requests and Secrets Manager calls of
 * the second run, in the order they arrived, with the state before it.
 */
export async function record(lane: Lane, operation: Operation): Promise<Recording> {
  assertLaneFor(lane, operation);
  for (let run = 1; ; run++) {
    await lane.reset();
    const scenario = await operation.prepare(lane, {});
    const before = await lane.state(scenario.secrets);
    lane.clearRecords();
    const step = await lane.send(scenario.event);
    if (step.response.Status !== 'SUCCESS') {
      throw new Error(`${operation.resource} ${operation.name}: the clean run failed: ${step.response.Reason}`);
    }
    if (run < 2) continue;
    lane.learn(before, await lane.state(scenario.secrets));
    return { steps: stepsOf(lane, scenario), before, baseUrl: lane.server.baseUrl };
  }
}

/** The fault matrix of the operation: each step, each fault that applies to it; a cold-start step's cases are the cold-start category. */
export function matrixCases(operation: Operation, recording: Recording, only?: (step: OperationStep) => boolean): CasePlan[] {
  return recording.steps.filter((step) => only?.(step) ?? true).flatMap((step) => faultsAt(step).map((fault) => plan({
    category: isColdStartStep(step) ? 'cold-start' : 'fault',
    operation,
    recording,
    injections: [{ step, fault }],
    stepsOfRun: recording.steps,
  })));
}

/** The steps a container makes once per API key secret: reading the key, checking Pocket-ID's version. */
export function isColdStartStep(step: OperationStep): boolean {
  if (step.target === 'pocket-id') return step.path === '/api/version/current';
  return step.operation === 'GetSecretValue' && (step.role === API_TOKEN_ROLE || step.role === COLD_TOKEN_ROLE);
}

/**
 * Faults at undo steps: a forward step fails (the first write after the first one that made
 * something, and the last write), the requests and calls after the failure are its undo steps
 * (compensation, and the checks before it), and each fault that applies is injected at each of them,
 * with the forward failure armed too.
 */
export async function undoCases(lane: Lane, operation: Operation, recording: Recording): Promise<CasePlan[]> {
  const plans: CasePlan[] = [];
  for (const point of forwardFailurePoints(recording.steps)) {
    const forward: Injection = { step: point, fault: forwardFailureAt(point) };
    const run = await failingRun(lane, operation, forward);
    if (!run) continue;
    const context = `after ${forward.fault.name} at ${describeStep(point, recording.steps)}`;
    for (const step of run.undoSteps) {
      for (const fault of faultsAt(step)) {
        plans.push(plan({ category: 'undo', operation, recording, injections: [run.forward, { step, fault }], stepsOfRun: run.steps, context, undo: true }));
      }
    }
  }
  return plans;
}

/**
 * A 401 at the operation's first request and at its last write: the handler re-reads the API key
 * secret once and retries. At the first, each Secrets Manager fault at that re-read too. The key is
 * one the container has not cached, so that the re-read is the second read of its secret.
 */
export function tokenRereadCases(operation: Operation, clean: Recording): CasePlan[] {
  const cold = coldStart(operation, false);
  const recording = withColdKeySecret(clean);
  const requests = recording.steps.filter((step): step is PocketIdStep => step.target === 'pocket-id' && !isColdStartStep(step));
  const lastWrite = [...requests].reverse().find((step) => step.method !== 'GET');
  const targets = [...new Set([requests[0], lastWrite].filter((step): step is PocketIdStep => step !== undefined))];
  const reread: SecretsStep = { target: 'secrets-manager', at: 0, operation: 'GetSecretValue', role: COLD_TOKEN_ROLE, secretId: '', occurrence: 1 };
  return targets.flatMap((target, index) => {
    const unauthorized: Injection = { step: target, fault: UNAUTHORIZED_ONCE };
    const once = plan({ category: 'token-reread', operation: cold, recording, injections: [unauthorized], stepsOfRun: recording.steps });
    if (index > 0) return [once];
    const context = `after 401 once at ${describeStep(target, recording.steps)}`;
    return [once, ...faultsAt(reread).map((fault) => plan({
      category: 'token-reread', operation: cold, recording, injections: [unauthorized, { step: reread, fault }], stepsOfRun: recording.steps, context,
    }))];
  });
}

/** The clean run's starting state as the cold variant starts: one more secret, holding the same API key. */
function withColdKeySecret(recording: Recording): Recording {
  const { before } = recording;
  return { ...recording, before: { ...before, secrets: { ...before.secrets, [COLD_TOKEN_ROLE]: before.secrets[API_TOKEN_ROLE] } } };
}

function plan(parts: Omit<CasePlan, 'subject' | 'mustSucceed' | 'mustLeaveNothing'> & { undo?: boolean }): CasePlan {
  const { undo, ...rest } = parts;
  const subject = rest.injections[rest.injections.length - 1];
  const retried = rest.injections.every((injection) => absorbed(injection.step, injection.fault));
  return { ...rest, subject, mustSucceed: !undo && retried, mustLeaveNothing: Boolean(undo) && absorbed(subject.step, subject.fault) };
}

/** Where a forward failure makes compensation run: the first write after the first entity (or secret, or token) was made, and the last write. */
function forwardFailurePoints(steps: readonly OperationStep[]): OperationStep[] {
  const writes = steps.filter(isWrite);
  const firstMade = writes.findIndex((step) => step.target === 'pocket-id' && step.method === 'POST');
  const afterFirst = writes[(firstMade < 0 ? 0 : firstMade) + 1];
  return [...new Set([afterFirst, writes[writes.length - 1]].filter((step): step is OperationStep => step !== undefined))];
}

function isWrite(step: OperationStep): boolean {
  return step.target === 'pocket-id' ? step.method !== 'GET' : ['PutSecretValue', 'UpdateSecretVersionStage'].includes(step.operation);
}

function forwardFailureAt(step: OperationStep): Fault {
  return step.target === 'pocket-id'
    ? POCKET_ID_FAULTS.find((fault) => fault.name === FORWARD_FAILURE.pocketId)!
    : SECRETS_FAULTS.find((fault) => fault.name === FORWARD_FAILURE.secrets)!;
}

/** Runs the operation with the forward failure armed; its steps after the failure are the undo steps. Undefined when it did not fail. */
/** A run a forward failure made: all its steps, those after the failure, and the failure as counted in it. */
interface FailingRun {
  readonly steps: OperationStep[];
  readonly undoSteps: OperationStep[];
  readonly forward: Injection;
}

async function failingRun(lane: Lane, operation: Operation, forward: Injection): Promise<FailingRun | undefined> {
  await lane.reset();
  const scenario = await operation.prepare(lane, {});
  lane.clearRecords();
  arm(lane, scenario, forward);
  const result = await lane.send(scenario.event);
  await lane.server.whenIdle();
  if (result.response.Status !== 'FAILED') return undefined;
  const steps = stepsOf(lane, scenario);
  const failed = steps.find((step) => sameStep(step, forward.step));
  if (!failed) return undefined;
  return { steps, undoSteps: steps.filter((step) => step.at > failed.at), forward: { step: failed, fault: forward.fault } };
}

function sameStep(a: OperationStep, b: OperationStep): boolean {
  if (a.target === 'pocket-id' && b.target === 'pocket-id') return a.method === b.method && a.pattern.source === b.pattern.source && a.occurrence === b.occurrence;
  if (a.target === 'secrets-manager' && b.target === 'secrets-manager') return a.operation === b.operation && a.role === b.role && a.occurrence === b.occurrence;
  return false;
}

/**
 * Starts from the operation's starting state, arms the plan's faults, runs the operation, judges it
 * against its model. A run that did not reach every armed fault is run once more before it is judged
 * so: a moto too busy to answer makes the AWS SDK send a call again, which counts towards the faults'
 * skips and moves a fault to an earlier call than the plan's (seen about once in a full run).
 */
export async function runCase(lane: Lane, casePlan: CasePlan, attempt = 1): Promise<CaseRecord> {
  const { operation, recording, injections, subject } = casePlan;
  assertLaneFor(lane, operation);
  await lane.reset();
  const timeoutSeconds = injections.map(({ fault }) => ('timeoutSeconds' in fault ? fault.timeoutSeconds : undefined)).find(Boolean);
  const scenario = await operation.prepare(lane, { timeoutSeconds });
  const before = await lane.state(scenario.secrets);
  lane.clearRecords();
  for (const injection of injections) arm(lane, scenario, injection);
  const started = Date.now();
  const result = await lane.send(scenario.event);
  const durationMs = Date.now() - started;
  await lane.server.whenIdle();
  const reached = injections.every((injection) => faultReached(lane, scenario, injection));
  lane.server.clearFaults();
  lane.proxy.clearFaults();
  if (!reached && attempt === 1) return runCase(lane, casePlan, 2);
  const after = await lane.state(scenario.secrets);
  lane.learn(before, after);
  const roles = rolesOf(lane, scenario);
  const verdict = judge({
    startDifferences: startDifferences(recording, before, lane.server.baseUrl),
    before,
    after,
    step: result,
    intended: operation.intended(before, result.event, roles),
    roles,
    mustSucceed: casePlan.mustSucceed,
    mustLeaveNothing: casePlan.mustLeaveNothing,
    secretValues: lane.secretValues,
    reached,
  });
  return {
    category: casePlan.category,
    resource: operation.resource,
    operation: operation.name,
    release: lane.release,
    target: subject.step.target,
    step: describeStep(subject.step, casePlan.stepsOfRun),
    stepIndex: casePlan.stepsOfRun.indexOf(subject.step),
    fault: subject.fault.name,
    context: casePlan.context ?? null,
    ...verdict,
    durationMs,
  };
}

/** An operation runs only on a lane whose test server plays its release. */
export function assertLaneFor(lane: Lane, operation: Operation): void {
  if (lane.release !== releaseOf(operation)) {
    throw new Error(`harness: ${operation.resource} ${operation.name} needs Pocket-ID ${releaseOf(operation)}, but its lane plays ${lane.release}`);
  }
}

/** How the case's starting state differs from the clean run's, the lanes' base URLs aside. */
export function startDifferences(recording: Recording, before: RawState, baseUrl: string): string[] {
  const comparable = (state: RawState, url: string) => modelOf(JSON.parse(JSON.stringify(state).split(url).join('<base url>')));
  return differences(comparable(recording.before, recording.baseUrl), comparable(before, baseUrl));
}

export function describeStep(step: OperationStep, steps: readonly OperationStep[]): string {
  const index = steps.filter((s) => s.target === step.target).indexOf(step);
  const number = index < 0 ? '' : ` #${index}`;
  return step.target === 'pocket-id'
    ? `pocket-id${number}: ${step.method} ${step.path}`
    : `secrets-manager${number}: ${step.operation} ${step.role}${index < 0 ? ` (call ${step.occurrence + 1} on it)` : ''}`;
}

/** The case's secrets, role → ARN, the API key's included. */
export function rolesOf(lane: Lane, scenario: Scenario): Record<string, string> {
  return { [API_TOKEN_ROLE]: lane.tokenSecretArn, ...scenario.secrets };
}

function arm(lane: Lane, scenario: Scenario, { step, fault }: Injection): void {
  if (step.target === 'pocket-id') {
    lane.server.injectFault({ method: step.method, path: step.pattern, skip: step.occurrence, ...(fault as PocketIdFault).spec });
    return;
  }
  const secretsFault = fault as SecretsFault;
  lane.proxy.injectFault({
    operation: step.operation,
    secretId: rolesOf(lane, scenario)[step.role],
    skip: step.occurrence,
    times: secretsFault.times,
    error: secretsFault.error,
    afterForwarding: secretsFault.afterForwarding,
  });
}

/**
 * Whether the run got as far as the step: a case whose fault never fired proves nothing. A Secrets
 * Manager call must have got its fault at exactly the step's occurrence: a call the proxy could not
 * forward (moto busy) also counts towards the skips, and would move the fault to another call.
 */
function faultReached(lane: Lane, scenario: Scenario, { step, fault }: Injection): boolean {
  if (step.target === 'secrets-manager') {
    const secretId = rolesOf(lane, scenario)[step.role];
    const matching = lane.proxy.calls.filter((call) => call.operation === step.operation && call.secretId === secretId);
    // A call the proxy could not forward to a busy moto counts towards the fault's skips, and the SDK
    // sends it again: the fault then lands on a later call than the clean run's occurrence.
    const fromOccurrence = [...matching].sort((a, b) => a.receivedAt - b.receivedAt).slice(step.occurrence);
    return fromOccurrence.some((call) => call.fault === (fault as SecretsFault).error.type);
  }
  return lane.server.requests.filter((request) => request.method === step.method && step.pattern.test(request.path)).length > step.occurrence;
}

/** The run's Pocket-ID requests and Secrets Manager calls, in the order they arrived, each with its occurrence among its kind. */
function stepsOf(lane: Lane, scenario: Scenario): OperationStep[] {
  const roles = new Map(Object.entries(rolesOf(lane, scenario)).map(([role, arn]) => [arn, role]));
  return [...pocketIdSteps(lane), ...secretsSteps(lane, roles)].sort((a, b) => a.at - b.at);
}

function pocketIdSteps(lane: Lane): PocketIdStep[] {
  const seen = new Map<string, number>();
  return [...lane.server.requests].sort((a, b) => a.receivedAt - b.receivedAt).map((request) => {
    const segments = request.path.split('/');
    const pattern = new RegExp(`^${segments.map((s) => (UUID_SEGMENT.test(s) ? '[^/]+' : escapeRegExp(s))).join('/')}$`);
    const key = `${request.method} ${pattern.source}`;
    const occurrence = seen.get(key) ?? 0;
    seen.set(key, occurrence + 1);
    const path = segments.map((s) => (UUID_SEGMENT.test(s) ? ':id' : s)).join('/');
    return { target: 'pocket-id' as const, at: request.receivedAt, method: request.method, path, pattern, occurrence };
  });
}

function secretsSteps(lane: Lane, roles: Map<string, string>): SecretsStep[] {
  const seen = new Map<string, number>();
  return [...lane.proxy.calls].sort((a, b) => a.receivedAt - b.receivedAt).map((call) => {
    const role = roles.get(call.secretId ?? '') ?? 'unknown secret';
    const key = `${call.operation} ${role}`;
    const occurrence = seen.get(key) ?? 0;
    seen.set(key, occurrence + 1);
    return { target: 'secrets-manager' as const, at: call.receivedAt, operation: call.operation, role, secretId: call.secretId ?? '', occurrence };
  });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
