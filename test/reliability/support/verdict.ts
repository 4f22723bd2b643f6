import type { Recording } from './matrix';
import { differences, maskedDifferences, modelOf, RawState, secretValuesIn } from './state';
import { failureReason, MAX_RESPONSE_BYTES, Step } from '../../support/cloudformation';

/**
 * success: SUCCESS with the intended state; failed-clean: FAILED with a Reason that says what happened
 * and what to do, nothing changed; known-limitation: one of those, but for residue the handler cannot
 * remove through Pocket-ID's API (UNREVOCABLE_TOKEN); violation: anything else.
 */
export type Outcome = 'success' | 'failed-clean' | 'known-limitation' | 'violation';

/** One case as written to test-reports/reliability/faults.json. */
export interface CaseRecord {
  /** 'fault': the fault matrix; 'cloudformation': CloudFormation's own behaviours. */
  readonly category: 'fault' | 'cloudformation';
  readonly resource: string;
  readonly operation: string;
  /** Where the fault was injected; null for CloudFormation behaviours. */
  readonly target: 'pocket-id' | 'secrets-manager' | null;
  readonly step: string | null;
  readonly stepIndex: number | null;
  readonly fault: string;
  readonly outcome: Outcome;
  /** The first 200 characters of CloudFormation's Reason, when the operation failed. */
  readonly reason: string | null;
  /** What broke the invariant, when outcome is 'violation'. */
  readonly violation: string | null;
  /** The residue left, when outcome is 'known-limitation'. */
  readonly limitation: string | null;
  readonly durationMs: number;
}

export type Verdict = Pick<CaseRecord, 'outcome' | 'reason' | 'violation' | 'limitation'>;

/**
 * The one residue the handler cannot remove, because Pocket-ID's API offers no way to take it back
 * (named in the README's known limitations); anything else left behind is a violation.
 */
export const UNREVOCABLE_TOKEN = 'an unrevocable one-time access token: Pocket-ID has no API to revoke one, so a token issued by an operation '
  + 'that then failed (or whose Lambda died) stays valid until it expires, held by nobody (never stored, logged or returned)';

/** Whether `after` is `before` exactly, but for one-time tokens it has in addition. */
export function onlyNewTokens(before: RawState, after: RawState): boolean {
  const withoutTokens = (state: RawState) => JSON.stringify({ ...state, users: state.users.map((u) => ({ ...u, oneTimeTokens: undefined })) });
  if (withoutTokens(before) !== withoutTokens(after)) return false;
  return before.users.every((user, index) => user.oneTimeTokens.every((token: string) => after.users[index].oneTimeTokens.includes(token)));
}

/** Whether the model `actual` is `expected`, but for live one-time tokens it has more of. */
export function onlyMoreTokens(expected: any, actual: any): boolean {
  const withoutTokens = (model: any) => JSON.stringify({ ...model, users: model.users.map((u: any) => ({ ...u, oneTimeTokens: undefined })) });
  if (withoutTokens(expected) !== withoutTokens(actual)) return false;
  return expected.users.every((user: any, index: number) => actual.users[index].oneTimeTokens >= user.oneTimeTokens);
}

export interface Evidence {
  readonly recording: Recording;
  readonly before: RawState;
  readonly after: RawState;
  readonly step: Step;
  /** The answer, ids labelled as in the recording. */
  readonly response: unknown;
  /** The handler documents that it absorbs this fault: only SUCCESS is right. */
  readonly mustSucceed: boolean;
  readonly secretValues: ReadonlySet<string>;
  /** Whether the fault was injected at all (a case whose fault never fired proves nothing). */
  readonly reached: boolean;
}

/** What happened: the request or secret call, and the answer or error. */
const SAYS_WHAT_HAPPENED = [
  /(GET|PUT|POST|DELETE) \/\S* (returned \d{3}|got no answer from Pocket-ID|returned an unexpected answer)/,
  /(GetSecretValue|PutSecretValue) on secret \S+ failed: \w+/,
];
/** What to do about it. */
const SAYS_WHAT_TO_DO = /\b(check|deploy again|try again|retry|raise|look for|restore|remove by hand|choose|set|use|is baseUrl|upgrade|create|turn|wait|grant)\b/i;

/**
 * The invariant. Exactly one of: SUCCESS, and Pocket-ID and Secrets Manager hold what the clean run
 * left; or FAILED with a Reason that says what happened and what to do, and both hold exactly what
 * they held before. Never a secret in the answer or a log line.
 */
export function judge(evidence: Evidence): Verdict {
  const { step, before, after, recording } = evidence;
  const problems: string[] = [];
  if (!evidence.reached) problems.push('the fault was never injected: the harness did not reach the step');
  problems.push(...exposureProblems(step, [...evidence.secretValues, ...secretValuesIn(before), ...secretValuesIn(after)]));
  const startDiff = differences(modelOf(recording.before), modelOf(before));
  if (startDiff.length > 0) problems.push(`harness: the case did not start from the recorded state: ${startDiff.join('; ')}`);

  const reason = failureReason(step.response);
  let limitation: string | null = null;
  if (step.response.Status === 'SUCCESS') {
    const stateDiff = differences(modelOf(recording.after), modelOf(after));
    if (stateDiff.length > 0 && onlyMoreTokens(modelOf(recording.after), modelOf(after))) limitation = UNREVOCABLE_TOKEN;
    else if (stateDiff.length > 0) problems.push(`SUCCESS, but the state is not the intended one: ${stateDiff.join('; ')}`);
    const answerDiff = differences(recording.response, evidence.response);
    if (answerDiff.length > 0) problems.push(`SUCCESS, but not the intended answer: ${answerDiff.join('; ')}`);
  } else {
    if (evidence.mustSucceed) problems.push('FAILED, but the handler\'s retries are documented to absorb this fault');
    if (JSON.stringify(before) !== JSON.stringify(after)) {
      limitation = onlyNewTokens(before, after) ? UNREVOCABLE_TOKEN : null;
      if (!limitation) problems.push(`FAILED, and the state changed: ${maskedDifferences(before, after).join('; ')}`);
    }
    problems.push(...reasonProblems(reason ?? ''));
  }
  return {
    outcome: problems.length > 0 ? 'violation' : limitation ? 'known-limitation' : step.response.Status === 'SUCCESS' ? 'success' : 'failed-clean',
    reason: reason === null ? null : reason.slice(0, 200),
    violation: problems.length > 0 ? problems.join(' | ') : null,
    limitation: problems.length > 0 ? null : limitation,
  };
}

export function reasonProblems(reason: string): string[] {
  const problems: string[] = [];
  if (!SAYS_WHAT_HAPPENED.some((pattern) => pattern.test(reason))) problems.push(`the Reason does not say which request failed and how: "${reason.slice(0, 300)}"`);
  if (!SAYS_WHAT_TO_DO.test(reason)) problems.push(`the Reason does not say what to do: "${reason.slice(0, 300)}"`);
  return problems;
}

export function exposureProblems(step: Step, secretValues: readonly string[]): string[] {
  const problems: string[] = [];
  if (Buffer.byteLength(step.responseBody) >= MAX_RESPONSE_BYTES) problems.push('the response exceeds CloudFormation\'s 4 KB limit');
  const exposed = [step.responseBody, ...step.logs].join('\n');
  if (secretValues.some((value) => value.length >= 6 && exposed.includes(value))) problems.push('a secret value appears in the response or the logs');
  if (step.logs.some((line) => !isJson(line))) problems.push('a log line is not JSON');
  return problems;
}

function isJson(line: string): boolean {
  try {
    JSON.parse(line);
    return true;
  } catch {
    return false;
  }
}
