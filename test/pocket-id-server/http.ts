import { ApiError, invalidRequestBody } from './errors';

/** A response built in memory, so faults can replace or damage it before it is written. */
export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** Go's encoding/json escapes these characters, so byte-level comparisons see the same text. */
export function goJsonStringify(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function jsonResponse(status: number, value: unknown): ApiResponse {
  return { status, headers: { 'Content-Type': JSON_CONTENT_TYPE }, body: Buffer.from(goJsonStringify(value)) };
}

export function emptyResponse(status: number): ApiResponse {
  return { status, headers: {}, body: Buffer.alloc(0) };
}

export function textResponse(status: number, text: string, contentType = 'text/plain'): ApiResponse {
  return { status, headers: { 'Content-Type': contentType }, body: Buffer.from(text) };
}

function capitalizeFirst(message: string): string {
  const chars = [...message];
  if (chars.length === 0) return message;
  chars[0] = chars[0].toUpperCase();
  return chars.join('');
}

/** Serializes an error the way Pocket-ID's error middleware does (details keys are a Go map, hence sorted). */
export function errorResponse(error: ApiError, requestId: string): ApiResponse {
  const details: Record<string, unknown> = { ...error.details };
  if (error.fields.length > 0) details.fields = error.fields.map((f) => ({ field: f.field, code: f.code, message: f.message }));
  const sortedDetails = Object.fromEntries(Object.keys(details).sort().map((k) => [k, details[k]]));
  const body: Record<string, unknown> = { error: capitalizeFirst(error.message), code: error.code };
  if (Object.keys(sortedDetails).length > 0) body.details = sortedDetails;
  body.request_id = requestId;
  const response = jsonResponse(error.status, body);
  if (error.retryAfterSeconds !== undefined) response.headers['Retry-After'] = String(Math.max(1, Math.ceil(error.retryAfterSeconds)));
  return response;
}

export interface RequestContext {
  readonly method: string;
  /** Percent-decoded path, as Go's router sees it. */
  readonly path: string;
  readonly params: Record<string, string>;
  readonly query: URLSearchParams;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
  readonly clientIp: string;
}

export function header(ctx: RequestContext, name: string): string {
  const value = ctx.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] ?? '' : value ?? '';
}

/** application/json or application/*+json, like Pocket-ID's requireJSONContentType. */
export function isJsonContentType(contentType: string): boolean {
  const mediaType = contentType.split(';')[0].trim().toLowerCase();
  if (mediaType === '') return false;
  const [type, subtype] = mediaType.split('/', 2);
  if (type !== 'application' || subtype === undefined) return false;
  if (subtype === 'json') return true;
  return subtype.endsWith('+json') && subtype.length > '+json'.length;
}

const NO_BODY = Symbol('no body');

/** Where the first JSON value in `text` ends: Go's json.Decoder reads one value and ignores what follows. */
function endOfFirstValue(text: string): number {
  let i = text.search(/\S/);
  if (text[i] !== '{' && text[i] !== '[' && text[i] !== '"') {
    const end = text.slice(i).search(/[\s,\]}]/);
    return end < 0 ? text.length : i + end;
  }
  let depth = 0;
  let inString = false;
  for (; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      if (!inString && depth === 0) return i + 1;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
    if (depth === 0 && !inString) return i + 1;
  }
  return text.length;
}

function parseJson(body: Buffer): unknown {
  const text = body.toString('utf8');
  if (text.trim() === '') return NO_BODY;
  try {
    return JSON.parse(text.slice(0, endOfFirstValue(text)));
  } catch {
    throw invalidRequestBody();
  }
}

/** BindJSON: a JSON Content-Type and a non-empty JSON body are both required. */
export function readJsonBody(ctx: RequestContext): unknown {
  if (!isJsonContentType(header(ctx, 'content-type'))) throw invalidRequestBody();
  const parsed = parseJson(ctx.body);
  if (parsed === NO_BODY) throw invalidRequestBody();
  return parsed;
}

/** BindOptionalJSON: an empty body is fine (even without Content-Type); anything else must be JSON. */
export function readOptionalJsonBody(ctx: RequestContext): unknown {
  if (ctx.body.toString('utf8').trim() === '') return undefined;
  if (!isJsonContentType(header(ctx, 'content-type'))) throw invalidRequestBody();
  const parsed = parseJson(ctx.body);
  return parsed === NO_BODY ? undefined : parsed;
}
