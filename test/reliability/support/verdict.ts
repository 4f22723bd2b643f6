import { Answer, Intended } from './model';
import { checkAgainstModel, ModelCheckOptions } from './model-checks';
import { checkFailure } from './residue';
import { RawState, secretValuesIn } from './state';
import { failureReason, MAX_RESPONSE_BYTES, Step } from '../../support/cloudformation';
import { showsAnySecret } from '../../support/exposure';

/**
 * success: SUCCESS with the intended state and answer (the operation's model, never a run of the
 * handler); failed-clean: FAILED with a Reason that says what happened and what to do, nothing
 * changed; failed-reported-residue: FAILED, an undo step failed too, and what is left is exactly what
 * the Reason names for removal by hand; known-limitation: one of those, but for what the handler
 * cannot remove through Pocket-ID's API (UNREVOCABLE_TOKEN); violation: anything else.
 */
export type Outcome = 'success' | 'failed-clean' | 'failed-reported-residue' | 'known-limitation' | 'violation';

export const OUTCOMES: readonly Outcome[] = ['success', 'failed-clean', 'failed-reported-residue', 'known-limitation', 'violation'];

/**
 * fault: a fault at a step of the clean run; undo: a fault at a step of the compensation a forward
 * failure set off; cold-start: a fault at the API key read or the version check a container makes
 * once per key; token-reread: a 401, and faults at the key re-read it sets off; cloudformation:
 * CloudFormation's own behaviours.
 */
export type CaseCategory = 'fault' | 'undo' | 'cold-start' | 'token-reread' | 'cloudformation';

/** One case as written to test-reports/reliability/faults.json. */
export interface CaseRecord {
  readonly category: CaseCategory;
  readonly resource: string;
  readonly operation: string;
  /** The Pocket-ID release the case's test server played (a results file written before releases were told apart has none: 2.14.0). */
  readonly release: string;
  /** Where the fault was injected; null for CloudFormation behaviours. */
  readonly target: 'pocket-id' | 'secrets-manager' | null;
  readonly step: string | null;
  readonly stepIndex: number | null;
  readonly fault: string;
  /** What else was armed (the forward failure before an undo step, the 401 before a key re-read). */
  readonly context?: string | null;
  readonly outcome: Outcome;
  /** The first 200 characters of CloudFormation's Reason, when the operation failed. */
  readonly reason: string | null;
  /** What broke the invariant, when outcome is 'violation'. */
  readonly violation: string | null;
  /** The residue the handler cannot remove, when there is one (outcome 'known-limitation', or 'failed-reported-residue' with it). */
  readonly limitation: string | null;
  /** What the Reason names for removal by hand, when outcome is 'failed-reported-residue'. */
  readonly residue?: string[] | null;
  readonly durationMs: number;
}

export type Verdict = Pick<CaseRecord, 'outcome' | 'reason' | 'violation' | 'limitation' | 'residue'>;

/**
 * The one residue the handler cannot remove, because Pocket-ID's API offers no way to take it back
 * (named in the README's known limitations): a live one-time token of the user the operation was
 * about, that nothing stores (no version of any secret, no email); anything else left is a violation.
 */
export const UNREVOCABLE_TOKEN = 'an unrevocable one-time access token of the operation\'s user: Pocket-ID has no API to revoke one, so a token issued '
  + 'by an operation that then failed (or whose Lambda died) stays valid until it expires, held by nobody (never stored, logged or returned)';

export interface Evidence {
  /** How the case's starting state differs from the clean run's: it must not. */
  readonly startDifferences: readonly string[];
  readonly before: RawState;
  readonly after: RawState;
  readonly step: Step;
  /** What a SUCCESS must leave and answer: the operation's model of the event and `before`. */
  readonly intended: Intended;
  /** The case's secrets, role → ARN. */
  readonly roles: Record<string, string>;
  /** The handler documents that it absorbs this fault: only SUCCESS is right. */
  readonly mustSucceed: boolean;
  /** The fault is at an undo step and the handler's retries absorb it: a failure must leave nothing. */
  readonly mustLeaveNothing: boolean;
  readonly secretValues: ReadonlySet<string>;
  /** Whether the fault was injected at all (a case whose fault never fired proves nothing). */
  readonly reached: boolean;
}

/** What happened: the request or secret call, and the answer or error. */
const SAYS_WHAT_HAPPENED = [
  /(GET|PUT|POST|DELETE) \/\S* (returned \d{3}|got no answer from Pocket-ID|returned an unexpected answer)/,
  /(GetSecretValue|PutSecretValue|ListSecretVersionIds|UpdateSecretVersionStage) on secret \S+ failed: \w+/,
];
/** What to do about it. */
const SAYS_WHAT_TO_DO = /\b(check|deploy again|try again|retry|raise|look for|restore|remove by hand|choose|set|use|is baseUrl|upgrade|create|turn|wait|grant)\b/i;

/**
 * The invariant. Exactly one of: SUCCESS, with what the model says Pocket-ID and Secrets Manager must
 * hold and the operation must answer; or FAILED with a Reason that says what happened and what to do,
 * and both holding exactly what they held before, but for what the Reason names as left (an undo step
 * that failed) and the documented limitation. Never a secret in the answer or a log line.
 */
export function judge(evidence: Evidence): Verdict {
  const { step, before, after } = evidence;
  const problems: string[] = [];
  if (!evidence.reached) problems.push('the fault was never injected: the harness did not reach the step');
  problems.push(...exposureProblems(step, [...evidence.secretValues, ...secretValuesIn(before), ...secretValuesIn(after)]));
  if (evidence.startDifferences.length > 0) problems.push(`harness: the case did not start from the recorded state: ${evidence.startDifferences.join('; ')}`);
  if (step.response.Status === 'FAILED' && evidence.mustSucceed) problems.push('FAILED, but the handler\'s retries are documented to absorb this fault');
  const end = endProblems(step, before, after, evidence.intended, evidence.roles);
  if (end.residue.length > 0 && evidence.mustLeaveNothing) {
    problems.push('FAILED and left something to remove by hand, but the handler\'s retries are documented to absorb this fault at an undo step');
  }
  return verdictOf(step, [...problems, ...end.problems], end);
}

/** The end of an operation: SUCCESS against the model, or FAILED against the state before. */
export interface End {
  readonly problems: string[];
  readonly residue: string[];
  readonly limitation: string | null;
}

export interface EndOptions extends ModelCheckOptions {
  /** What a FAILED step must leave (default `before`): a repeated delivery's failure must leave what the first one made. */
  readonly failedFrom?: RawState;
}

/** SUCCESS: `after` is what the model of `before` says; FAILED: `after` is `failedFrom` (or `before`), but for what the Reason names. */
export function endProblems(
  step: Step,
  before: RawState,
  after: RawState,
  intended: Intended,
  roles: Record<string, string>,
  options: EndOptions = {},
): End {
  if (step.response.Status === 'SUCCESS') {
    const check = checkAgainstModel(intended, before, after, answerOf(step), options);
    return { problems: check.problems, residue: [], limitation: check.unstoredTokens > 0 ? UNREVOCABLE_TOKEN : null };
  }
  const reason = step.response.Reason ?? '';
  const failure = checkFailure(options.failedFrom ?? before, after, reason, { subjectUserId: intended.subjectUserId, roles });
  return {
    problems: [...failure.problems, ...reasonProblems(reason)],
    residue: failure.residue,
    limitation: failure.unstoredTokens > 0 ? UNREVOCABLE_TOKEN : null,
  };
}

/** The outcome of the problems found and the end reached. */
export function verdictOf(step: Step | undefined, problems: string[], end: Pick<End, 'residue' | 'limitation'>): Verdict {
  const reason = step ? failureReason(step.response) : null;
  let outcome: Outcome = step?.response.Status === 'SUCCESS' ? 'success' : 'failed-clean';
  if (end.limitation) outcome = 'known-limitation';
  if (end.residue.length > 0) outcome = 'failed-reported-residue';
  if (problems.length > 0) outcome = 'violation';
  return {
    outcome,
    reason: reason === null ? null : reason.slice(0, 200),
    violation: problems.length > 0 ? problems.join(' | ') : null,
    limitation: problems.length > 0 ? null : end.limitation,
    residue: problems.length > 0 || end.residue.length === 0 ? null : end.residue,
  };
}

/** What CloudFormation keeps of a successful answer. */
export function answerOf(step: Step): Answer {
  return { PhysicalResourceId: step.response.PhysicalResourceId, Data: step.response.Data ?? {} };
}

export function reasonProblems(reason: string): string[] {
  const problems: string[] = [];
  if (!SAYS_WHAT_HAPPENED.some((pattern) => pattern.test(reason))) problems.push(`the Reason does not say which request failed and how: "${reason.slice(0, 300)}"`);
  if (!SAYS_WHAT_TO_DO.test(reason)) problems.push(`the Reason does not say what to do: "${reason.slice(0, 300)}"`);
  return problems;
}

/** The response's size, every secret value in any encoded form in the response or either log, and log lines that are not JSON. */
export function exposureProblems(step: Step, secretValues: readonly string[]): string[] {
  const problems: string[] = [];
  if (Buffer.byteLength(step.responseBody) >= MAX_RESPONSE_BYTES) problems.push('the response exceeds CloudFormation\'s 4 KB limit');
  const exposed = [step.responseBody, ...step.logs, ...step.frameworkLogs].join('\n');
  if (showsAnySecret(exposed, secretValues)) problems.push('a secret value appears in the response or the logs');
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
