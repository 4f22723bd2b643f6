import * as http from 'http';
import * as https from 'https';
import fetch, { Response } from 'node-fetch';
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
  readonly apiToken: string;
  readonly timeoutMs: number;
  readonly skipTlsVerify: boolean;
  readonly logger: Logger;
  /** Epoch milliseconds after which no request or retry starts (kept well inside the Lambda timeout). */
  readonly deadline: number;
  readonly retry?: RetryPolicy;
  /**
   * Called once when Pocket-ID answers 401: returns a fresh API key if the stored one changed since
   * it was cached (a rotated key), else undefined.
   */
  readonly refreshToken?: () => Promise<string | undefined>;
}

/** One page of a Pocket-ID list. */
interface Page<T> {
  readonly data: T[] | null;
  readonly pagination?: { readonly totalPages?: number; readonly currentPage?: number };
}

const MAX_PAGE_SIZE = 100;
/** Network failures after which the server surely did not process the request. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED']);
const RETRYABLE_STATUSES = new Set([502, 503, 504]);
const UNAUTHORIZED_RETRY_DELAY_MS = 500;

/**
 * Pocket-ID's admin API over HTTP: X-API-Key authentication, a timeout per request, TLS verification
 * unless turned off, and retries with exponential backoff and jitter. GET, PUT and DELETE are retried
 * on 429, 502, 503, 504 and network errors; POST only when the server surely did not process it
 * (429, connection refused), so a retry never creates a second entity.
 */
export class PocketIdHttpClient {
  private apiToken: string;
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

  public post<T>(operation: string, path: string, body: unknown): Promise<T> {
    return this.request<T>({ operation, method: 'POST', path }, body);
  }

  public put<T>(operation: string, path: string, body: unknown): Promise<T> {
    return this.request<T>({ operation, method: 'PUT', path }, body);
  }

  /** Deletes an entity. Returns false when Pocket-ID says it was already gone. */
  public async delete(operation: string, path: string): Promise<boolean> {
    try {
      await this.request<void>({ operation, method: 'DELETE', path });
      return true;
    } catch (error) {
      if (error instanceof PocketIdApiError && error.isEntityNotFound) return false;
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
      if (!result || typeof result !== 'object' || !('data' in result)) {
        throw new UnexpectedResponseError(request, 'no data in a list response');
      }
      items.push(...(result.data ?? []));
      const totalPages = result.pagination?.totalPages ?? 1;
      if (page >= totalPages) return items;
    }
  }

  public close(): void {
    this.agent.destroy();
  }

  private async request<T>(request: RequestDescription & { method: Method }, body?: unknown): Promise<T> {
    let retriedUnauthorized = false;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.attempt(request, body, attempt);
      if (outcome.kind === 'ok') return outcome.value as T;
      if (outcome.kind === 'unauthorized' && !retriedUnauthorized) {
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
      this.options.logger.warn('retrying Pocket-ID request', {
        operation: request.operation,
        method: request.method,
        path: request.path,
        attempt,
        delayMs: delay,
        reason: outcome.error.message.slice(0, 200),
      });
      await sleep(delay);
    }
  }

  private async attempt(request: RequestDescription & { method: Method }, body: unknown, attempt: number): Promise<Outcome> {
    const started = Date.now();
    let response: Response;
    let text: string;
    try {
      response = await this.send(request, body);
      text = await response.text();
    } catch (error) {
      const code = networkErrorCode(error);
      this.options.logger.debug('Pocket-ID request failed', { method: request.method, path: request.path, error: code, durationMs: Date.now() - started, attempt });
      const failure = new PocketIdNetworkError(request, code, networkErrorDetail(error, code));
      const retryable = request.method !== 'POST' ? !isTlsError(code) : NOT_SENT_CODES.has(code ?? '');
      return { kind: 'failed', error: failure, retryable };
    }
    const requestId = response.headers.get('x-request-id') ?? undefined;
    this.options.logger.debug('Pocket-ID request', {
      method: request.method, path: request.path, status: response.status, durationMs: Date.now() - started, attempt, requestId,
    });
    if (response.ok) return { kind: 'ok', value: parseSuccess(request, text) };

    const errorBody = parseErrorBody(text);
    const error = new PocketIdApiError(request, response.status, errorBody, errorBody ? undefined : text, requestId);
    if (response.status === 401) return { kind: 'unauthorized', error, retryable: false };
    if (response.status === 429) return { kind: 'failed', error, retryable: true, retryAfterMs: parseRetryAfter(response.headers.get('retry-after')) };
    const retryable = RETRYABLE_STATUSES.has(response.status) && request.method !== 'POST';
    return { kind: 'failed', error, retryable };
  }

  private send(request: RequestDescription & { method: Method }, body: unknown): Promise<Response> {
    const remaining = this.options.deadline - Date.now();
    const timeoutMs = Math.max(1, Math.min(this.options.timeoutMs, remaining));
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    const headers: Record<string, string> = {
      'X-API-Key': this.apiToken,
      'Accept': 'application/json',
      'User-Agent': 'cdk-pocket-id',
    };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    return fetch(`${this.options.baseUrl}${request.path}`, {
      method: request.method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      agent: this.agent,
      signal: controller.signal as any,
      redirect: 'manual',
    }).finally(() => clearTimeout(timer));
  }

  /** The wait before the next attempt, or undefined when no attempt may follow. */
  private retryDelay(attempt: number, retryAfterMs: number | undefined): number | undefined {
    if (attempt >= this.retry.maxAttempts) return undefined;
    const backoff = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
    const jittered = backoff / 2 + Math.random() * (backoff / 2);
    const delay = retryAfterMs !== undefined ? Math.max(retryAfterMs, jittered / 4) : jittered;
    // A retry must leave room for a whole request before the deadline.
    if (Date.now() + delay + Math.min(this.options.timeoutMs, 5_000) > this.options.deadline) return undefined;
    return delay;
  }
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
  const e = error as { name?: string; code?: string; errno?: string; type?: string };
  if (e?.name === 'AbortError' || e?.type === 'aborted') return 'TIMEOUT';
  return e?.code ?? e?.errno ?? e?.type;
}

function networkErrorDetail(error: unknown, code: string | undefined): string {
  if (code === 'TIMEOUT') return 'the request timed out';
  // node-fetch's message names the URL (no credentials in it) and the system error.
  const message = (error as Error)?.message ?? String(error);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}

function isTlsError(code: string | undefined): boolean {
  return code !== undefined && /CERT|SELF_SIGNED|TLS|SSL|ALTNAME/i.test(code);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
