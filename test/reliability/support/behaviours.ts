import { PocketIdStep, SecretsStep } from './fault-kinds';
import { API_TOKEN_ROLE, Lane } from './lane';
import { describeStep, Recording, sleep } from './matrix';
import { deleteEvent, Operation, Scenario, updateEvent } from './operations';
import { differences, maskedDifferences, modelOf, RawState, secretValuesIn, withLabels } from './state';
import { CaseRecord, exposureProblems, onlyMoreTokens, onlyNewTokens, Outcome, reasonProblems, UNREVOCABLE_TOKEN } from './verdict';
import { CREATE_FAILED_MARKER, failureReason, Step } from '../../support/cloudformation';

/**
 * CloudFormation's own behaviours, each checked against the same invariant as the fault matrix: the
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
function recordOf(check: Check, found: Found, last: Step | undefined, started: number): CaseRecord {
  const { problems, limitation = null } = found;
  const status = last?.response.Status;
  const outcome: Outcome = problems.length > 0 ? 'violation' : limitation ? 'known-limitation' : status === 'SUCCESS' ? 'success' : 'failed-clean';
  return {
    category: 'cloudformation',
    resource: check.operation.resource,
    operation: check.operation.name,
    target: null,
    step: check.step ?? null,
    stepIndex: null,
    fault: check.behaviour,
    outcome,
    reason: last ? failureReason(last.response)?.slice(0, 200) ?? null : null,
    violation: problems.length > 0 ? problems.join(' | ') : null,
    limitation: problems.length > 0 ? null : limitation,
    durationMs: Date.now() - started,
  };
}

interface Found {
  readonly problems: string[];
  readonly limitation?: string | null;
}

/** The checks every step passes, whatever it answered. */
function stepProblems(lane: Lane, step: Step, states: RawState[]): string[] {
  lane.learn(...states);
  return exposureProblems(step, [...lane.secretValues, ...states.flatMap(secretValuesIn)]);
}

/** SUCCESS with the state and answer of a single clean delivery, or FAILED cleanly relative to `failedBaseline`. */
function endProblems(recording: Recording, step: Step, after: RawState, failedBaseline: RawState, states: RawState[]): Found {
  if (step.response.Status === 'SUCCESS') {
    const [intended, actual] = [modelOf(recording.after), modelOf(after)];
    const stateDiff = differences(intended, actual);
    const answer = withLabels(states, { PhysicalResourceId: step.response.PhysicalResourceId, Data: step.response.Data });
    const answerDiff = differences(recording.response, answer);
    const residue = stateDiff.length > 0 && onlyMoreTokens(intended, actual);
    return {
      problems: [
        ...stateDiff.length > 0 && !residue ? [`SUCCESS, but the state is not the intended one: ${stateDiff.join('; ')}`] : [],
        ...answerDiff.length > 0 ? [`SUCCESS, but not the intended answer: ${answerDiff.join('; ')}`] : [],
      ],
      limitation: residue ? UNREVOCABLE_TOKEN : null,
    };
  }
  const problems = reasonProblems(step.response.Reason ?? '');
  const residue = JSON.stringify(failedBaseline) !== JSON.stringify(after) && onlyNewTokens(failedBaseline, after);
  if (JSON.stringify(failedBaseline) !== JSON.stringify(after) && !residue) {
    problems.push(`FAILED, and the state changed: ${maskedDifferences(failedBaseline, after).join('; ')}`);
  }
  return { problems, limitation: residue ? UNREVOCABLE_TOKEN : null };
}

/** The same event twice, as Lambda's retry of the Provider framework delivers it: one entity, the intended state. */
export async function deliveredTwice(lane: Lane, operation: Operation, recording: Recording): Promise<CaseRecord> {
  const started = Date.now();
  await lane.reset();
  const scenario = await operation.prepare(lane, {});
  const before = await lane.state(scenario.secrets);
  const first = await lane.send(scenario.event);
  const between = await lane.state(scenario.secrets);
  const second = await lane.send(scenario.event);
  const after = await lane.state(scenario.secrets);
  const states = [before, between, after];
  const problems = [...stepProblems(lane, first, states), ...stepProblems(lane, second, states)];
  if (first.response.Status !== 'SUCCESS') problems.push(`harness: the first delivery failed: ${first.response.Reason}`);
  const end = endProblems(recording, second, after, between, states);
  return recordOf({ operation, behaviour: 'the same event delivered twice' }, { ...end, problems: [...problems, ...end.problems] }, second, started);
}

/**
 * The first delivery's Lambda dies while `step` is in flight (nothing of the operation's cleanup
 * runs), and CloudFormation's retry delivers the event again to a cold container: it must finish the
 * work (the intended state, one entity), or fail and leave nothing, not even what the dead one made.
 */
export async function redeliveredAfterCrash(
  lane: Lane,
  operation: Operation,
  recording: Recording,
  step: PocketIdStep | SecretsStep,
): Promise<CaseRecord> {
  const started = Date.now();
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
  const again = await lane.send(scenario.event);
  const after = await lane.state(scenario.secrets);
  const states = [before, crashed, after];
  const end = endProblems(recording, again, after, before, states);
  const check = { operation, behaviour: 'delivered again after the first delivery\'s Lambda died mid-way', step: `died at ${describeStep(step, recording)}` };
  return recordOf(check, { ...end, problems: [...stepProblems(lane, again, states), ...end.problems] }, again, started);
}

function hold(lane: Lane, scenario: Scenario, step: PocketIdStep | SecretsStep): void {
  if (step.target === 'pocket-id') {
    if (step.occurrence > 0) lane.server.injectFault({ method: step.method, path: step.pattern, times: step.occurrence, headers: {} });
    lane.server.injectFault({ method: step.method, path: step.pattern, delayMs: HOLD_MS, resetConnection: true });
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
 * (old and new properties swapped; after a replacement, then the Delete of the new entity): the state
 * must be the one before the first Update. `newInThatDeployment` names secrets the failed deployment
 * made (CloudFormation deletes them in its cleanup), which are not compared.
 */
export async function rolledBack(lane: Lane, operation: Operation, newInThatDeployment: readonly string[] = []): Promise<CaseRecord> {
  const started = Date.now();
  await lane.reset();
  const scenario = await operation.prepare(lane, {});
  const before = await lane.state(scenario.secrets);
  const event = scenario.event;
  const forward = await lane.send(event);
  const newProperties = event.ResourceProperties as Record<string, unknown>;
  const oldProperties = event.OldResourceProperties as Record<string, unknown>;
  const newId = forward.response.PhysicalResourceId;
  const back = await lane.send(updateEvent(String(event.LogicalResourceId), newId, oldProperties, newProperties, 'rollback'));
  const steps = [forward, back];
  // CloudFormation's cleanup deletes what the failed deployment made: the entity the Update answered, when it replaced.
  if (newId !== back.response.PhysicalResourceId) {
    steps.push(await lane.send(deleteEvent(String(event.LogicalResourceId), newId, newProperties, 'rollback-cleanup')));
  }
  const after = await lane.state(scenario.secrets);
  const states = [before, after];
  const problems = steps.flatMap((step) => stepProblems(lane, step, states));
  const failed = steps.find((step) => step.response.Status !== 'SUCCESS');
  if (failed) problems.push(`a step of the rollback failed: ${failed.response.Reason}`);
  if (back.response.PhysicalResourceId !== event.PhysicalResourceId) problems.push(`the rollback answered ${back.response.PhysicalResourceId}, not the old ${String(event.PhysicalResourceId)}`);
  const comparable = (state: RawState) => modelOf({
    ...state,
    // What the failed deployment issued and CloudFormation deletes with its secret: see KNOWN_RESIDUE.
    users: state.users.map((user) => ({ ...user, oneTimeTokens: [] })),
    secrets: Object.fromEntries(Object.entries(state.secrets).filter(([role]) => !newInThatDeployment.includes(role))),
  });
  const stateDiff = differences(comparable(before), comparable(after));
  if (stateDiff.length > 0) problems.push(`after the rollback, the state is not the one before the Update: ${stateDiff.join('; ')}`);
  return recordOf({ operation, behaviour: 'the rollback Update after a later resource failed' }, { problems }, steps[steps.length - 1], started);
}

/**
 * A Create fails (Pocket-ID answers 500 to its last write), so the Provider framework reports the
 * CREATE_FAILED marker; CloudFormation's Delete of it never reaches the handler, and nothing is left.
 */
export async function deleteAfterFailedCreate(lane: Lane, operation: Operation, recording: Recording): Promise<CaseRecord> {
  const started = Date.now();
  await lane.reset();
  const scenario = await operation.prepare(lane, {});
  const before = await lane.state(scenario.secrets);
  const lastWrite = [...recording.steps].reverse().find((s): s is PocketIdStep => s.target === 'pocket-id' && s.method !== 'GET')
    ?? recording.steps.find((s): s is PocketIdStep => s.target === 'pocket-id')!;
  const { method, pattern: path, occurrence } = lastWrite;
  if (occurrence > 0) lane.server.injectFault({ method, path, times: occurrence, headers: {} });
  lane.server.injectFault({ method, path, status: 500, body: '{"error":"Something went wrong","code":"internal_error"}' });
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
  if (JSON.stringify(before) !== JSON.stringify(after)) problems.push(`the failed Create left: ${maskedDifferences(before, after).join('; ')}`);
  const check = { operation, behaviour: 'Delete of a resource whose Create failed', step: `Create failed at ${describeStep(lastWrite, recording)}` };
  return recordOf(check, { problems }, deleted, started);
}

/**
 * A replacement as CloudFormation runs it: the Update creates the new entity and answers its id; in
 * the cleanup phase, the Delete of the old one. `expect` checks the end state.
 */
export async function replaced(
  lane: Lane,
  operation: Operation,
  expectEnd: (state: RawState, oldId: string, newId: string) => string[],
): Promise<CaseRecord> {
  const started = Date.now();
  await lane.reset();
  const scenario = await operation.prepare(lane, {});
  const before = await lane.state(scenario.secrets);
  const event = scenario.event;
  const update = await lane.send(event);
  const oldId = String(event.PhysicalResourceId);
  const newId = update.response.PhysicalResourceId;
  const cleanup = await lane.send(deleteEvent(String(event.LogicalResourceId), oldId, event.OldResourceProperties as Record<string, unknown>, 'replacement-cleanup'));
  const after = await lane.state(scenario.secrets);
  const states = [before, after];
  const problems = [...stepProblems(lane, update, states), ...stepProblems(lane, cleanup, states)];
  for (const step of [update, cleanup]) if (step.response.Status !== 'SUCCESS') problems.push(`${step.event.RequestType} failed: ${step.response.Reason}`);
  if (newId === oldId) problems.push('the Update did not answer a new physical id');
  problems.push(...expectEnd(after, oldId, newId));
  return recordOf({ operation, behaviour: 'replacement: create the new, then delete the old' }, { problems }, cleanup, started);
}

