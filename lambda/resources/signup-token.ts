import { SignupTokenAttributes, SignupTokenProperties } from '../../lib/contract';
import { validateSignupToken } from '../../lib/private/validation';
import { parseTimeoutSeconds } from '../connection';
import { isUncertain } from '../http-client';
import { entityResource, EntityKind, Made, MakeRequest, Origin, PocketIdEntity } from '../lifecycle';
import { linkTo, LinkShape, parseJson, readLinkSecret, redactStoredLink } from '../links';
import { listIds, listOf, readInteger, readString, readStringList, sameSet, shapeProblems } from '../properties';
import { Operation, OperationContext } from '../resource';
import { issuerOf, writeSecret } from '../secrets';

/** A signup token as Pocket-ID lists it: `token` is the secret itself, in clear. */
interface PocketIdSignupToken extends PocketIdEntity {
  readonly token: string;
  readonly expiresAt: string;
  readonly createdAt: string;
  readonly usageLimit: number;
  readonly usageCount: number;
  readonly userGroups?: ReadonlyArray<{ readonly id: string }> | null;
}

/** What the signup link secret holds, as JSON. */
export interface StoredSignupLink {
  readonly signupUrl: string;
  readonly signupTokenId: string;
  readonly expiresAt: string;
  readonly usageLimit: number;
  readonly userGroupIds: string[];
  /** The tokenVersion the token was issued for, when one was set. */
  readonly tokenVersion?: string;
}

/**
 * Written to the secret before a POST, with the link it held (if any): a delivery whose Lambda dies
 * after the POST leaves this trace, which the next delivery of the event follows to the token it made.
 */
interface PendingMark extends Partial<StoredSignupLink> {
  readonly pendingSince: string;
}

/** The frontend's link to a signup token: `${origin}/st/${token}` (signup-token-modal.svelte), which redirects to /signup?token=. */
const SIGNUP_LINK: LinkShape = { urlField: 'signupUrl', pathPrefix: '/st/' };
const COLLECTION = '/api/signup-tokens';
/**
 * How far a token's createdAt may lie outside the time its POST was under way: Pocket-ID rounds it
 * to the second (service.go CreateSignupToken: now.Round(time.Second)), and clocks differ a little.
 */
const CREATED_AT_SLACK_MS = 2_000;

const TOKEN: EntityKind<SignupTokenProperties, PocketIdSignupToken> = {
  label: 'signup token',
  idField: 'signupTokenId',
  path: tokenPath,
  read: (signupTokenId, _properties, context) => findToken(context, signupTokenId),
  // Pocket-ID has no PUT of a token: nothing is written in place.
  fields: { fields: [], bodyOf: () => ({}) },
  replaceOnChange: ['LifetimeSeconds', 'UsageLimit', 'UserGroupIds', 'TokenVersion'],
  validate: validateProperties,
  onMove: 'new-entity',
  make: makeToken,
  reconcile: reconcileLink,
  data: (signupTokenId, _properties, token) => {
    const data: SignupTokenAttributes = { SignupTokenId: signupTokenId, ExpiresAt: token.expiresAt };
    return { ...data };
  },
};

export const signupToken = entityResource(TOKEN);

/**
 * Takes the token this resource already holds, when one is live with exactly the declared settings: an
 * earlier delivery of this event stored its link, or (a replacement) the secret's version before its
 * latest write names it, the old token the rollback of a replacement returns to. Otherwise makes a new
 * one. The secret is read first: one that cannot be read fails before a token exists.
 */
async function makeToken(request: MakeRequest<SignupTokenProperties>, operation: Operation): Promise<Made<PocketIdSignupToken>> {
  const { properties } = request;
  const secretArn = properties.SignupLinkSecretArn;
  const current = await readLinkSecret(operation, secretArn, SIGNUP_LINK);
  const previous = request.replacement ? await operation.secrets.readPreviousString(secretArn) : undefined;
  redactStoredLink(operation, previous, SIGNUP_LINK);
  const pendingSince = pendingSinceOf(current);
  // A fresh secret names no token and no POST under way: nothing to look for, no list read.
  const live = namesToken(current) || namesToken(previous) || pendingSince !== undefined ? await listTokens(operation) : [];
  const earlierDelivery = heldToken(live, current, properties, request.replaces)
    ?? (pendingSince !== undefined ? madeSince(live, properties, pendingSince) : undefined);
  const returnedTo = request.replacement ? heldToken(live, previous, properties, request.replaces) : undefined;
  if (returnedTo && !earlierDelivery) {
    operation.logger.info('the token the secret held before is live with these settings: returning to it', { signupTokenId: returnedTo.id });
    await storeLink(returnedTo, properties, current, operation);
    return { entity: returnedTo, adopted: true };
  }
  if (earlierDelivery) {
    operation.logger.info('the token an earlier delivery of this event made is live: keeping it', { signupTokenId: earlierDelivery.id });
    registerRemoval(earlierDelivery.id, operation);
    await storeLink(earlierDelivery, properties, current, operation);
    return { entity: earlierDelivery, adopted: true };
  }
  // The mark keeps what the secret held (the rollback of a replacement finds the old token in the version before the link).
  const mark = JSON.stringify({ ...linkIn(current), pendingSince: new Date().toISOString() } satisfies PendingMark);
  await writeSecret(operation, secretArn, mark, current);
  const created = await postToken(properties, operation);
  await storeLink(created, properties, mark, operation);
  return { entity: created, adopted: false };
}

/** An update that replaced nothing (the connection, the secret or the issuer changed): the secret gets the token's link, if it lacks it. */
async function reconcileLink(token: PocketIdSignupToken, properties: SignupTokenProperties, _previous: Partial<SignupTokenProperties>,
  operation: Operation, origin: Origin): Promise<void> {
  if (origin !== 'updated') return;
  const current = await readLinkSecret(operation, properties.SignupLinkSecretArn, SIGNUP_LINK);
  await storeLink(token, properties, current, operation);
}

/**
 * POSTs the token. Its removal is arranged first: a POST whose answer was lost may have made it. The
 * POST is never repeated (each one makes another token); a lost answer is resolved by listing.
 */
async function postToken(properties: SignupTokenProperties, operation: Operation): Promise<PocketIdSignupToken> {
  const declaredGroups = declaredGroupIds(properties);
  const body = postBody(properties);
  const sentAt = Date.now();
  let made: PocketIdSignupToken | undefined;
  const orphans = async () => orphansOfPost(await listTokens(operation), body, sentAt);
  operation.undo.add('the signup token this operation made', async () => {
    if (made) return deleteToken(made.id, operation);
    const left = await orphans();
    if (left.length > 1) throw new Error(`one of the signup tokens ${listIds(left.map((t) => t.id))} (none is named in any secret this resource wrote)`);
    if (left.length === 1) await deleteToken(left[0].id, operation);
  }, {
    requests: 3,
    isUndone: async () => (made ? (await findToken(operation, made.id)) === undefined : (await orphans()).length === 0),
  });
  try {
    made = await operation.api.post<PocketIdSignupToken>('Create signup token', COLLECTION, body, { expect: isToken });
    operation.redactor.add(made.token);
  } catch (error) {
    if (!isUncertain(error)) throw error;
    const found = await lostToken(orphans, properties, operation);
    if (found.length !== 1) throw error;
    made = found[0];
    operation.logger.info('the answer to the POST was lost, but Pocket-ID made the token: taking it', { signupTokenId: made.id });
  }
  const dropped = declaredGroups.filter((id) => !groupIdsOf(made!).includes(id));
  if (dropped.length > 0) {
    throw new Error(`Create signup token: Pocket-ID left out these user groups, which it does not hold: ${listIds(dropped)}. `
      + 'Was a group deleted outside CloudFormation? Create it again, or remove it from userGroups');
  }
  operation.logger.info('created a signup token', { signupTokenId: made.id, expiresAt: made.expiresAt });
  return made;
}

/**
 * The tokens a POST whose answer was lost made: a server too slow to answer in time may still be at
 * it, so an empty list is read once more after one request timeout (within the time left).
 */
async function lostToken(orphans: () => Promise<PocketIdSignupToken[]>, properties: SignupTokenProperties, context: OperationContext) {
  const found = await orphans().catch(() => []);
  if (found.length > 0) return found;
  const timeoutMs = parseTimeoutSeconds(properties.TimeoutSeconds) * 1000;
  const waitMs = Math.min(timeoutMs, Math.max(0, context.budget.deadline() - Date.now() - timeoutMs));
  await new Promise((resolve) => setTimeout(resolve, waitMs));
  return orphans().catch(() => []);
}

/**
 * The tokens a POST of `body` sent at `sentAt` may have made: created while it was under way, with
 * its lifetime and usage limit, unused, joining no group it did not name.
 */
function orphansOfPost(live: PocketIdSignupToken[], body: { ttl: number; usageLimit: number; userGroupIds: string[] }, sentAt: number) {
  const now = Date.now();
  return live.filter((token) => {
    const createdAt = Date.parse(token.createdAt);
    return createdAt >= sentAt - CREATED_AT_SLACK_MS && createdAt <= now + CREATED_AT_SLACK_MS
      && lifetimeSecondsOf(token) === body.ttl && token.usageLimit === body.usageLimit && token.usageCount === 0
      && groupIdsOf(token).every((id) => body.userGroupIds.includes(id));
  });
}

/** The live token a stored link names, when it has exactly the declared settings and is not the one being replaced. */
function heldToken(live: PocketIdSignupToken[], text: string | undefined, properties: SignupTokenProperties, replaces: string | undefined) {
  const stored = parseJson(text) as Partial<StoredSignupLink> | undefined;
  if (typeof stored?.signupTokenId !== 'string' || stored.signupTokenId === replaces) return undefined;
  if ((stored.tokenVersion ?? null) !== (readString(properties.TokenVersion) ?? null)) return undefined;
  const token = live.find((candidate) => candidate.id === stored.signupTokenId);
  if (!token || typeof stored.signupUrl !== 'string' || !stored.signupUrl.endsWith(`${SIGNUP_LINK.pathPrefix}${token.token}`)) return undefined;
  return hasDeclaredSettings(token, properties) ? token : undefined;
}

/** The POST body of the declared settings. */
function postBody(properties: SignupTokenProperties): { ttl: number; usageLimit: number; userGroupIds: string[] } {
  const ttl = readInteger(properties.LifetimeSeconds)!;
  return { ttl, usageLimit: readInteger(properties.UsageLimit)!, userGroupIds: declaredGroupIds(properties) };
}

/** The one token an earlier delivery's POST (under way since `since`) made; none when none or several could be it. */
function madeSince(live: PocketIdSignupToken[], properties: SignupTokenProperties, since: number): PocketIdSignupToken | undefined {
  const candidates = orphansOfPost(live, postBody(properties), since);
  return candidates.length === 1 ? candidates[0] : undefined;
}

function pendingSinceOf(text: string | undefined): number | undefined {
  const since = (parseJson(text) as Partial<PendingMark> | undefined)?.pendingSince;
  const at = typeof since === 'string' ? Date.parse(since) : Number.NaN;
  return Number.isFinite(at) ? at : undefined;
}

/** The link a secret's value holds, when it holds one. */
function linkIn(text: string): Partial<StoredSignupLink> {
  const stored = parseJson(text) as Partial<StoredSignupLink> | undefined;
  return typeof stored?.signupTokenId === 'string' && typeof stored.signupUrl === 'string' ? stored : {};
}

function namesToken(text: string | undefined): boolean {
  return typeof (parseJson(text) as Partial<StoredSignupLink> | undefined)?.signupTokenId === 'string';
}

function hasDeclaredSettings(token: PocketIdSignupToken, properties: SignupTokenProperties): boolean {
  return lifetimeSecondsOf(token) === readInteger(properties.LifetimeSeconds)
    && token.usageLimit === readInteger(properties.UsageLimit)
    && sameSet(groupIdsOf(token), declaredGroupIds(properties));
}

/** Writes the token's link to the secret, unless it holds it already; `current` is the value a failure puts back. */
async function storeLink(token: PocketIdSignupToken, properties: SignupTokenProperties, current: string, operation: Operation): Promise<void> {
  const link: StoredSignupLink = {
    signupUrl: linkTo(operation, issuerOf(properties), SIGNUP_LINK, token.token),
    signupTokenId: token.id,
    expiresAt: token.expiresAt,
    usageLimit: token.usageLimit,
    userGroupIds: groupIdsOf(token),
    ...(properties.TokenVersion !== undefined ? { tokenVersion: readString(properties.TokenVersion) } : {}),
  };
  const text = JSON.stringify(link);
  if (text === current) return;
  await writeSecret(operation, properties.SignupLinkSecretArn, text, current);
  operation.logger.info('stored the signup link', { signupTokenId: token.id, secret: properties.SignupLinkSecretArn, expiresAt: token.expiresAt });
}

/** A token kept from an earlier delivery of this Create is removed with it, should it fail. */
function registerRemoval(signupTokenId: string, operation: Operation): void {
  operation.undo.add(`signup token ${signupTokenId}`, () => deleteToken(signupTokenId, operation), {
    requests: 3,
    removes: signupTokenId,
    isUndone: async () => (await findToken(operation, signupTokenId)) === undefined,
  });
}

/** Pocket-ID answers 204 whether or not the token existed: a lost answer is settled by listing. */
async function deleteToken(signupTokenId: string, context: OperationContext): Promise<void> {
  await context.api.delete('Remove the signup token', tokenPath(signupTokenId), async () => (await findToken(context, signupTokenId)) === undefined);
}

/** Every live token (Pocket-ID lists no expired one); every token value is redacted at once: the list shows them in clear. */
async function listTokens(context: OperationContext): Promise<PocketIdSignupToken[]> {
  const tokens = await context.api.list<PocketIdSignupToken>('List signup tokens', COLLECTION);
  for (const token of tokens) if (typeof token?.token === 'string') context.redactor.add(token.token);
  return tokens.filter(isToken);
}

/** Pocket-ID has no GET of one token: it is found in the list. */
async function findToken(context: OperationContext, signupTokenId: string): Promise<PocketIdSignupToken | undefined> {
  return (await listTokens(context)).find((token) => token.id === signupTokenId);
}

function isToken(answer: unknown): answer is PocketIdSignupToken {
  const token = answer as Partial<PocketIdSignupToken> | null;
  return typeof token === 'object' && token !== null && typeof token.id === 'string' && typeof token.token === 'string' && token.token !== ''
    && typeof token.expiresAt === 'string' && typeof token.createdAt === 'string';
}

function lifetimeSecondsOf(token: PocketIdSignupToken): number {
  return Math.round((Date.parse(token.expiresAt) - Date.parse(token.createdAt)) / 1000);
}

function groupIdsOf(token: PocketIdSignupToken): string[] {
  return listOf<{ id: string }>(token.userGroups).map((group) => group.id);
}

function declaredGroupIds(properties: SignupTokenProperties): string[] {
  return [...new Set(readStringList(properties.UserGroupIds) ?? [])];
}

function validateProperties(raw: Record<string, unknown>): string[] {
  const properties = raw as unknown as SignupTokenProperties;
  const problems = shapeProblems(raw, {
    required: { LifetimeSeconds: 'lifetime', UsageLimit: 'usageLimit', SignupLinkSecretArn: 'SignupLinkSecretArn (the construct sets it)' },
    lists: { UserGroupIds: 'userGroups' },
    strings: { TokenVersion: 'tokenVersion' },
  });
  const groups = Array.isArray(properties.UserGroupIds) ? properties.UserGroupIds : [];
  groups.forEach((id, index) => {
    if (typeof id !== 'string' || id.trim() === '') problems.push(`userGroups[${index}] must be a group id (got ${JSON.stringify(id)})`);
  });
  problems.push(...validateSignupToken({
    lifetimeSeconds: readInteger(properties.LifetimeSeconds),
    usageLimit: readInteger(properties.UsageLimit),
    userGroupIds: groups.map((id) => (typeof id === 'string' ? id : undefined)),
  }));
  return problems;
}

function tokenPath(signupTokenId: string): string {
  return `${COLLECTION}/${encodeURIComponent(signupTokenId)}`;
}
