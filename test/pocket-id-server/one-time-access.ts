import { decodeStruct, Decoder, str } from './decode';
import { userDto } from './dto';
import { ApiError, invalidRequestBody, oneTimeAccessDisabled, tokenInvalidOrExpired, userDisabled, userEmailNotSet } from './errors';
import { ApiResponse, emptyResponse, header, jsonResponse, readJsonBody, RequestContext } from './http';
import { randomString, UNAMBIGUOUS } from './ids';
import { ServerState } from './state';
import { Store, UserRecord } from './store';
import { requireUser } from './users';
import { email, FieldChecks, required } from './validation';

const SECOND = 1000;
const DEFAULT_TTL_MS = 15 * 60 * SECOND;
export const MAX_TTL_MS = 31 * 24 * 60 * 60 * SECOND;

const UNIT_MS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, µs: 1e-3, μs: 1e-3, ms: 1, s: SECOND, m: 60 * SECOND, h: 3600 * SECOND };

/** Go's time.ParseDuration ("1h", "90m", "1h30m", "1.5h", "-2s"); no days. */
export function parseGoDuration(text: string): number | undefined {
  const m = /^([+-]?)((?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)$/.exec(text);
  if (text === '0') return 0;
  if (!m) return undefined;
  let total = 0;
  for (const part of m[2].matchAll(/(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) total += Number(part[1]) * UNIT_MS[part[2]];
  return m[1] === '-' ? -total : total;
}

/** utils.JSONDuration (also the signup tokens' ttl): a number is whole seconds, a string is a Go duration, "" is unset, anything else fails. */
export const jsonDuration: Decoder<number> = (value) => {
  if (typeof value === 'number') return Math.trunc(value) * SECOND;
  if (typeof value === 'string') {
    if (value === '') return 0;
    const ms = parseGoDuration(value);
    if (ms === undefined) throw invalidRequestBody();
    return ms;
  }
  throw invalidRequestBody();
};

/** The `ttl` tag: unset, or more than one second and at most 31 days. */
function readTtl(ctx: RequestContext): number {
  const { ttl } = decodeStruct({ ttl: jsonDuration }, () => ({ ttl: 0 }), readJsonBody(ctx));
  const valid = ttl === 0 || (ttl > SECOND && ttl <= MAX_TTL_MS);
  if (!valid) new FieldChecks().field('ttl', ttl, () => ({ code: 'ttl', message: 'is invalid' })).throwIfFailed();
  return ttl <= 0 ? DEFAULT_TTL_MS : ttl;
}

/** Codes valid for 15 minutes or less are 6 characters, longer-lived ones 12. */
function storeToken(store: Store, userId: string, ttlMs: number, deviceToken?: string): string {
  const token = randomString(ttlMs <= DEFAULT_TTL_MS ? 6 : 12, UNAMBIGUOUS);
  const expiresAt = Math.round(Date.now() / SECOND) * SECOND + ttlMs;
  store.oneTimeTokens.set(token, { token, userId, expiresAt, ...(deviceToken ? { deviceToken } : {}) });
  return token;
}

function recordEmail(state: ServerState, user: UserRecord, token: string, ttlMs: number): void {
  state.store.sentEmails.push({ userId: user.id, to: user.email!, token, loginLink: `${state.appUrl()}/lc/${token}`, ttlSeconds: ttlMs / SECOND });
}

export function createOneTimeAccessToken(ctx: RequestContext, { store }: ServerState): ApiResponse {
  const ttl = readTtl(ctx);
  const user = requireUser(store, ctx.params.id);
  return jsonResponse(201, { token: storeToken(store, user.id, ttl) });
}

/** Needs the app setting emailOneTimeAccessAsAdminEnabled (off by default); the email is only recorded. */
export function sendOneTimeAccessEmailAsAdmin(ctx: RequestContext, state: ServerState): ApiResponse {
  const ttl = readTtl(ctx);
  if (!state.store.appConfig.emailOneTimeAccessAsAdminEnabled) throw oneTimeAccessDisabled();
  const user = requireUser(state.store, ctx.params.id);
  if (user.email === null) throw userEmailNotSet();
  recordEmail(state, user, storeToken(state.store, user.id, ttl), ttl);
  return emptyResponse(204);
}

/** Public; an unknown address is answered like a known one so it reveals nothing. */
export function sendOneTimeAccessEmailAsUnauthenticated(ctx: RequestContext, state: ServerState): ApiResponse {
  const input = decodeStruct({ email: str, redirectPath: str }, () => ({ email: '', redirectPath: '' }), readJsonBody(ctx));
  new FieldChecks().field('email', input.email, required, email).throwIfFailed();
  if (!state.store.appConfig.emailOneTimeAccessAsUnauthenticatedEnabled) throw oneTimeAccessDisabled();
  const user = [...state.store.users.values()].find((u) => u.email === input.email);
  const response = emptyResponse(204);
  if (!user) return response;
  const deviceToken = randomString(16);
  recordEmail(state, user, storeToken(state.store, user.id, DEFAULT_TTL_MS, deviceToken), DEFAULT_TTL_MS);
  response.headers['Set-Cookie'] = `__Secure-device_token=${deviceToken}; Path=/api/one-time-access-token; Max-Age=900; HttpOnly; Secure; SameSite=Lax`;
  return response;
}

function cookie(ctx: RequestContext, name: string): string | undefined {
  for (const part of header(ctx, 'cookie').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

/** POST /api/one-time-access-token/:token — the login link's exchange; the token is single-use. */
export function exchangeOneTimeAccessToken(ctx: RequestContext, { store }: ServerState): ApiResponse {
  const raw = ctx.params.token;
  if (raw.length !== 6 && raw.length !== 12) throw tokenInvalidOrExpired();
  const token = raw.replace(/[Ii]/g, '1').replace(/[Oo]/g, '0');
  const record = store.oneTimeTokens.get(token);
  if (!record || record.expiresAt <= Date.now()) throw tokenInvalidOrExpired();
  if (record.deviceToken !== undefined && cookie(ctx, '__Secure-device_token') !== record.deviceToken) {
    throw new ApiError(401, 'device_code_invalid', 'One-time access code must be used on the device it was generated for');
  }
  const user = store.users.get(record.userId);
  if (!user) throw tokenInvalidOrExpired();
  if (user.disabled) throw userDisabled();
  store.oneTimeTokens.delete(token);
  const response = jsonResponse(200, userDto(store, user, { preloaded: false }));
  response.headers['Set-Cookie'] = `__Host-access_token=${randomString(32)}; Path=/; Max-Age=3600; HttpOnly; Secure; SameSite=Lax`;
  return response;
}
