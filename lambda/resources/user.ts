import { UserAttributes, UserProperties } from '../../lib/contract';
import { validateUser } from '../../lib/private/validation';
import { checkClaims, claimsOf, claimsRecord, declaredClaims, reconcileClaims } from '../custom-claims';
import { PocketIdApiError, UnexpectedResponseError } from '../errors';
import { deterministicUuid } from '../ids';
import { readBoolean, readInteger, readString } from '../properties';
import { Compensation, CreateEvent, DeleteEvent, HandlerResult, OperationContext, ResourceHandler, UpdateEvent } from '../resource';
import { undoWrite } from '../secrets';

/** A user as Pocket-ID returns it; only the fields this module reads are typed. */
interface PocketIdUser {
  readonly id: string;
  readonly username: string;
  readonly [field: string]: unknown;
}

/** What the login link secret holds, as JSON. */
export interface StoredLoginLink {
  readonly username: string;
  readonly userId: string;
  readonly loginUrl: string;
  readonly expiresAt: string;
}

/**
 * How each managed property maps to Pocket-ID's user body, and the value Pocket-ID gives a field nobody
 * set. These are also every field Pocket-ID's full-replace PUT takes (groups are set elsewhere).
 */
const FIELDS: ReadonlyArray<{ property: keyof UserProperties; api: string; read: (value: unknown) => unknown; pocketIdDefault: unknown }> = [
  { property: 'Username', api: 'username', read: readString, pocketIdDefault: undefined },
  { property: 'Email', api: 'email', read: readString, pocketIdDefault: null },
  { property: 'EmailVerified', api: 'emailVerified', read: readBoolean, pocketIdDefault: false },
  { property: 'FirstName', api: 'firstName', read: readString, pocketIdDefault: '' },
  { property: 'LastName', api: 'lastName', read: readString, pocketIdDefault: '' },
  { property: 'DisplayName', api: 'displayName', read: readString, pocketIdDefault: '' },
  { property: 'IsAdmin', api: 'isAdmin', read: readBoolean, pocketIdDefault: false },
  { property: 'Locale', api: 'locale', read: readString, pocketIdDefault: null },
  { property: 'Disabled', api: 'disabled', read: readBoolean, pocketIdDefault: false },
];

/** Boolean properties and the construct prop each one comes from, for error messages. */
const BOOLEAN_PROPERTIES: ReadonlyArray<[keyof UserProperties, string]> = [
  ['EmailVerified', 'emailVerified'],
  ['IsAdmin', 'isAdmin'],
  ['Disabled', 'disabled'],
  ['EmailLoginLink', 'emailLoginLink'],
];

/**
 * How long after it was issued a stored login link is taken for the work of an earlier delivery of the
 * same event: Lambda retries a failed invocation within minutes (the same window as for groups).
 */
const REDELIVERY_WINDOW_MS = 15 * 60_000;

/** The previous properties of a user that is taken over: nothing was declared, so nothing returns to a default. */
const NOTHING_DECLARED_BEFORE = Object.freeze({}) as UserProperties;

export const user: ResourceHandler = {
  validate: validateProperties,

  async create(event: CreateEvent, context: OperationContext): Promise<HandlerResult> {
    const properties = event.ResourceProperties as unknown as UserProperties;
    return createUser(properties.UserId ?? deterministicUuid(event), properties, context);
  },

  async update(event: UpdateEvent, context: OperationContext): Promise<HandlerResult> {
    const properties = event.ResourceProperties as unknown as UserProperties;
    const previous = event.OldResourceProperties as unknown as UserProperties;
    if (properties.UserId !== previous.UserId) {
      context.logger.info('the fixed user id changed: creating a replacement user', { from: previous.UserId, to: properties.UserId });
      return createUser(properties.UserId ?? deterministicUuid(event), properties, context, { replacement: true });
    }
    const userId = event.PhysicalResourceId;
    const current = await readUser(userId, context);
    if (!current) {
      context.logger.warn('the user was deleted outside CloudFormation: creating it again', { userId });
      return createUser(properties.UserId ?? deterministicUuid(event), properties, context);
    }
    const compensation = new Compensation(context.logger);
    try {
      const body = updateBody(current, properties, previous);
      if (!holdsFields(current, body)) {
        // Arranged before the PUT: a PUT whose answer was lost may have changed the user all the same.
        compensation.add(`the previous fields of user ${userId}`, () => putUser(userId, updateBody(current, NOTHING_DECLARED_BEFORE, NOTHING_DECLARED_BEFORE), context));
        await putUser(userId, body, context);
      }
      await reconcileUserClaims(userId, current, properties, previous, context, compensation);
      // EmailLoginLink acts at creation only: an update never emails the person.
      if (needsNewLoginLink(properties, previous)) await ensureLoginLink(userId, properties, context, compensation);
      return result(userId, properties);
    } catch (error) {
      throw await compensation.rollback(error);
    }
  },

  async delete(event: DeleteEvent, context: OperationContext): Promise<HandlerResult> {
    const userId = event.PhysicalResourceId;
    const deleted = await context.api.delete('Delete user', userPath(userId));
    context.logger.info(deleted ? 'deleted the user' : 'the user was already gone', { userId });
    return { PhysicalResourceId: userId };
  },
};

/**
 * Creates the user and runs the onboarding the properties ask for. If a step fails, the user is
 * deleted again before the error is reported, unless it was a user this event did not create.
 */
async function createUser(
  userId: string,
  properties: UserProperties,
  context: OperationContext,
  options: { replacement?: boolean } = {},
): Promise<HandlerResult> {
  const compensation = new Compensation(context.logger);
  try {
    const existing = await createOrAdopt(userId, properties, context, compensation, options.replacement ?? false);
    const adopted = existing !== undefined;
    await reconcileUserClaims(userId, existing, properties, NOTHING_DECLARED_BEFORE, context);
    if (wantsLoginLink(properties)) {
      // A user this event just made has no link yet: there is nothing to read first.
      if (adopted) await ensureLoginLink(userId, properties, context, compensation);
      else await issueLoginLink(userId, properties, undefined, context, compensation);
    }
    // The email goes last: of all the steps it is the one a failure after it could not take back. An
    // adopted user had it sent by the delivery that created it; a second email would only confuse.
    if (!adopted && readBoolean(properties.EmailLoginLink)) await emailLoginLink(userId, context);
    context.logger.info(adopted ? 'completed a user that already held this resource\'s id' : 'created the user', { userId });
    return result(userId, properties);
  } catch (error) {
    throw await compensation.rollback(error);
  }
}

/**
 * Creates the user, or takes over the one that already holds its id, which it returns. The id is ours
 * (derived from this event's RequestId, or the declared userId), so a user holding it was made by an
 * earlier delivery of this event, by an earlier deployment (the rollback of a userId change finds the
 * old user) or by hand; it is taken over only when it has the declared username.
 */
async function createOrAdopt(
  userId: string,
  properties: UserProperties,
  context: OperationContext,
  compensation: Compensation,
  replacement: boolean,
): Promise<PocketIdUser | undefined> {
  // A fixed id may belong to a user older than this event, which a failure must leave in place; and
  // Pocket-ID answers a clash on the id alone with a bare 500 internal_error. So it is looked up first.
  const fixedId = properties.UserId !== undefined;
  const existing = fixedId ? await readUser(userId, context) : undefined;
  if (existing) return adopt(existing, properties, context);
  // Arranged before the POST: its answer may be lost after Pocket-ID made the user.
  undoOnFailure(userId, context, compensation);
  const earlier = await postUser(userId, properties, context, { replacement, lookedFirst: fixedId });
  return earlier && adopt(earlier, properties, context);
}

/** Takes over a user that holds this resource's id, bringing the declared fields to it. */
async function adopt(existing: PocketIdUser, properties: UserProperties, context: OperationContext): Promise<PocketIdUser> {
  assertDeclaredUsername(existing, properties);
  const declared = desiredFields(properties);
  if (!holdsFields(existing, declared)) await putUser(existing.id, updateBody(existing, properties, NOTHING_DECLARED_BEFORE), context);
  return existing;
}

/**
 * Creates the user; returns the user an earlier delivery of this event made, when Pocket-ID refuses
 * the POST because of it. Repeated like a PUT when its answer is lost: Pocket-ID refuses a second
 * user with the id, username or email, and a refusal that follows a lost answer is this POST's own user.
 */
async function postUser(
  userId: string,
  properties: UserProperties,
  context: OperationContext,
  options: { replacement: boolean; lookedFirst: boolean },
): Promise<PocketIdUser | undefined> {
  const body = { id: userId, ...desiredFields(properties) };
  try {
    await context.api.post('Create user', '/api/users', body, { repeatable: true, expect: isUser(userId) });
    return undefined;
  } catch (error) {
    const made = await readUser(userId, context).catch(() => undefined);
    if (made?.username === properties.Username) {
      // Not there when looked up, or the refusal of a repeated POST: this POST made it.
      const madeByThisPost = options.lookedFirst || !(error instanceof PocketIdApiError) || error.afterUncertainAttempt;
      return madeByThisPost ? undefined : made;
    }
    if (isAlreadyInUse(error)) throw describeConflict(error, body, options.replacement);
    throw explainRequiredEmail(error);
  }
}

function assertDeclaredUsername(existing: PocketIdUser, properties: UserProperties): void {
  if (existing.username === properties.Username) return;
  throw new Error(`Create user: the user id ${existing.id} already belongs to the Pocket-ID user '${existing.username}', not to '${properties.Username}'. `
    + 'Choose another userId, or leave userId out to have one generated.');
}

function undoOnFailure(userId: string, context: OperationContext, compensation: Compensation): void {
  compensation.add(`user ${userId}`, () => context.api.delete('Remove the partly created user', userPath(userId)));
}

/** Whether the user has every one of these fields' values already. */
function holdsFields(held: PocketIdUser, fields: Record<string, unknown>): boolean {
  return Object.entries(fields).every(([field, value]) => (held[field] ?? null) === (value ?? null));
}

async function putUser(userId: string, body: Record<string, unknown>, context: OperationContext): Promise<void> {
  try {
    await context.api.put('Update user', userPath(userId), body, { expect: isUser(userId) });
  } catch (error) {
    if (isAlreadyInUse(error)) throw describeConflict(error, body, false);
    throw explainRequiredEmail(error);
  }
}

async function readUser(userId: string, context: OperationContext): Promise<PocketIdUser | undefined> {
  try {
    const found = await context.api.get<PocketIdUser>('Read user', userPath(userId));
    if (!isUser(userId)(found)) {
      throw new UnexpectedResponseError({ operation: 'Read user', method: 'GET', path: userPath(userId) }, 'not the user asked for');
    }
    return found;
  } catch (error) {
    if (error instanceof PocketIdApiError && error.isEntityNotFound) return undefined;
    throw error;
  }
}

/** The body for Pocket-ID's full-replace PUT: the server's values, overlaid with what the user manages. */
export function updateBody(current: PocketIdUser, properties: UserProperties, previous: UserProperties): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const field of FIELDS) {
    const value = field.read(properties[field.property]);
    if (value !== undefined) {
      body[field.api] = value;
    } else if (previous[field.property] !== undefined) {
      body[field.api] = field.pocketIdDefault;
    } else {
      body[field.api] = current[field.api];
    }
  }
  return body;
}

/** The fields the user set, in Pocket-ID's names. An unset email is left out, never sent as "". */
function desiredFields(properties: UserProperties): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const field of FIELDS) {
    const value = field.read(properties[field.property]);
    if (value !== undefined) body[field.api] = value;
  }
  return body;
}

/** The claims of a user Pocket-ID holds (`held`, read or taken over; none for one just made). */
function reconcileUserClaims(
  userId: string,
  held: PocketIdUser | undefined,
  properties: UserProperties,
  previous: UserProperties,
  context: OperationContext,
  undo?: Compensation,
): Promise<void> {
  const owner = { kind: 'user', id: userId, description: `user ${userId}` } as const;
  const declaredBefore = previous.CustomClaims !== undefined;
  return reconcileClaims(owner, held ? claimsOf(held) : [], declaredClaims(properties.CustomClaims), declaredBefore, context, undo);
}

function wantsLoginLink(properties: UserProperties): boolean {
  return properties.LoginLinkLifetimeSeconds !== undefined && properties.LoginLinkSecretArn !== undefined;
}

/**
 * On update a login link is issued only when it is newly asked for: the secret changed (a new secret
 * would otherwise stay empty) or the lifetime was added. Any other update leaves the link already
 * handed out alone; a changed lifetime applies to the next link, not to that one.
 */
function needsNewLoginLink(properties: UserProperties, previous: UserProperties): boolean {
  if (!wantsLoginLink(properties)) return false;
  return previous.LoginLinkSecretArn !== properties.LoginLinkSecretArn || previous.LoginLinkLifetimeSeconds === undefined;
}

/**
 * A link an earlier delivery of the same event stored stays (it was issued for this user, under this
 * username, within the redelivery window); otherwise a new one is issued. A second token would only
 * be one more that nobody holds, and Pocket-ID cannot revoke it.
 */
async function ensureLoginLink(userId: string, properties: UserProperties, context: OperationContext, compensation: Compensation): Promise<void> {
  const secretArn = properties.LoginLinkSecretArn!;
  const text = await readLinkSecret(secretArn, context);
  const stored = storedLoginLinkOf(text, userId);
  const lifetimeSeconds = readInteger(properties.LoginLinkLifetimeSeconds)!;
  if (stored?.username === properties.Username && issuedWithin(stored, lifetimeSeconds, REDELIVERY_WINDOW_MS)) {
    context.logger.info('the login link an earlier delivery of this event stored stays', { userId, secret: secretArn });
    return;
  }
  await issueLoginLink(userId, properties, text, context, compensation);
}

/** The secret's value; a failure to read it is an error (never taken for "no link", which would issue another token). */
async function readLinkSecret(secretArn: string, context: OperationContext): Promise<string> {
  const text = await context.secrets.readString(secretArn);
  const stored = parseJson(text) as Partial<StoredLoginLink> | undefined;
  if (typeof stored?.loginUrl === 'string') {
    context.redactor.add(stored.loginUrl);
    context.redactor.add(stored.loginUrl.split('/lc/')[1]);
  }
  return text;
}

function storedLoginLinkOf(text: string, userId: string): StoredLoginLink | undefined {
  const stored = parseJson(text) as Partial<StoredLoginLink> | undefined;
  return stored?.userId === userId && typeof stored.loginUrl === 'string' && typeof stored.expiresAt === 'string' ? stored as StoredLoginLink : undefined;
}

/** Whether the link was issued (its expiry less its lifetime) less than `windowMs` ago. */
function issuedWithin(link: StoredLoginLink, lifetimeSeconds: number, windowMs: number): boolean {
  const issuedAt = Date.parse(link.expiresAt) - lifetimeSeconds * 1000;
  return Number.isFinite(issuedAt) && Date.now() - issuedAt < windowMs;
}

/**
 * Has Pocket-ID make a one-time access token and stores the login link built from it. For a user that
 * existed before, the secret was read first: one that cannot be read fails the operation before a
 * token exists (Pocket-ID has no way to revoke one, short of deleting the user, which is what a failed
 * Create does), and its value (`previous`) is what a failure puts back. The POST is never repeated:
 * each one makes another token.
 */
async function issueLoginLink(
  userId: string,
  properties: UserProperties,
  previous: string | undefined,
  context: OperationContext,
  compensation: Compensation,
): Promise<void> {
  const secretArn = properties.LoginLinkSecretArn!;
  const seconds = readInteger(properties.LoginLinkLifetimeSeconds)!;
  // Taken before the request, so that the stored expiry is never later than Pocket-ID's.
  const expiresAt = new Date(Date.now() + seconds * 1000).toISOString();
  const path = `${userPath(userId)}/one-time-access-token`;
  const hasToken = (answer: unknown) => typeof (answer as { token?: unknown } | undefined)?.token === 'string' && (answer as { token: string }).token !== '';
  const { token } = await context.api.post<{ token: string }>('Create a one-time login token', path, { ttl: seconds }, { expect: hasToken });
  const loginUrl = `${issuerOf(properties)}/lc/${token}`;
  context.redactor.add(token);
  context.redactor.add(loginUrl);
  const link = JSON.stringify({ username: properties.Username, userId, loginUrl, expiresAt } satisfies StoredLoginLink);
  // Arranged before the write: its answer may be lost after Secrets Manager stored the link.
  compensation.add(`the previous value of secret ${secretArn}`, undoWrite(context.secrets, secretArn, link, previous));
  await context.secrets.writeString(secretArn, link);
  context.logger.info('stored a one-time login link', { userId, secret: secretArn, expiresAt });
}

/** Asks Pocket-ID to email the user a login link (valid for Pocket-ID's default of 15 minutes). */
async function emailLoginLink(userId: string, context: OperationContext): Promise<void> {
  try {
    await context.api.post('Email a one-time login link', `${userPath(userId)}/one-time-access-email`, {});
    context.logger.info('asked Pocket-ID to email a one-time login link', { userId });
  } catch (error) {
    if (!(error instanceof PocketIdApiError)) throw error;
    if (error.code === 'one_time_access_disabled') {
      throw apiFailure(error, 'Pocket-ID does not let admins email login links: turn on the one-time access email for admins in Pocket-ID\'s '
        + 'application settings (Email, with SMTP configured), or use loginLink instead to store a link in Secrets Manager.');
    }
    if (error.code === 'user_email_not_set') {
      throw apiFailure(error, 'The user has no email address: set email, or use loginLink instead.');
    }
    throw error;
  }
}

function isAlreadyInUse(error: unknown): error is PocketIdApiError {
  return error instanceof PocketIdApiError && error.status === 409 && error.code === 'already_in_use';
}

/** A 409 already_in_use, said in the user's terms: which value of the request body is taken, and what to do. */
function describeConflict(error: PocketIdApiError, body: Record<string, unknown>, replacement: boolean): Error {
  const property = error.body?.details?.property;
  if (property !== 'username' && property !== 'email') return error;
  const value = body[property];
  const rule = property === 'username' ? 'usernames are unique, ignoring case' : 'email addresses are unique';
  let explanation = `The ${property} '${String(value)}' already belongs to another Pocket-ID user (${rule}): choose another ${property}, `
    + 'or remove that user first.';
  if (replacement) {
    explanation += ' A userId change replaces the user, and the new one is created before CloudFormation deletes the old one: '
      + 'change username and email together with userId.';
  }
  return apiFailure(error, explanation);
}

/** Pocket-ID refuses a user without email while its "require user email" setting is on (the default). */
function explainRequiredEmail(error: unknown): unknown {
  const fields = error instanceof PocketIdApiError ? error.body?.details?.fields ?? [] : [];
  if (!fields.some((f) => f.field === 'email' && f.code === 'required')) return error;
  return new Error(`${(error as Error).message}. This Pocket-ID requires an email address for every user (its "require user email" setting): `
    + 'set email, or turn that setting off.');
}

/** An error that names the request and Pocket-ID's answer, followed by what it means here. */
function apiFailure(error: PocketIdApiError, explanation: string): Error {
  const { operation, method, path } = error.request;
  const requestId = error.requestId ?? error.body?.request_id;
  const answer = `${operation}: ${method} ${path} returned ${error.status}${error.code ? ` ${error.code}` : ''}`;
  return new Error(`${answer}${requestId ? ` (Pocket-ID request id ${requestId})` : ''}. ${explanation}`);
}

function validateProperties(raw: Record<string, unknown>): string[] {
  const properties = raw as unknown as UserProperties;
  const problems: string[] = [];
  if (typeof properties.Username !== 'string') problems.push('username is required');
  const flags = readFlags(properties, problems);
  const claims = claimsRecord(checkClaims(properties.CustomClaims, problems));
  problems.push(...validateUser({
    username: readString(properties.Username),
    userId: readString(properties.UserId),
    email: readString(properties.Email),
    firstName: readString(properties.FirstName),
    lastName: readString(properties.LastName),
    displayName: readString(properties.DisplayName),
    locale: readString(properties.Locale),
    customClaims: claims,
    loginLinkLifetimeSeconds: readInteger(properties.LoginLinkLifetimeSeconds),
  }));
  if (properties.LoginLinkLifetimeSeconds !== undefined && !properties.LoginLinkSecretArn) {
    problems.push('loginLink needs LoginLinkSecretArn, the secret that receives the link (the construct sets it)');
  }
  if (flags.EmailLoginLink && properties.Email === undefined) {
    problems.push('emailLoginLink needs email: Pocket-ID can only email a user who has an address');
  }
  return problems;
}

/** The boolean properties, each bad value reported under the construct prop's name. */
function readFlags(properties: UserProperties, problems: string[]): Partial<Record<keyof UserProperties, boolean>> {
  const flags: Partial<Record<keyof UserProperties, boolean>> = {};
  for (const [property, field] of BOOLEAN_PROPERTIES) {
    try {
      flags[property] = readBoolean(properties[property]);
    } catch (error) {
      problems.push(`${field}: ${(error as Error).message}`);
    }
  }
  return flags;
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function result(userId: string, properties: UserProperties): HandlerResult {
  const data: UserAttributes = { UserId: userId, Username: properties.Username };
  return { PhysicalResourceId: userId, Data: { ...data } };
}

function issuerOf(properties: UserProperties): string {
  return (properties.IssuerUrl ?? properties.BaseUrl).replace(/\/+$/, '');
}

/** Pocket-ID answers a user's requests with the user. */
function isUser(userId: string): (answer: unknown) => answer is PocketIdUser {
  return (answer): answer is PocketIdUser => typeof answer === 'object' && answer !== null && (answer as PocketIdUser).id === userId;
}

function userPath(userId: string): string {
  return `/api/users/${encodeURIComponent(userId)}`;
}
