import { OperationStep, POCKET_ID_FAULTS, PocketIdFault, PocketIdStep, SECRETS_FAULTS, SecretsFault, SecretsStep } from './fault-kinds';
import { API_TOKEN_ROLE, Lane } from './lane';
import { Operation, Scenario } from './operations';
import { RawState, withLabels } from './state';
import { CaseRecord, judge, Verdict } from './verdict';
import { Step } from '../../support/cloudformation';

/** An operation's clean run: its steps, and the state and answer every faulted run is held to. */
export interface Recording {
  readonly steps: OperationStep[];
  readonly before: RawState;
  readonly after: RawState;
  readonly response: unknown;
}

const UUID_SEGMENT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Runs the operation cleanly (twice: the first run warms the container's token cache and version
 * check, as a warm Lambda would have) and records the Pocket-ID requests and Secrets Manager calls of
 * the second run, with the state before and after it.
 */
export async function record(lane: Lane, operation: Operation): Promise<Recording> {
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
    const after = await lane.state(scenario.secrets);
    lane.learn(before, after);
    const steps = [...pocketIdSteps(lane), ...secretsSteps(lane, roleByArn(lane, scenario))];
    return { steps, before, after, response: responseModel([before, after], step) };
  }
}

/** Every case of the operation: each step, each fault that applies to it. */
export function casesOf(recording: Recording): Array<{ step: OperationStep; fault: PocketIdFault | SecretsFault }> {
  return recording.steps.flatMap((step): Array<{ step: OperationStep; fault: PocketIdFault | SecretsFault }> => step.target === 'pocket-id'
    ? POCKET_ID_FAULTS.filter((fault) => fault.appliesTo(step)).map((fault) => ({ step, fault }))
    : SECRETS_FAULTS.filter((fault) => fault.appliesTo(step)).map((fault) => ({ step, fault })));
}

/** Starts from the operation's starting state, injects the fault at the step, runs the operation, judges. */
export async function runCase(
  lane: Lane,
  operation: Operation,
  recording: Recording,
  step: OperationStep,
  fault: PocketIdFault | SecretsFault,
): Promise<CaseRecord> {
  await lane.reset();
  const timeoutSeconds = 'timeoutSeconds' in fault ? fault.timeoutSeconds : undefined;
  const scenario = await operation.prepare(lane, { timeoutSeconds });
  const before = await lane.state(scenario.secrets);
  lane.clearRecords();
  arm(lane, scenario, step, fault);
  const started = Date.now();
  const result = await lane.send(scenario.event);
  const durationMs = Date.now() - started;
  if ('settleMs' in fault && fault.settleMs) await sleep(fault.settleMs);
  const reached = faultReached(lane, step);
  lane.server.clearFaults();
  lane.proxy.clearFaults();
  const after = await lane.state(scenario.secrets);
  lane.learn(before, after);
  const verdict: Verdict = judge({
    recording,
    before,
    after,
    step: result,
    response: responseModel([before, after], result),
    mustSucceed: mustSucceed(step, fault),
    secretValues: lane.secretValues,
    reached,
  });
  return {
    category: 'fault',
    resource: operation.resource,
    operation: operation.name,
    target: step.target,
    step: describeStep(step, recording),
    stepIndex: recording.steps.indexOf(step),
    fault: fault.name,
    ...verdict,
    durationMs,
  };
}

export function describeStep(step: OperationStep, recording: Recording): string {
  const index = recording.steps.filter((s) => s.target === step.target).indexOf(step);
  return step.target === 'pocket-id'
    ? `pocket-id #${index}: ${step.method} ${step.path}`
    : `secrets-manager #${index}: ${step.operation} ${step.role}`;
}

function arm(lane: Lane, scenario: Scenario, step: OperationStep, fault: PocketIdFault | SecretsFault): void {
  if (step.target === 'pocket-id') {
    const spec = (fault as PocketIdFault).spec;
    // A fault without status, reset or delay passes the request through untouched: it skips the
    // earlier requests that match the same pattern, so that the real fault hits this occurrence.
    if (step.occurrence > 0) lane.server.injectFault({ method: step.method, path: step.pattern, times: step.occurrence, headers: {} });
    lane.server.injectFault({ method: step.method, path: step.pattern, ...spec });
    return;
  }
  const secretsFault = fault as SecretsFault;
  const secretId = { [API_TOKEN_ROLE]: lane.tokenSecretArn, ...scenario.secrets }[step.role];
  lane.proxy.injectFault({
    operation: step.operation,
    secretId,
    skip: step.occurrence,
    times: secretsFault.times,
    error: secretsFault.error,
    afterForwarding: secretsFault.afterForwarding,
  });
}

function faultReached(lane: Lane, step: OperationStep): boolean {
  if (step.target === 'secrets-manager') return lane.proxy.calls.some((call) => call.fault !== undefined);
  const matching = lane.server.requests.filter((request) => request.method === step.method && step.pattern.test(request.path));
  return matching.length > step.occurrence;
}

function mustSucceed(step: OperationStep, fault: PocketIdFault | SecretsFault): boolean {
  if (step.target === 'pocket-id') return (fault as PocketIdFault).mustSucceed?.(step) ?? false;
  return (fault as SecretsFault).mustSucceed ?? false;
}

function pocketIdSteps(lane: Lane): PocketIdStep[] {
  const seen = new Map<string, number>();
  return lane.server.requests.map((request) => {
    const segments = request.path.split('/');
    const pattern = new RegExp(`^${segments.map((s) => (UUID_SEGMENT.test(s) ? '[^/]+' : escapeRegExp(s))).join('/')}$`);
    const key = `${request.method} ${pattern.source}`;
    const occurrence = seen.get(key) ?? 0;
    seen.set(key, occurrence + 1);
    const path = segments.map((s) => (UUID_SEGMENT.test(s) ? ':id' : s)).join('/');
    return { target: 'pocket-id' as const, method: request.method, path, pattern, occurrence };
  });
}

function secretsSteps(lane: Lane, roles: Map<string, string>): SecretsStep[] {
  const seen = new Map<string, number>();
  return lane.proxy.calls.map((call) => {
    const role = roles.get(call.secretId ?? '') ?? 'unknown secret';
    const key = `${call.operation} ${role}`;
    const occurrence = seen.get(key) ?? 0;
    seen.set(key, occurrence + 1);
    return { target: 'secrets-manager' as const, operation: call.operation, role, secretId: call.secretId ?? '', occurrence };
  });
}

function roleByArn(lane: Lane, scenario: Scenario): Map<string, string> {
  return new Map(Object.entries({ [API_TOKEN_ROLE]: lane.tokenSecretArn, ...scenario.secrets }).map(([role, arn]) => [arn, role]));
}

/** What CloudFormation keeps of a successful answer, generated ids replaced by labels. */
function responseModel(states: readonly RawState[], step: Step): unknown {
  return withLabels(states, { PhysicalResourceId: step.response.PhysicalResourceId, Data: step.response.Data });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
