/**
 * Signup tokens and self-signup, from Pocket-ID 2.14.0's backend/internal/usersignup (handler.go,
 * dto.go, service.go, actor.go). Tokens live in an actor state store, not a table: no GET by id, the
 * list is paginated in memory, expired tokens drop out of it, used-up ones stay until they expire,
 * and DELETE answers 204 whether or not the id names a token. No release up to 2.18 changed them
 * (irashack/terraform-provider-pocketid internal/client/signup_tokens.go: "Available in every
 * supported Pocket ID version (v2.14.0 to v2.17.0)"; nothing in 2.18's notes).
 */
import { nfc, nfcOrNull } from './body-types';
import { arrayOf, decodeStruct, int64, nullableStr, str } from './decode';
import { groupMinimalDto, userDto } from './dto';
import { internalError, missingField, openSignupDisabled, tokenInvalidOrExpired } from './errors';
import { ApiResponse, emptyResponse, jsonResponse, readJsonBody, RequestContext } from './http';
import { newUuid, randomString, timestamp } from './ids';
import { capitalizeFirstLetter, Columns, paginate, parseListOptions, sortBy } from './list';
import { jsonDuration, MAX_TTL_MS } from './one-time-access';
import { ServerState } from './state';
import { SignupTokenRecord, Store } from './store';
import { insertUser } from './users';
import { email, FieldChecks, max, min, required, username } from './validation';

const SECOND = 1000;
/** handler.go:18: a missing or zero ttl. */
const DEFAULT_TTL_MS = 3600 * SECOND;

/** utils/list_request_util.go: the columns a list may be sorted by; anything else sorts by createdAt. */
const TOKEN_COLUMNS: Columns<SignupTokenRecord> = {
  CreatedAt: { value: (t) => t.createdAt, sortable: true },
  ExpiresAt: { value: (t) => t.expiresAt, sortable: true },
  UsageLimit: { value: (t) => t.usageLimit, sortable: true },
  UsageCount: { value: (t) => t.usageCount, sortable: true },
};

/** The tokens the state store still holds: its TTL filters out the expired ones. */
export function liveSignupTokens(store: Store, now = Date.now()): SignupTokenRecord[] {
  return [...store.signupTokens.values()].filter((t) => t.expiresAt > now);
}

/** dto.go SignupTokenDto; groups deleted since are skipped, the others keep their order. */
function tokenDto(store: Store, token: SignupTokenRecord): object {
  const groups = token.userGroupIds.map((id) => store.groups.get(id)).filter((g) => g !== undefined);
  return {
    id: token.id,
    token: token.token,
    expiresAt: timestamp(new Date(token.expiresAt)),
    usageLimit: token.usageLimit,
    usageCount: token.usageCount,
    userGroups: groups.map((g) => groupMinimalDto(store, g, { preloaded: false })),
    createdAt: timestamp(new Date(token.createdAt)),
  };
}

/**
 * `required` on ttl is skipped (a struct field, validator.New() without WithRequiredStructEnabled),
 * so a missing ttl reaches the `ttl` tag as 0: unset, or more than 1 s and at most 744 h. Fields
 * fail in struct order: ttl, then usageLimit.
 */
export function createSignupToken(ctx: RequestContext, { store }: ServerState): ApiResponse {
  const body = decodeStruct(
    { ttl: jsonDuration, usageLimit: int64, userGroupIds: arrayOf(str, '') },
    () => ({ ttl: 0, usageLimit: 0, userGroupIds: null as string[] | null }),
    readJsonBody(ctx),
  );
  const ttlValid = body.ttl === 0 || (body.ttl > SECOND && body.ttl <= MAX_TTL_MS);
  new FieldChecks()
    .field('ttl', body.ttl, () => (ttlValid ? undefined : { code: 'ttl', message: 'is invalid' }))
    .field('usageLimit', body.usageLimit, required, atLeast(1), atMost(100))
    .throwIfFailed();
  const ttl = body.ttl === 0 ? DEFAULT_TTL_MS : body.ttl;
  // service.go CreateSignupToken: only ids of existing groups are kept (Where "id IN ?"), each once, in the order the database returns them.
  const requested = body.userGroupIds ?? [];
  const userGroupIds = [...store.groups.keys()].filter((id) => requested.includes(id));
  const createdAt = Math.round(Date.now() / SECOND) * SECOND;
  const token: SignupTokenRecord = {
    id: newUuid(),
    token: randomString(16),
    createdAt,
    expiresAt: createdAt + ttl,
    usageLimit: body.usageLimit,
    usageCount: 0,
    userGroupIds,
  };
  store.signupTokens.set(token.token, token);
  store.issuedSignupTokens.add(token.token);
  return jsonResponse(201, tokenDto(store, token));
}

export function listSignupTokens(ctx: RequestContext, { store }: ServerState): ApiResponse {
  const options = parseListOptions(ctx.query);
  const column = TOKEN_COLUMNS[capitalizeFirstLetter(options.sortColumn)] ?? TOKEN_COLUMNS.CreatedAt;
  const sorted = sortBy(liveSignupTokens(store), column.value, options.sortDirection);
  const page = paginate(sorted, options);
  return jsonResponse(200, { data: page.data.map((t) => tokenDto(store, t)), pagination: page.pagination });
}

/** Always 204: "deleting it already reaches the desired end state" (service.go DeleteSignupToken). */
export function deleteSignupToken(ctx: RequestContext, { store }: ServerState): ApiResponse {
  const found = liveSignupTokens(store).find((t) => t.id === ctx.params.id);
  if (found) store.signupTokens.delete(found.token);
  return emptyResponse(204);
}

/**
 * POST /api/signup (service.go SignUp): the mode check, then the token's use (actor consume: missing,
 * expired or used up is 401), then the user as CreateUser makes it, with the token's groups (the
 * default groups only when it has none); a failure after the use gives it back (release).
 */
export function signUp(ctx: RequestContext, { store }: ServerState): ApiResponse {
  const input = decodeStruct(
    { username: str, email: nullableStr, firstName: str, lastName: str, token: str },
    () => ({ username: '', email: null as string | null, firstName: '', lastName: '', token: '' }),
    readJsonBody(ctx),
  );
  new FieldChecks()
    .field('username', input.username, required, username, min(1), max(50))
    .optionalPointer('email', input.email, email)
    .field('firstName', input.firstName, max(50))
    .field('lastName', input.lastName, max(50))
    .throwIfFailed();
  const tokenProvided = input.token !== '';
  if (store.appConfig.allowUserSignups !== 'open' && !tokenProvided) throw openSignupDisabled();
  // The token is an actor id: one with a '/' fails the actor call itself (a real 2.14.0 answers 500).
  if (input.token.includes('/')) throw internalError();
  const token = tokenProvided ? consume(store, input.token) : undefined;
  try {
    if (store.appConfig.requireUserEmail && input.email === null) throw missingField('email');
    const firstName = nfc(input.firstName);
    const lastName = nfc(input.lastName);
    const user = insertUser(store, {
      id: newUuid(),
      username: nfc(input.username),
      email: nfcOrNull(input.email),
      emailVerified: store.appConfig.emailsVerified,
      firstName,
      lastName,
      displayName: `${firstName} ${lastName}`.trim(),
      isAdmin: false,
      locale: null,
      disabled: false,
    }, token?.userGroupIds ?? []);
    // The answer lists the groups; its claims are not loaded (customClaims []), as a real 2.14.0 answers it.
    return jsonResponse(201, { ...userDto(store, user, { preloaded: true }), customClaims: [] });
  } catch (error) {
    if (token) token.usageCount = Math.max(0, token.usageCount - 1);
    throw error;
  }
}

function consume(store: Store, value: string): SignupTokenRecord {
  const token = store.signupTokens.get(value);
  if (!token || token.expiresAt < Date.now() || token.usageCount >= token.usageLimit) throw tokenInvalidOrExpired();
  token.usageCount += 1;
  return token;
}

/** `min`/`max` on an int: the validator compares the number, with the message it gives strings. */
function atLeast(limit: number) {
  return (value: unknown) => (Number(value) < limit ? { code: 'too_short', message: `must be at least ${limit} characters long` } : undefined);
}

function atMost(limit: number) {
  return (value: unknown) => (Number(value) > limit ? { code: 'too_long', message: `must be at most ${limit} characters long` } : undefined);
}
