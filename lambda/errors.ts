/** Pocket-ID's error body (v2.13+). Older servers send only `error`. */
export interface PocketIdErrorBody {
  readonly error?: string;
  readonly code?: string;
  readonly details?: {
    readonly fields?: ReadonlyArray<{ readonly field?: string; readonly code?: string; readonly message?: string }>;
    readonly property?: string;
  };
  readonly request_id?: string;
}

/** What was being attempted, for messages that tell the user where it failed. */
export interface RequestDescription {
  readonly operation: string;
  readonly method: string;
  readonly path: string;
}

/**
 * Longest error message the handler reports, in UTF-8 bytes as JSON carries it. CloudFormation refuses
 * a response over 4,096 bytes, and the Provider framework puts into that response, besides this
 * message (as Reason), a line naming the handler's log group, the stack id (up to ~220 bytes), the
 * logical id (up to 255), the physical id and the request id.
 */
export const MAX_ERROR_MESSAGE_BYTES = 3_000;

/** Pocket-ID answered with an error status. */
export class PocketIdApiError extends Error {
  public readonly status: number;
  public readonly body?: PocketIdErrorBody;
  public readonly rawBody?: string;
  public readonly requestId?: string;
  public readonly request: RequestDescription;
  /**
   * An earlier attempt of the same request got no certain answer, so Pocket-ID may have done it: a
   * conflict is then most likely with what that attempt made.
   */
  public readonly afterUncertainAttempt: boolean;

  constructor(
    request: RequestDescription,
    status: number,
    body: PocketIdErrorBody | undefined,
    rawBody: string | undefined,
    requestId: string | undefined,
    afterUncertainAttempt = false,
  ) {
    super(describeApiError(request, status, body, rawBody, requestId));
    this.name = 'PocketIdApiError';
    this.request = request;
    this.status = status;
    this.body = body;
    this.rawBody = rawBody;
    this.requestId = requestId;
    this.afterUncertainAttempt = afterUncertainAttempt;
  }

  /** Pocket-ID's own answer that the entity does not exist (not a 404 from a proxy or a wrong URL). */
  public get isEntityNotFound(): boolean {
    return this.status === 404 && typeof this.body?.code === 'string' && this.body.code.endsWith('not_found');
  }

  public get code(): string | undefined {
    return this.body?.code;
  }
}

/** The request never got an HTTP answer (refused, reset, timed out, TLS failure). */
export class PocketIdNetworkError extends Error {
  public readonly request: RequestDescription;
  public readonly causeCode?: string;

  constructor(request: RequestDescription, causeCode: string | undefined, detail: string) {
    super(`${request.operation}: ${request.method} ${request.path} got no answer from Pocket-ID: ${detail}. ${networkHint(causeCode)}`);
    this.name = 'PocketIdNetworkError';
    this.request = request;
    this.causeCode = causeCode;
  }
}

/** A property value that Pocket-ID would refuse, found before anything was sent. */
export class InputError extends Error {
  constructor(resource: string, problems: readonly string[]) {
    super(`${resource}: invalid properties: ${problems.join('; ')}`);
    this.name = 'InputError';
  }
}

/** Pocket-ID answered 2xx but not with what its API promises. */
export class UnexpectedResponseError extends Error {
  constructor(request: RequestDescription, what: string) {
    super(`${request.operation}: ${request.method} ${request.path} returned an unexpected answer (${what}). Is baseUrl a Pocket-ID 2.14 or newer, without a proxy rewriting responses?`);
    this.name = 'UnexpectedResponseError';
  }
}

/** The message cut to at most `maxBytes` UTF-8 bytes as JSON carries it (escapes counted), at a character boundary. */
export function truncateMessage(message: string, maxBytes = MAX_ERROR_MESSAGE_BYTES): string {
  if (jsonBytes(message) <= maxBytes) return message;
  const characters = [...message];
  const ellipsis = '...';
  let low = 0;
  let high = characters.length;
  // The longest prefix that fits with the ellipsis.
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (jsonBytes(characters.slice(0, middle).join('') + ellipsis) <= maxBytes) low = middle;
    else high = middle - 1;
  }
  return characters.slice(0, low).join('') + ellipsis;
}

/** UTF-8 bytes of the text inside a JSON string. */
function jsonBytes(text: string): number {
  return Buffer.byteLength(JSON.stringify(text), 'utf8') - 2;
}

function describeApiError(
  request: RequestDescription,
  status: number,
  body: PocketIdErrorBody | undefined,
  rawBody: string | undefined,
  requestId: string | undefined,
): string {
  const parts = [`${request.operation}: ${request.method} ${request.path} returned ${status}`];
  if (body?.code) parts.push(body.code);
  const text = body?.error ?? summarizeRawBody(rawBody);
  let message = `${parts.join(' ')}${text ? `: ${text}` : ''}`;
  const fields = (body?.details?.fields ?? []).map((f) => `${f.field ?? '?'} ${f.code ?? ''}${f.message ? ` (${f.message})` : ''}`.trim());
  if (fields.length > 0) message += ` [fields: ${fields.join('; ')}]`;
  if (body?.details?.property) message += ` [property: ${body.details.property}]`;
  if (requestId ?? body?.request_id) message += ` (Pocket-ID request id ${requestId ?? body?.request_id})`;
  const hint = statusHint(status, body);
  return hint ? `${message}. ${hint}` : message;
}

function summarizeRawBody(rawBody: string | undefined): string | undefined {
  if (!rawBody) return undefined;
  const oneLine = rawBody.replace(/\s+/g, ' ').trim();
  return oneLine.length > 120 ? `${oneLine.slice(0, 117)}...` : oneLine;
}

function statusHint(status: number, body: PocketIdErrorBody | undefined): string | undefined {
  if (status === 401) return 'Pocket-ID rejected the API key: check that the apiToken secret holds a valid, unexpired Pocket-ID API key';
  if (status === 403) return 'The API key is not allowed to do this: it must belong to a Pocket-ID admin';
  if (status === 404 && !body?.code) return 'This answer did not come from Pocket-ID\'s API: check baseUrl (and any proxy in front of Pocket-ID)';
  if (status === 409) return 'Pocket-ID already holds an entity with this value: choose another, or reference the existing one';
  if (status === 429) return 'Pocket-ID kept rate limiting after the retries: deploy again later, or raise Pocket-ID\'s rate limit';
  if (status === 502 || status === 503 || status === 504) {
    return 'Pocket-ID, or a proxy in front of it, was unavailable or overloaded: deploy again when Pocket-ID answers';
  }
  if (status >= 500) return 'Pocket-ID failed: look for the request id in Pocket-ID\'s logs';
  return undefined;
}

function networkHint(code: string | undefined): string {
  if (code === 'ECONNREFUSED') return 'Is Pocket-ID running at baseUrl, and does the handler\'s network (vpc, security groups) reach it?';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'The host name of baseUrl does not resolve from the handler\'s network.';
  if (code === 'TIMEOUT') return 'Raise the PocketId timeout, or check the network path to Pocket-ID.';
  if (code === 'OUT_OF_TIME') return 'Pocket-ID answered too slowly for this deploy: check its load and the network path to it, then deploy again.';
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ERR_STREAM_PREMATURE_CLOSE') {
    return 'The connection broke mid-request: check the network path and any proxy in front of Pocket-ID, then deploy again.';
  }
  if (code && /CERT|SELF_SIGNED|TLS|SSL/i.test(code)) {
    return 'Pocket-ID\'s TLS certificate could not be verified: use a certificate from a trusted CA, or set skipTlsVerify for test servers only.';
  }
  return 'Check that the handler can reach baseUrl.';
}
