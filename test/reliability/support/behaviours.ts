import { OperationStep } from './fault-kinds';
import { API_TOKEN_ROLE, Lane } from './lane';
import { assertLaneFor, describeStep, Recording, rolesOf, sleep } from './matrix';
import { deleteEvent, Operation, releaseOf, Scenario, updateEvent } from './operations';
import { checkFailure } from './residue';
import { maskedDifferences, RawState, sameHoldings, secretValuesIn } from './state';
import { CaseRecord, End, endProblems, exposureProblems, reasonProblems, UNREVOCABLE_TOKEN, verdictOf } from './verdict';
import { CREATE_FAILED_MARKER, Step } from '../../support/cloudformation';

/**
 * CloudFormation's own behaviours, each held to the operation's model like the fault matrix: the
 * same event delivered twice (also after the first delivery's Lambda died mid-way), the rollback
 * Update after a later resource failed, the Delete of a resource whose Create failed, and a
 * replacement (create the new, then delete the old).
 */

/** How long a request is held while the container that sent it is killed. */
const HOLD_MS = 800;

interface Check {
  readonly operation: Operation;
  readonly behaviour: string;
  readonly step?: string;
}

/** A CaseRecord from the problems found; the outcome follows from the last step CloudFormation saw. */
function recordOf(check: Check, problems: string[], end: Pick<End, 'residue' | 'limitation'>, last: Step | undefined, started: number): CaseRecord {
  return {
    category: 'cloudformation',
    resource: check.operation.resource,
    operation: check.operation.name,
    release: releaseOf(check.operation),
    target: null,
    step: check.step ?? null,
    stepIndex: null,
    fault: check.behaviour,
    ...verdictOf(last, problems, end),
    durationMs: Date.now() - started,
  };
}

const NOTHING_LEFT: Pick<End, 'residue' | 'limitation'> = { residue: [], limitation: null };

/** The checks every step passes, whatever it answered. */
function stepProblems(lane: Lane, step: Step, states: RawState[]): string[] {
  lane.learn(...states);
  return exposureProblems(step, [...lane.secretValues, ...states.flatMap(secretValuesIn)]);
}

/** What a step of a behaviour ran in: the operation, and the case's secrets (role → ARN). */
interface Run {
  readonly operation: Operation;
  readonly roles: Record<string, string>;
}

/** A step that must succeed, held to the model of the state before it. */
function successProblems(run: Run, step: Step, before: RawState, after: RawState, label: string): string[] {
  if (step.response.Status !== 'SUCCESS') return [`${label} failed: ${step.response.Reason}`];
  const end = endProblems(step, before, after, run.operation.intended(before, step.event, run.roles), run.roles);
  return end.problems.map((problem) => `${label}: ${problem}`);
}

/** The same event twice, as Lambda's retry of the Provider framework delivers it: one entity, the intended state of a single delivery. */
export async function deliveredTwice(lane: Lane, operation: Operation): Promise<CaseRecord> {
  const started = Date.now();
  assertLaneFor(lane, operation);
  await lane.reset();
  const scenario = await operation.prepare(lane, {});
  const before = await lane.state(scenario.secrets);
  const first = await lane.send(scenario.event);
  const between = await lane.state(scenario.secrets);
  const second = await lane.send(scenario.event);
  const after = await lane.state(scenario.secrets);
  const states = [before, between, after];
  const roles = rolesOf(lane, scenario);
  const intended = operation.intended(before, first.event, roles);
  const problems = [...stepProblems(lane, first, states), ...stepProblems(lane, second, states)];
  if (first.response.Status !== 'SUCCESS') problems.push(`harness: the first delivery failed: ${first.response.Reason}`);
  const end = endProblems(second, before, after, intended, roles, { failedFrom: between });
  return recordOf({ operation, behaviour: 'the same event delivered twice' }, [...problems, ...end.problems], end, second, started);
}

/**
 * The first delivery's Lambda dies while `step` is in flight (nothing of the operation's cleanup
 * runs), and CloudFormation's retry delivers the event again to a cold container: it must finish the
 * work (the intended state, one entity), or fail and leave nothing, not even what the dead one made.
 */
export async function redeliveredAfterCrash(lane: Lane, operation: Operation, recording: Recording, step: OperationStep): Promise<CaseRecord> {
  const started = Date.now();
  assertLaneFor(lane, operation);
  await lane.reset();
  const scenario = await operation.prepare(lane, {});
  const before = await lane.state(scenario.secrets);
  lane.clearRecords();
  const index = recording.steps.indexOf(step);
  const pocketIdBefore = recording.steps.slice(0, index).filter((s) => s.target === 'pocket-id').length;
  const secretsBefore = recording.steps.slice(0, index).filter((s) => s.target === 'secrets-manager').length;
  hold(lane, scenario, step);
  const first = lane.send(scenario.event).catch(() => undefined);
  await waitFor(() => lane.server.requests.length >= pocketIdBefore && lane.proxy.calls.length >= secretsBefore);
  await sleep(100);
  await lane.replaceContainer();
  await first;
  const crashed = await lane.state(scenario.secrets);
  await sleep(HOLD_MS);
  lane.server.clearFaults();
  lane.proxy.clearFaults();
  await lane.server.whenIdle();
  const again = await lane.send(scenario.event);
  const after = await lane.state(scenario.secrets);
  const roles = rolesOf(lane, scenario);
  const end = endProblems(again, before, after, operation.intended(before, again.event, roles), roles);
  const check = { operation, behaviour: 'delivered again after the first delivery\'s Lambda died mid-way', step: `died at ${describeStep(step, recording.steps)}` };
  return recordOf(check, [...stepProblems(lane, again, [before, crashed, after]), ...end.problems], end, again, started);
}

function hold(lane: Lane, scenario: Scenario, step: OperationStep): void {
  if (step.target === 'pocket-id') {
    lane.server.injectFault({ method: step.method, path: step.pattern, skip: step.occurrence, delayMs: HOLD_MS, resetConnection: true });
    return;
  }
  const secretId = { [API_TOKEN_ROLE]: lane.tokenSecretArn, ...scenario.secrets }[step.role];
  lane.proxy.injectFault({
    operation: step.operation,
    secretId,
    skip: step.occurrence,
    delayMs: HOLD_MS,
    error: { type: 'InternalServiceError', message: 'held', status: 500 },
  });
}

async function waitFor(condition: () => boolean): Promise<void> {
  const giveUpAt = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > giveUpAt) throw new Error('harness: the handler never reached the step');
    await sleep(10);
  }
}

/**
 * The Update succeeds, a later resource of the stack fails, and CloudFormation sends the Update back
 * (old and new properties swapped; after a replacement, then the Delete of the new entity). Each step
 * is held to the model of the state before it, and the end must be the state before the first Update.
 * `newInThatDeployment` names secrets the failed deployment made, which CloudFormation deletes in its
 * cleanup: they are not compared, and a token only they hold is unstored (the documented limitation).
 * `renewsSecret` names the secret of a client the Update made public: its secrets were revoked, which
 * cannot be undone, so the rollback's new one (held to the model of the rollback step) is not compared.
 */
export async function rolledBack(
  lane: Lane,
  operation: Operation,
  newInThatDeployment: readonly string[] = [],
  renewsSecret?: string,
): Promise<CaseRecord> {
  const started = Date.now();
  assertLaneFor(lane, operation);
  await lane.reset();
  const scenario = await operation.prepare(lane, {});
  const before = await lane.state(scenario.secrets);
  const event = scenario.event;
  const logicalId = String(event.LogicalResourceId);
  const newProperties = event.ResourceProperties as Record<string, unknown>;
  const oldProperties = event.OldResourceProperties as Record<string, unknown>;
  const forward = await lane.send(event);
  const mid = await lane.state(scenario.secrets);
  const newId = forward.response.PhysicalResourceId;
  const back = await lane.send(updateEvent(logicalId, newId, oldProperties, newProperties, 'rollback'));
  const afterBack = await lane.state(scenario.secrets);
  const run = { operation, roles: rolesOf(lane, scenario) };
  const problems = [
    ...successProblems(run, forward, before, mid, 'the Update'),
    ...successProblems(run, back, mid, afterBack, 'the rollback Update'),
  ];
  const steps = [forward, back];
  let after = afterBack;
  // CloudFormation's cleanup deletes what the failed deployment made: the entity the Update answered, when it replaced.
  if (newId !== back.response.PhysicalResourceId) {
    const cleanup = await lane.send(deleteEvent(logicalId, newId, newProperties, 'rollback-cleanup'));
    after = await lane.state(scenario.secrets);
    problems.push(...successProblems(run, cleanup, afterBack, after, 'the cleanup Delete'));
    steps.push(cleanup);
  }
  problems.push(...steps.flatMap((step) => stepProblems(lane, step, [before, mid, after])));
  if (back.response.PhysicalResourceId !== event.PhysicalResourceId) problems.push(`the rollback answered ${back.response.PhysicalResourceId}, not the old ${String(event.PhysicalResourceId)}`);
  const subjectUserId = operation.intended(before, forward.event, rolesOf(lane, scenario)).subjectUserId;
  const end = checkFailure(before, after, '', {
    subjectUserId,
    roles: rolesOf(lane, scenario),
    deletedRoles: renewsSecret ? [...newInThatDeployment, renewsSecret] : newInThatDeployment,
    renewedSecretsOf: renewsSecret ? [String(event.PhysicalResourceId)] : [],
    changed: 'after the rollback, not the state before the Update',
  });
  problems.push(...end.problems);
  const limitation = end.unstoredTokens > 0 ? UNREVOCABLE_TOKEN : null;
  return recordOf({ operation, behaviour: 'the rollback Update after a later resource failed' }, problems, { residue: [], limitation }, steps[steps.length - 1], started);
}

/**
 * A Create fails (Pocket-ID answers 500 to its last write), so the Provider framework reports the
 * CREATE_FAILED marker; CloudFormation's Delete of it never reaches the handler, and nothing is left.
 */
export async function deleteAfterFailedCreate(lane: Lane, operation: Operation, recording: Recording): Promise<CaseRecord> {
  const started = Date.now();
  assertLaneFor(lane, operation);
  await lane.reset();
  const scenario = await operation.prepare(lane, {});
  const before = await lane.state(scenario.secrets);
  const lastWrite = [...recording.steps].reverse().find((s) => s.target === 'pocket-id' && s.method !== 'GET')
    ?? recording.steps.find((s) => s.target === 'pocket-id')!;
  if (lastWrite.target !== 'pocket-id') throw new Error('harness: no Pocket-ID request to fail');
  const { method, pattern: path, occurrence } = lastWrite;
  lane.server.injectFault({ method, path, skip: occurrence, status: 500, body: '{"error":"Something went wrong","code":"internal_error"}' });
  const failed = await lane.send(scenario.event);
  lane.server.clearFaults();
  const properties = scenario.event.ResourceProperties as Record<string, unknown>;
  const deleted = await lane.send(deleteEvent(String(scenario.event.LogicalResourceId), failed.response.PhysicalResourceId, properties, 'delete-failed'));
  const after = await lane.state(scenario.secrets);
  const states = [before, after];
  const problems = [...stepProblems(lane, failed, states), ...stepProblems(lane, deleted, states), ...reasonProblems(failed.response.Reason ?? '')];
  if (failed.response.Status !== 'FAILED' || failed.response.PhysicalResourceId !== CREATE_FAILED_MARKER) problems.push('harness: the Create did not fail');
  if (deleted.response.Status !== 'SUCCESS') problems.push(`the Delete failed: ${deleted.response.Reason}`);
  if (deleted.logs.length > 0) problems.push('the Delete of the CREATE_FAILED marker reached the handler');
  if (!sameHoldings(before, after)) problems.push(`the failed Create left: ${maskedDifferences(before, after).join('; ')}`);
  const check = { operation, behaviour: 'Delete of a resource whose Create failed', step: `Create failed at ${describeStep(lastWrite, recording.steps)}` };
  return recordOf(check, problems, NOTHING_LEFT, deleted, started);
}

/**
 * A replacement as CloudFormation runs it: the Update creates the new entity and answers its id; in
 * the cleanup phase, the Delete of the old one. Each is held to the model of the state before it.
 */
export async function replaced(lane: Lane, operation: Operation): Promise<CaseRecord> {
  const started = Date.now();
  assertLaneFor(lane, operation);
  await lane.reset();
  const scenario = await operation.prepare(lane, {});
  const before = await lane.state(scenario.secrets);
  const event = scenario.event;
  const update = await lane.send(event);
  const mid = await lane.state(scenario.secrets);
  const oldId = String(event.PhysicalResourceId);
  const newId = update.response.PhysicalResourceId;
  const cleanup = await lane.send(deleteEvent(String(event.LogicalResourceId), oldId, event.OldResourceProperties as Record<string, unknown>, 'replacement-cleanup'));
  const after = await lane.state(scenario.secrets);
  const states = [before, mid, after];
  const run = { operation, roles: rolesOf(lane, scenario) };
  const problems = [
    ...stepProblems(lane, update, states),
    ...stepProblems(lane, cleanup, states),
    ...successProblems(run, update, before, mid, 'the Update'),
    ...successProblems(run, cleanup, mid, after, 'the cleanup Delete'),
  ];
  if (newId === oldId) problems.push('the Update did not answer a new physical id');
  return recordOf({ operation, behaviour: 'replacement: create the new, then delete the old' }, problems, NOTHING_LEFT, cleanup, started);
}
