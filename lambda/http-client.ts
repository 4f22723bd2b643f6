import { randomBytes } from 'crypto';
import * as http from 'http';
import * as https from 'https';
import fetch from 'node-fetch';
import { PocketIdApiError, PocketIdErrorBody, PocketIdNetworkError, RequestDescription, UnexpectedResponseError } from './errors';
import { Logger } from './logger';

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 500, maxDelayMs: 10_000 };

export interface HttpClientOptions {
  /** Pocket-ID's base URL, without a trailing slash. */
  readonly baseUrl: string;
  /** Sent as X-API-Key; none for public endpoints (the discovery documents). */
  readonly apiToken?: string;
  readonly timeoutMs: number;
  readonly skipTlsVerify: boolean;
  readonly logger: Logger;
  /**
   * Epoch milliseconds after which no request or retry starts (kept well inside the Lambda timeout),
   * asked before each one: the forward path stops earlier than the undo steps (see TimeBudget).
   */
  readonly deadline: () => number;
  readonly retry?: RetryPolicy;
  /**
   * Called once when Pocket-ID answers 401: returns a fresh API key if the stored one changed since
   * it was cached (a rotated key), else undefined.
   */
  readonly refreshToken?: () => Promise<string | undefined>;
}

/** What a request may expect of Pocket-ID. */
export interface RequestOptions {
  /**
   * Pocket-ID refuses a second entity with this POST's id or name, so repeating it cannot make two:
   * it is retried like a PUT, and the caller takes a conflict for what its own earlier attempt made.
   */
  readonly repeatable?: boolean;
  /** Whether a 2xx answer is what Pocket-ID answers to this request; any other is an UnexpectedResponseError. */
  readonly expect?: (answer: unknown) => boolean;
}

type Request = RequestDescription & {
  method: Method;
  repeatable?: boolean;
  /** A client's own credentials (HTTP Basic) instead of the API key, and a form body instead of JSON: the token endpoint. */
  client?: { id: string; secret: string };
  /** The answer is a file (an image), not JSON. */
  binary?: boolean;
  /** The body is this file, as the multipart form field `file`. */
  file?: UploadedFile;
};

/** A file as Pocket-ID serves it. */
export interface FileContent {
  readonly contentType: string;
  readonly data: Buffer;
}

/** A file to upload; Pocket-ID types an image by its name's extension. */
export interface UploadedFile {
  readonly fileName: string;
  readonly data: Buffer;
}

/** One page of a Pocket-ID list. */
interface Page<T> {
  readonly data: T[] | null;
  readonly pagination?: { readonly totalPages?: number; readonly currentPage?: number };
}

const MAX_PAGE_SIZE = 100;
/** Network failures after which the server surely did not process the request. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'OUT_OF_TIME']);
const RETRYABLE_STATUSES = new Set([502, 503, 504]);
const UNAUTHORIZED_RETRY_DELAY_MS = 500;
/** A request is not started with less time than this (or its timeout, if shorter) left: it could only time out. */
const MIN_REQUEST_MS = 1_000;

/**
 * Pocket-ID's admin API over HTTP: X-API-Key authentication, a timeout per request, TLS verification
 * unless turned off, and retries with exponential backoff and jitter. GET, PUT and DELETE are retried
 * on 429, 502, 503, 504 and network errors; POST only when the server surely did not process it
 * (429, connection refused), or when it is repeatable (Pocket-ID refuses a second entity with its id
 * or name), so a retry never creates a second entity.
 */
export class PocketIdHttpClient {
  private apiToken: string | undefined;
  private readonly agent: http.Agent | https.Agent;
  private readonly retry: RetryPolicy;

  constructor(private readonly options: HttpClientOptions) {
    this.apiToken = options.apiToken;
    this.retry = options.retry ?? DEFAULT_RETRY_POLICY;
    this.agent = options.baseUrl.startsWith('https:')
      ? new https.Agent({ keepAlive: true, rejectUnauthorized: !options.skipTlsVerify })
      : new http.Agent({ keepAlive: true });
  }

  public get<T>(operation: string, path: string): Promise<T> {
    return this.request<T>({ operation, method: 'GET', path });
  }

  /** GET of a file (an image): its bytes and type. */
  public getFile(operation: string, path: string): Promise<FileContent> {
    return this.request<FileContent>({ operation, method: 'GET', path, binary: true });
  }

  /** Uploads a file as the multipart field `file`; it replaces the one there, so it is retried like a PUT. */
  public async upload(operation: string, method: 'POST' | 'PUT', path: string, file: UploadedFile): Promise<void> {
    // Pocket-ID answers an upload with 204 and no body.
    await this.request({ operation, method, path, repeatable: true, file }, undefined, (answer) => answer === undefined);
  }

  public post<T>(operation: string, path: string, body: unknown, options: RequestOptions = {}): Promise<T> {
    return this.request<T>({ operation, method: 'POST', path, repeatable: options.repeatable }, body, options.expect);
  }

  public put<T>(operation: string, path: string, body: unknown, options: RequestOptions = {}): Promise<T> {
    return this.request<T>({ operation, method: 'PUT', path }, body, options.expect);
  }

  /**
   * Deletes an entity. Returns false when Pocket-ID says it was already gone. Pocket-ID answers 204
   * without a body; when the answer is anything else, or lost (a broken connection, a 5xx), `isGone`
   * (by default a GET of the same path) decides: Pocket-ID may have deleted it all the same.
   */
  public async delete(operation: string, path: string, isGone: () => Promise<boolean> = () => this.isGone(path)): Promise<boolean> {
    const request = { operation, method: 'DELETE' as const, path };
    try {
      const answer = await this.request<unknown>(request);
      if (answer !== undefined) throw new UnexpectedResponseError(request, 'a body where Pocket-ID sends none');
      return true;
    } catch (error) {
      if (error instanceof PocketIdApiError && error.isEntityNotFound) return false;
      if (!isUncertain(error) || !await isGone().catch(() => false)) throw error;
      this.options.logger.warn('the answer to a DELETE was lost, but the entity is gone', { operation, path });
      return true;
    }
  }

  /** Whether Pocket-ID says the entity at `path` does not exist. */
  public async isGone(path: string): Promise<boolean> {
    try {
      await this.get('Check whether the entity still exists', path);
      return false;
    } catch (error) {
      if (error instanceof PocketIdApiError && error.isEntityNotFound) return true;
      throw error;
    }
  }

  /** Reads every page of a list (Pocket-ID pages 20 items by default and repeats the last page past the end). */
  public async list<T>(operation: string, path: string, query: Record<string, string> = {}): Promise<T[]> {
    const items: T[] = [];
    for (let page = 1; ; page++) {
      const params = new URLSearchParams({ ...query, 'pagination[page]': String(page), 'pagination[limit]': String(MAX_PAGE_SIZE) });
      const request = { operation, method: 'GET' as const, path: `${path}?${params}` };
      const result = await this.request<Page<T>>(request);
      if (!result || typeof result !== 'object' || !(Array.isArray(result.data) || result.data === null)) {
        throw new UnexpectedResponseError(request, 'no data in a list response');
      }
      items.push(...(result.data ?? []));
      const totalPages = result.pagination?.totalPages ?? 1;
      if (page >= totalPages) return items;
    }
  }

  /**
   * Whether a confidential client authenticates with `secret` at Pocket-ID's token endpoint (the
   * client_credentials grant, client_secret_basic): true on 200, false on 401 invalid_client. The
   * answer, which holds an access token, is dropped. Retried like a GET: a token issued twice is harmless.
   */
  public async authenticatesClient(clientId: string, secret: string): Promise<boolean> {
    const request: Request = { operation: 'Authenticate OIDC client at the token endpoint', method: 'POST', path: '/api/oidc/token', repeatable: true, client: { id: clientId, secret } };
    try {
      await this.request<unknown>(request, { grant_type: 'client_credentials' });
      return true;
    } catch (error) {
      if (error instanceof PocketIdApiError && error.status === 401) return false;
      throw error;
    }
  }

  public close(): void {
    this.agent.destroy();
  }

  private async request<T>(request: Request, body?: unknown, expect?: (answer: unknown) => boolean): Promise<T> {
    let retriedUnauthorized = false;
    let uncertainBefore = false;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.attempt(request, body, attempt, uncertainBefore);
      if (outcome.kind === 'ok') {
        if (expect && !expect(outcome.value)) throw new UnexpectedResponseError(request, 'not what Pocket-ID answers to this request');
        return outcome.value as T;
      }
      if (outcome.kind === 'unauthorized' && !retriedUnauthorized && !request.client) {
        // Once: the key may have been rotated since this container cached it; and a fresh Pocket-ID
        // answers 401 to some of the first parallel requests while it creates its static API user.
        retriedUnauthorized = true;
        const fresh = await this.options.refreshToken?.();
        if (fresh) this.apiToken = fresh;
        else await sleep(UNAUTHORIZED_RETRY_DELAY_MS);
        continue;
      }
      const delay = outcome.retryable ? this.retryDelay(attempt, outcome.retryAfterMs) : undefined;
      if (delay === undefined) throw outcome.error;
      uncertainBefore ||= isUncertain(outcome.error);
      this.options.logger.warn('retrying Pocket-ID request', {
        operation: request.operation,
        method: request.method,
        path: request.path,
        attempt,
        delayMs: delay,
        reason: outcome.error.message,
      });
      await sleep(delay);
    }
  }

  private async attempt(request: Request, body: unknown, attempt: number, uncertainBefore: boolean): Promise<Outcome> {
    const started = Date.now();
    let response: Answer;
    try {
      response = await this.send(request, body);
    } catch (error) {
      const code = networkErrorCode(error);
      this.options.logger.debug('Pocket-ID request failed', { method: request.method, path: request.path, error: code, durationMs: Date.now() - started, attempt });
      const failure = new PocketIdNetworkError(request, code, networkErrorDetail(error, code));
      const retryable = isRepeatable(request) ? !isTlsError(code) : NOT_SENT_CODES.has(code ?? '');
      return { kind: 'failed', error: failure, retryable };
    }
    const { status, text } = response;
    const requestId = headerOf(response, 'x-request-id');
    this.options.logger.debug('Pocket-ID request', {
      method: request.method, path: request.path, status, durationMs: Date.now() - started, attempt, requestId,
    });
    if (status >= 200 && status < 300) {
      return { kind: 'ok', value: request.binary ? { contentType: headerOf(response, 'content-type') ?? '', data: response.content } : parseSuccess(request, text) };
    }

    const errorBody = parseErrorBody(text);
    const error = new PocketIdApiError(request, status, errorBody, errorBody ? undefined : text, requestId, uncertainBefore);
    if (status === 401) return { kind: 'unauthorized', error, retryable: false };
    if (status === 429) return { kind: 'failed', error, retryable: true, retryAfterMs: parseRetryAfter(headerOf(response, 'retry-after') ?? null) };
    const retryable = RETRYABLE_STATUSES.has(status) && isRepeatable(request);
    return { kind: 'failed', error, retryable };
  }

  /**
   * One exchange, read in full. The timer runs until the last byte of the answer (not just its
   * headers), and an answer shorter than its Content-Length is an error, not a truncated success.
   */
  private async send(request: Request, body: unknown): Promise<Answer> {
    const remaining = this.options.deadline() - Date.now();
    if (remaining < Math.min(this.options.timeoutMs, MIN_REQUEST_MS)) throw new TransportError('OUT_OF_TIME', 'not sent: the time left before the Lambda timeout is kept for undoing what this operation changed');
    const timeoutMs = Math.min(this.options.timeoutMs, remaining);
    const headers: Record<string, string> = {
      'Accept': 'application/json',
      'User-Agent': 'cdk-pocket-id',
    };
    let payload: string | Buffer | undefined;
    if (request.file) {
      if (this.apiToken !== undefined) headers['X-API-Key'] = this.apiToken;
      const boundary = `cdk-pocket-id-${randomBytes(12).toString('hex')}`;
      headers['Content-Type'] = `multipart/form-data; boundary=${boundary}`;
      payload = multipartBody(boundary, request.file);
    } else if (request.client) {
      // RFC 6749 2.3.1: the id and secret are form-encoded before they are joined.
      const credentials = `${encodeURIComponent(request.client.id)}:${encodeURIComponent(request.client.secret)}`;
      headers.Authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      payload = new URLSearchParams(body as Record<string, string>).toString();
    } else {
      if (this.apiToken !== undefined) headers['X-API-Key'] = this.apiToken;
      payload = body === undefined ? undefined : JSON.stringify(body);
      if (payload !== undefined) headers['Content-Type'] = 'application/json';
    }
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const response = await fetch(`${this.options.baseUrl}${request.path}`, {
        method: request.method,
        headers,
        body: payload,
        agent: this.agent,
        signal: controller.signal as any,
        redirect: 'manual',
        compress: false,
      });
      const content = await response.buffer();
      const announced = Number(response.headers.get('content-length') ?? NaN);
      if (Number.isFinite(announced) && content.length < announced) throw prematureClose();
      return { status: response.status, headers: Object.fromEntries(response.headers.entries()), text: content.toString('utf8'), content };
    } catch (error) {
      if ((error as Error)?.name === 'AbortError') throw new TransportError('TIMEOUT', 'the request timed out');
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The wait before the next attempt, or undefined when no attempt may follow. */
  private retryDelay(attempt: number, retryAfterMs: number | undefined): number | undefined {
    if (attempt >= this.retry.maxAttempts) return undefined;
    const backoff = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
    const jittered = backoff / 2 + Math.random() * (backoff / 2);
    const delay = retryAfterMs !== undefined ? Math.max(retryAfterMs, jittered / 4) : jittered;
    // A retry must leave room for a whole request before the deadline.
    if (Date.now() + delay + Math.min(this.options.timeoutMs, 5_000) > this.options.deadline()) return undefined;
    return delay;
  }
}

/** An answer read in full; header names in lower case. */
interface Answer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly text: string;
  readonly content: Buffer;
}

/** A multipart/form-data body of one field, `file`; the name's quotes and line breaks are dropped (RFC 7578 4.2). */
function multipartBody(boundary: string, file: UploadedFile): Buffer {
  const fileName = file.fileName.replace(/["\r\n]/g, '');
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\n`
    + 'Content-Type: application/octet-stream\r\n\r\n';
  return Buffer.concat([Buffer.from(head, 'utf8'), file.data, Buffer.from(`\r\n--${boundary}--\r\n`, 'utf8')]);
}

/** A failure of the exchange itself, with a code like Node's system errors. */
class TransportError extends Error {
  constructor(public readonly code: string, message: string) {
    super(message);
    this.name = 'TransportError';
  }
}

function prematureClose(): TransportError {
  return new TransportError('ERR_STREAM_PREMATURE_CLOSE', 'the connection closed before the whole answer arrived');
}

function headerOf(answer: Answer, name: string): string | undefined {
  return answer.headers[name];
}

type Outcome =
  | { kind: 'ok'; value: unknown }
  | { kind: 'failed' | 'unauthorized'; error: Error; retryable: boolean; retryAfterMs?: number };

function parseSuccess(request: RequestDescription, text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new UnexpectedResponseError(request, 'the body is not JSON');
  }
}

function parseErrorBody(text: string): PocketIdErrorBody | undefined {
  try {
    const parsed = JSON.parse(text);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Retry-After in seconds or as an HTTP date; capped so one answer cannot stall a deployment. */
export function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - Date.now();
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), 60_000) : undefined;
}

function networkErrorCode(error: unknown): string | undefined {
  const e = error as { code?: string; errno?: string };
  return e?.code ?? e?.errno;
}

function networkErrorDetail(error: unknown, code: string | undefined): string {
  if (code === 'TIMEOUT') return 'the request timed out';
  if (code === 'OUT_OF_TIME') return (error as Error).message;
  // Node's message names the system error and the address, never a header or a body.
  const message = (error as Error)?.message ?? String(error);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}

function isRepeatable(request: Request): boolean {
  return request.method !== 'POST' || request.repeatable === true;
}

/** Whether Pocket-ID may have done what the request asked although the caller saw an error. */
export function isUncertain(error: unknown): boolean {
  if (error instanceof PocketIdNetworkError) return !isTlsError(error.causeCode) && !NOT_SENT_CODES.has(error.causeCode ?? '');
  if (error instanceof PocketIdApiError) return error.status >= 500;
  return error instanceof UnexpectedResponseError;
}

/** Whether the request got no answer in time: it may still be on its way, and land after the caller gave up on it. */
export function mayLandLater(error: unknown): boolean {
  return error instanceof PocketIdNetworkError && error.causeCode === 'TIMEOUT';
}

function isTlsError(code: string | undefined): boolean {
  return code !== undefined && /CERT|SELF_SIGNED|TLS|SSL|ALTNAME/i.test(code);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
