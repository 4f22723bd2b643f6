import { AwsError } from './secrets-fault-proxy';
import { FaultSpec } from '../../pocket-id-server';

/** One Pocket-ID request of an operation, as recorded on a clean run. */
export interface PocketIdStep {
  readonly target: 'pocket-id';
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
  /** Time for a request the fault delays to be processed after the handler stopped waiting. */
  readonly settleMs?: number;
}

export interface SecretsFault {
  readonly name: string;
  readonly error: AwsError;
  readonly times: number;
  readonly afterForwarding?: boolean;
  readonly appliesTo: (step: SecretsStep) => boolean;
  readonly mustSucceed?: boolean;
}

const TIMEOUT_DELAY_MS = 1500;
const writes = (step: PocketIdStep) => step.method !== 'GET';
const always = () => true;
/** GET, PUT and DELETE are retried on these (README, "How it works"); a POST only on 429. */
const retriedHere = (step: PocketIdStep) => step.method !== 'POST';
/** The slow response costs a timeout and a settle wait: only where it matters most. */
const worthATimeout = (step: PocketIdStep) => step.method === 'POST' || (step.method === 'DELETE' && step.occurrence === 0 && !step.path.includes('/secrets/'));

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
    appliesTo: worthATimeout,
    mustSucceed: retriedHere,
    timeoutSeconds: '1',
    settleMs: TIMEOUT_DELAY_MS + 200,
  },
  { name: 'connection reset', spec: { resetConnection: true }, appliesTo: always, mustSucceed: retriedHere },
  { name: 'body cut short', spec: { truncateBody: true }, appliesTo: always },
  { name: 'malformed JSON with 200', spec: { status: 200, body: '{"id": "4f1c', headers: { 'Content-Type': 'application/json' } }, appliesTo: always },
  { name: '200 with an unexpected shape', spec: { status: 200, body: json({ status: 'ok' }) }, appliesTo: always },
  { name: '404 not from Pocket-ID', spec: { status: 404, body: 'Not Found', headers: { 'Content-Type': 'text/plain' } }, appliesTo: always },
  { name: '500 after processing', spec: { status: 500, afterHandling: true, body: json({ error: 'Something went wrong', code: 'internal_error' }) }, appliesTo: writes },
  { name: 'connection reset after processing', spec: { resetConnection: true, afterHandling: true }, appliesTo: writes },
  { name: 'unexpected shape after processing', spec: { status: 200, afterHandling: true, body: json({ status: 'ok' }) }, appliesTo: writes },
];

const THROTTLING: AwsError = { type: 'ThrottlingException', message: 'Rate exceeded' };
/** The AWS SDK's standard retry mode makes this many attempts in all. */
const SDK_MAX_ATTEMPTS = 3;

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
