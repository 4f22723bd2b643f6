import { MembershipMode, UserAttributes, UserProperties } from '../../lib/contract';
import { validateUser } from '../../lib/private/validation';
import { checkClaims, claimsOf, claimsRecord, declaredClaims, reconcileClaims } from '../custom-claims';
import { PocketIdApiError } from '../errors';
import { declaredFields, FieldTable, heldWithout, holdsFields, updateBody } from '../fields';
import { createWithId, entityResource, EntityKind, isEntity, Made, MakeRequest, Origin, PocketIdEntity, putFields, readEntity, readEntityOrFail } from '../lifecycle';
import { linkTo, LinkShape, parseJson, readLinkSecret } from '../links';
import { listIds, listOf, readBoolean, readBooleanOrUndefined, readInteger, readString, sameSet, shapeProblems, ShapeRules } from '../properties';
import { checkIdList, wantedRelationIds, readIdList } from '../relations';
import { Operation, OperationContext } from '../resource';
import { issuerOf, writeSecret } from '../secrets';

/** A user as Pocket-ID returns it; only the fields this module reads are typed. */
interface PocketIdUser extends PocketIdEntity {
  readonly username: string;
  /** Preloaded in the answers to GET /users/:id, POST /users and PUT /users/:id/user-groups. */
  readonly userGroups?: ReadonlyArray<{ readonly id: string }> | null;
}

/** What the login link secret holds, as JSON. */
export interface StoredLoginLink {
  readonly username: string;
  readonly userId: string;
  readonly loginUrl: string;
  readonly expiresAt: string;
}

/** Pocket-ID's login links: `<issuer>/lc/<token>`. */
const LOGIN_LINK: LinkShape = { urlField: 'loginUrl', pathPrefix: '/lc/' };

const FIELD_LIST: FieldTable<UserProperties>['fields'] = [
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

/** Fields of Pocket-ID's answer that its user PUT does not take (groups and claims have their own endpoints). */
const READ_ONLY_FIELDS = ['id', 'customClaims', 'userGroups', 'ldapId'];

/**
 * How each managed property maps to Pocket-ID's user body, and the value Pocket-ID gives a field nobody
 * set. The PUT body is the user as Pocket-ID holds it, so that fields of newer releases are kept.
 */
const FIELDS: FieldTable<UserProperties> = { fields: FIELD_LIST, bodyOf: heldWithout(READ_ONLY_FIELDS) };

/**
 * Pocket-ID 2.14 puts a user created with no `userGroupIds` into its signup default groups
 * (backend/internal/service/user_service.go, CreateUser: applyDefaultGroups runs when the list is
 * empty, `[]` included), and drops ids of groups that do not exist (`Where("id IN ?")`). A created user
 * must join exactly the groups that declare it (or that it declares), and a join made by the server
 * would race the group resources' whole-list membership writes: so a create that declares no group
 * names one that cannot exist (the nil UUID: Pocket-ID's group ids are random UUIDs), and the server
 * joins the user to none.
 */
const NO_GROUP = '00000000-0000-0000-0000-000000000000';

/**
 * How long after it was issued a stored login link is taken for the work of an earlier delivery of the
 * same event: Lambda retries a failed invocation within minutes (the same window as for groups).
 */
const REDELIVERY_WINDOW_MS = 15 * 60_000;

const USER: EntityKind<UserProperties, PocketIdUser> = {
  label: 'user',
  idField: 'userId',
  path: userPath,
  fields: FIELDS,
  validate: validateProperties,
  fixedId: 'UserId',
  // Deleting a user deletes the passkeys the person registered: a base URL change never does.
  onMove: 'keep-on-old-instance',
  adoption: {
    key: (properties) => `the username '${properties.Username}'`,
    find: (properties, context) => findUserNamed(properties.Username, context),
    refuse: (found, properties) => (properties.UserId && found.id !== properties.UserId ? `userId is ${properties.UserId}: leave it out, or set it to ${found.id}` : undefined),
  },
  make: makeUser,
  reconcile: reconcileUser,
  data: (userId, properties) => {
    const data: UserAttributes = { UserId: userId, Username: properties.Username };
    return { ...data };
  },
  explainWriteError: (error, _userId, body) => explainRefusal(error, body, false),
};

export const user = entityResource(USER);

function makeUser(request: MakeRequest<UserProperties>, operation: Operation): Promise<Made<PocketIdUser>> {
  return createWithId(USER, {
    collectionPath: '/api/users',
    createBody: (id, properties) => ({ id, ...declaredFields(FIELDS, properties), userGroupIds: groupsToCreateWith(properties) }),
    isDeclaredHere: (found, properties) => found.username === properties.Username,
    takeOver: (found, properties) => adopt(found, properties, operation),
    explainRefusal: (error, body) => explainRefusal(error, body, request.replacement),
  }, { ...request, id: request.id! }, operation);
}

/** The user with this username (Pocket-ID keeps them unique ignoring case; its search matches parts of them), read in full. */
async function findUserNamed(username: string, context: OperationContext): Promise<PocketIdUser | undefined> {
  const candidates = await context.api.list<PocketIdUser>('Find the user holding the username', '/api/users', { search: username });
  const match = candidates.find((candidate) => typeof candidate.username === 'string' && candidate.username.toLowerCase() === username.toLowerCase());
  return match ? readEntity<PocketIdUser>(context, USER, match.id) : undefined;
}

/**
 * Takes over a user that holds this resource's id (an earlier delivery's, an earlier deployment's: the
 * rollback of a userId change finds the old user), bringing the declared fields to it. Only a user with
 * the declared username is taken.
 */
async function adopt(existing: PocketIdUser, properties: UserProperties, operation: Operation): Promise<PocketIdUser> {
  if (existing.username !== properties.Username) {
    throw new Error(`Create user: the user id ${existing.id} already belongs to the Pocket-ID user '${existing.username}', not to '${properties.Username}'. `
      + 'Choose another userId, or leave userId out to have one generated.');
  }
  if (!holdsFields(FIELDS, existing, declaredFields(FIELDS, properties))) {
    await putFields(USER, existing.id, updateBody(FIELDS, existing, properties, {}), operation);
  }
  return existing;
}

/**
 * Groups (see reconcileGroups), claims, then the onboarding. The email goes last:
 * of all the steps it is the one a failure after it could not take back; a user taken over had it
 * sent by the delivery that created it, and a second email would only confuse.
 */
async function reconcileUser(
  held: PocketIdUser,
  properties: UserProperties,
  previous: Partial<UserProperties>,
  operation: Operation,
  origin: Origin,
): Promise<void> {
  await reconcileGroups(held, properties, previous, operation, origin);
  // Pocket-ID gave a user it just made its signup default claims without saying so in its answer.
  const heldClaims = origin === 'created' ? undefined : claimsOf(held);
  const owner = { kind: 'user', id: held.id, description: `user ${held.id}`, place: USER } as const;
  await reconcileClaims(owner, heldClaims, declaredClaims(properties.CustomClaims), previous.CustomClaims !== undefined, operation);
  if (origin === 'created' && wantsLoginLink(properties)) await issueLoginLink(held.id, properties, undefined, operation);
  if ((origin === 'redelivered' || origin === 'adopted') && wantsLoginLink(properties)) await ensureLoginLink(held.id, properties, operation);
  // EmailLoginLink acts at creation only: an update never emails the person.
  if (origin === 'updated' && needsNewLoginLink(properties, previous)) await ensureLoginLink(held.id, properties, operation);
  if (origin === 'created' && readBoolean(properties.EmailLoginLink)) await emailLoginLink(held.id, operation);
}

function groupsToCreateWith(properties: UserProperties): string[] {
  const declared = readIdList(properties.UserGroupIds) ?? [];
  return declared.length > 0 ? declared : [NO_GROUP];
}

/**
 * The groups the user declares (UserGroupIds), written from the user's side: a new user is in exactly
 * those (a server that joined it to its signup default groups anyway has them taken back); otherwise
 * the memberships this resource declared are its own and others stay, as a group's merge mode does
 * for members. Pocket-ID drops ids of groups that do not exist without a word: that fails.
 */
async function reconcileGroups(
  held: PocketIdUser,
  properties: UserProperties,
  previous: Partial<UserProperties>,
  operation: Operation,
  origin: Origin,
): Promise<void> {
  const current = groupIdsOf(held);
  const declared = readIdList(properties.UserGroupIds);
  const wanted = origin === 'created' ? declared ?? [] : wantedRelationIds(current, declared, readIdList(previous.UserGroupIds), MembershipMode.MERGE);
  if (wanted === undefined) return;
  if (!sameSet(current, wanted)) {
    // A user this operation made is removed whole on failure, its memberships with it.
    if (origin !== 'created') {
      operation.undo.add(`the previous groups of user ${held.id}`, () => putGroups(held.id, current, operation), {
        partOf: held.id,
        isUndone: async () => sameSet(groupIdsOf(await readEntityOrFail<PocketIdUser>(operation, USER, held.id)), current),
      });
    }
    const kept = groupIdsOf(await putGroups(held.id, wanted, operation));
    operation.logger.info('set the user\'s groups', {
      userId: held.id,
      joined: wanted.filter((id) => !current.includes(id)).length,
      left: current.filter((id) => !wanted.includes(id)).length,
    });
    assertGroupsKept(wanted, kept, properties);
    return;
  }
  assertGroupsKept(declared ?? [], current, properties);
}

function assertGroupsKept(wanted: readonly string[], kept: readonly string[], properties: UserProperties): void {
  const unknown = wanted.filter((id) => !kept.includes(id));
  if (unknown.length === 0) return;
  throw new Error(`User '${properties.Username}': these groups are not Pocket-ID groups, so Pocket-ID left the user out of them: ${listIds(unknown)}. `
    + 'Was a group deleted outside CloudFormation? Create the group again, or remove its id from the user\'s groups');
}

/** Pocket-ID answers with the user and its groups. */
function putGroups(userId: string, groupIds: readonly string[], context: OperationContext): Promise<PocketIdUser> {
  const hasGroups = (answer: unknown) => isEntity(userId)(answer) && (Array.isArray(answer.userGroups) || answer.userGroups === null);
  return context.api.put<PocketIdUser>('Set the user\'s groups', `${userPath(userId)}/user-groups`, { userGroupIds: groupIds }, { expect: hasGroups });
}

function groupIdsOf(held: PocketIdUser): string[] {
  return listOf<{ id: string }>(held.userGroups).map((group) => group.id);
}

function wantsLoginLink(properties: UserProperties): boolean {
  return properties.LoginLinkLifetimeSeconds !== undefined && properties.LoginLinkSecretArn !== undefined;
}

/**
 * On update a login link is issued only when it is newly asked for: the secret changed (a new secret
 * would otherwise stay empty) or the lifetime was added. Any other update leaves the link already
 * handed out alone; a changed lifetime applies to the next link, not to that one.
 */
function needsNewLoginLink(properties: UserProperties, previous: Partial<UserProperties>): boolean {
  if (!wantsLoginLink(properties)) return false;
  return previous.LoginLinkSecretArn !== properties.LoginLinkSecretArn || previous.LoginLinkLifetimeSeconds === undefined;
}

/**
 * A link an earlier delivery of the same event stored stays (it was issued for this user, under this
 * username, within the redelivery window); otherwise a new one is issued. A second token would only
 * be one more that nobody holds, and Pocket-ID cannot revoke it.
 */
async function ensureLoginLink(userId: string, properties: UserProperties, operation: Operation): Promise<void> {
  const secretArn = properties.LoginLinkSecretArn!;
  const text = await readLinkSecret(operation, secretArn, LOGIN_LINK);
  const stored = storedLoginLinkOf(text, userId);
  const lifetimeSeconds = readInteger(properties.LoginLinkLifetimeSeconds)!;
  if (stored?.username === properties.Username && issuedWithin(stored, lifetimeSeconds, REDELIVERY_WINDOW_MS)) {
    operation.logger.info('the login link an earlier delivery of this event stored stays', { userId, secret: secretArn });
    return;
  }
  await issueLoginLink(userId, properties, text, operation);
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
async function issueLoginLink(userId: string, properties: UserProperties, previous: string | undefined, operation: Operation): Promise<void> {
  const secretArn = properties.LoginLinkSecretArn!;
  const seconds = readInteger(properties.LoginLinkLifetimeSeconds)!;
  // Taken before the request, so that the stored expiry is never later than Pocket-ID's.
  const expiresAt = new Date(Date.now() + seconds * 1000).toISOString();
  const path = `${userPath(userId)}/one-time-access-token`;
  const hasToken = (answer: unknown) => typeof (answer as { token?: unknown } | undefined)?.token === 'string' && (answer as { token: string }).token !== '';
  const { token } = await operation.api.post<{ token: string }>('Create a one-time login token', path, { ttl: seconds }, { expect: hasToken });
  const loginUrl = linkTo(operation, issuerOf(properties), LOGIN_LINK, token);
  const link = JSON.stringify({ username: properties.Username, userId, loginUrl, expiresAt } satisfies StoredLoginLink);
  await writeSecret(operation, secretArn, link, previous);
  operation.logger.info('stored a one-time login link', { userId, secret: secretArn, expiresAt });
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

/** A refused create or update, said in the user's terms. */
function explainRefusal(error: unknown, body: Record<string, unknown>, replacement: boolean): unknown {
  if (error instanceof PocketIdApiError && error.status === 409 && error.code === 'already_in_use') return describeConflict(error, body, replacement);
  return explainRequiredEmail(error);
}

/** A 409 already_in_use, said in the user's terms: which value of the request body is taken, and what to do. */
function describeConflict(error: PocketIdApiError, body: Record<string, unknown>, replacement: boolean): Error {
  const property = error.body?.details?.property;
  if (property !== 'username' && property !== 'email') return error;
  const value = body[property];
  const rule = property === 'username' ? 'usernames are unique, ignoring case' : 'email addresses are unique';
  let explanation = `The ${property} '${String(value)}' already belongs to another Pocket-ID user (${rule}): choose another ${property}, `
    + `${property === 'username' ? 'set adoptExisting to take that user over, ' : ''}or remove that user first.`;
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

/** What CloudFormation must deliver for each property, named as the construct's props are. */
const SHAPES: ShapeRules = {
  required: { Username: 'username' },
  booleans: { EmailVerified: 'emailVerified', IsAdmin: 'isAdmin', Disabled: 'disabled', EmailLoginLink: 'emailLoginLink', AdoptExisting: 'adoptExisting' },
};

function validateProperties(raw: Record<string, unknown>): string[] {
  const properties = raw as unknown as UserProperties;
  const problems = shapeProblems(raw, SHAPES);
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
  problems.push(...checkIdList(properties.UserGroupIds, 'groups', 'group id'));
  if (readBooleanOrUndefined(properties.EmailLoginLink) && properties.Email === undefined) {
    problems.push('emailLoginLink needs email: Pocket-ID can only email a user who has an address');
  }
  return problems;
}

function userPath(userId: string): string {
  return `/api/users/${encodeURIComponent(userId)}`;
}
