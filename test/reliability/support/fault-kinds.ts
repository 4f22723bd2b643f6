import { AwsError } from './secrets-fault-proxy';
import { FaultSpec } from '../../pocket-id-server';

/** One Pocket-ID request of an operation, as recorded on a clean run. */
export interface PocketIdStep {
  readonly target: 'pocket-id';
  /** When it arrived: orders the run's requests and Secrets Manager calls together. */
  readonly at: number;
  readonly method: string;
  /** The path with generated ids replaced by `:id`, for reports. */
  readonly path: string;
  /** Matches this request's path in every run (generated ids vary between runs). */
  readonly pattern: RegExp;
  /** How many earlier requests of the run had the same method and pattern. */
  readonly occurrence: number;
}

/** One Secrets Manager call of an operation, as recorded on a clean run. */
export interface SecretsStep {
  readonly target: 'secrets-manager';
  readonly at: number;
  readonly operation: string;
  /** The role of the secret named (client-secret, login-link, api-token…). */
  readonly role: string;
  readonly secretId: string;
  readonly occurrence: number;
}

export type OperationStep = PocketIdStep | SecretsStep;

export interface PocketIdFault {
  readonly name: string;
  readonly spec: Omit<FaultSpec, 'method' | 'path'>;
  readonly appliesTo: (step: PocketIdStep) => boolean;
  /** The retries the handler documents must absorb this fault at this step: only SUCCESS is right. */
  readonly mustSucceed?: (step: PocketIdStep) => boolean;
  /** TimeoutSeconds for the case's properties. */
  readonly timeoutSeconds?: string;
}

export interface SecretsFault {
  readonly name: string;
  readonly error: AwsError;
  readonly times: number;
  readonly afterForwarding?: boolean;
  readonly appliesTo: (step: SecretsStep) => boolean;
  readonly mustSucceed?: boolean;
}

/** Longer than the 1-second timeout the case sets, with room for a busy machine; the case then waits until the server is idle. */
const TIMEOUT_DELAY_MS = 1300;
const SHORT_TIMEOUT_SECONDS = '1';
const writes = (step: PocketIdStep) => step.method !== 'GET';
const always = () => true;
/** The POSTs Pocket-ID refuses a second copy of (a client or user with the id, a group with the name). */
const ENTITY_CREATES = new Set(['/api/oidc/clients', '/api/users', '/api/user-groups']);
/**
 * GET, PUT and DELETE are retried on these, and so is a POST that Pocket-ID refuses a second copy of
 * (README, "How it works"); any other POST only on 429.
 */
const retriedHere = (step: PocketIdStep) => step.method !== 'POST' || ENTITY_CREATES.has(step.path);

const json = (body: object) => JSON.stringify(body);
const HTML = { 'Content-Type': 'text/html' };

/** Every way Pocket-ID (or what stands in front of it) can answer badly. */
export const POCKET_ID_FAULTS: readonly PocketIdFault[] = [
  {
    name: '429 x3 with Retry-After',
    spec: { status: 429, times: 3, headers: { 'Retry-After': '1' }, body: json({ error: 'Too many requests', code: 'rate_limited' }) },
    appliesTo: always,
    mustSucceed: always,
  },
  { name: '500', spec: { status: 500, body: json({ error: 'Something went wrong', code: 'internal_error' }) }, appliesTo: always },
  { name: '502', spec: { status: 502, body: '<html><body><h1>502 Bad Gateway</h1></body></html>', headers: HTML }, appliesTo: always, mustSucceed: retriedHere },
  { name: '503', spec: { status: 503, body: '<html><body><h1>503 Service Unavailable</h1></body></html>', headers: HTML }, appliesTo: always, mustSucceed: retriedHere },
  { name: '504', spec: { status: 504, body: '<html><body><h1>504 Gateway Time-out</h1></body></html>', headers: HTML }, appliesTo: always, mustSucceed: retriedHere },
  {
    name: 'slower than the timeout',
    spec: { delayMs: TIMEOUT_DELAY_MS },
    appliesTo: always,
    mustSucceed: retriedHere,
    timeoutSeconds: SHORT_TIMEOUT_SECONDS,
  },
  { name: 'connection reset', spec: { resetConnection: true }, appliesTo: always, mustSucceed: retriedHere },
  // The handler's HTTP client notices a body cut short only when its timeout runs out: a short one keeps the case short.
  { name: 'body cut short', spec: { truncateBody: true }, appliesTo: always, timeoutSeconds: SHORT_TIMEOUT_SECONDS },
  { name: 'malformed JSON with 200', spec: { status: 200, body: '{"id": "4f1c', headers: { 'Content-Type': 'application/json' } }, appliesTo: always },
  { name: '200 with an unexpected shape', spec: { status: 200, body: json({ status: 'ok' }) }, appliesTo: always },
  { name: '404 not from Pocket-ID', spec: { status: 404, body: 'Not Found', headers: { 'Content-Type': 'text/plain' } }, appliesTo: always },
  { name: '500 after processing', spec: { status: 500, afterHandling: true, body: json({ error: 'Something went wrong', code: 'internal_error' }) }, appliesTo: writes },
  { name: 'connection reset after processing', spec: { resetConnection: true, afterHandling: true }, appliesTo: writes },
  { name: 'unexpected shape after processing', spec: { status: 200, afterHandling: true, body: json({ status: 'ok' }) }, appliesTo: writes },
];

/**
 * Pocket-ID refusing the API key once (a key rotated since the container cached it, or a fresh
 * Pocket-ID still making its static API user): the handler re-reads the key secret once and retries.
 */
export const UNAUTHORIZED_ONCE: PocketIdFault = {
  name: '401 once',
  spec: { status: 401, body: json({ error: 'You are not signed in', code: 'not_signed_in' }) },
  appliesTo: always,
  mustSucceed: always,
};

/** The fault that makes a forward step fail so that the operation's compensation runs: Pocket-ID's 500, Secrets Manager's AccessDenied. */
export const FORWARD_FAILURE = { pocketId: '500', secrets: 'AccessDenied' } as const;

const THROTTLING: AwsError = { type: 'ThrottlingException', message: 'Rate exceeded' };
/** The AWS SDK's standard retry mode makes this many attempts in all. */
const SDK_MAX_ATTEMPTS = 3;

/** Whether the documented retries absorb the fault at the step: only success (or, at an undo step, a clean failure) is right. */
export function absorbed(step: OperationStep, fault: PocketIdFault | SecretsFault): boolean {
  if (step.target === 'pocket-id') return (fault as PocketIdFault).mustSucceed?.(step) ?? false;
  return (fault as SecretsFault).mustSucceed ?? false;
}

/** The faults that can happen at the step. */
export function faultsAt(step: OperationStep): Array<PocketIdFault | SecretsFault> {
  return step.target === 'pocket-id' ? POCKET_ID_FAULTS.filter((fault) => fault.appliesTo(step)) : SECRETS_FAULTS.filter((fault) => fault.appliesTo(step));
}

/** Every way Secrets Manager can refuse. */
export const SECRETS_FAULTS: readonly SecretsFault[] = [
  { name: 'throttled once', error: THROTTLING, times: 1, appliesTo: always, mustSucceed: true },
  { name: 'throttled until the SDK gives up', error: THROTTLING, times: SDK_MAX_ATTEMPTS, appliesTo: always },
  {
    name: 'AccessDenied',
    error: { type: 'AccessDeniedException', message: 'User: arn:aws:sts::123456789012:assumed-role/handler/fn is not authorized to perform this action' },
    times: 1,
    appliesTo: always,
  },
  { name: 'deleted secret', error: { type: 'ResourceNotFoundException', message: 'Secrets Manager can\'t find the specified secret.' }, times: 1, appliesTo: always },
  {
    name: 'secret scheduled for deletion',
    error: { type: 'InvalidRequestException', message: 'You can\'t perform this operation on the secret because it was marked for deletion.' },
    times: 1,
    appliesTo: always,
  },
  {
    name: 'write applied, answer lost',
    error: { type: 'InternalServiceError', message: 'An error occurred on the server side.', status: 500 },
    times: SDK_MAX_ATTEMPTS,
    afterForwarding: true,
    appliesTo: (step) => step.operation === 'PutSecretValue',
  },
];
