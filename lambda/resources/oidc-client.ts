import { AdoptedSecrets, FederatedIdentityProperties, OidcClientAttributes, OidcClientProperties } from '../../lib/contract';
import { validateOidcClient } from '../../lib/private/validation';
import { logoFeaturesUsed, logoShapeProblems, writeClientLogos } from '../client-logos';
import {
  ClientSecretInfo,
  clientPath,
  createClientSecret,
  expiryOf,
  holdsValue,
  isLive,
  listClientSecrets,
  NewClientSecret,
  ownedSecretIds,
  recordedSecretIds,
  recordSecretId,
  revokeClientSecret,
} from '../client-secrets';
import { parseTimeoutSeconds } from '../connection';
import { UnexpectedResponseError } from '../errors';
import { FieldTable, heldWithout, holdsFields, declaredFields, sameCanonicalJson } from '../fields';
import { mayLandLater, sleep } from '../http-client';
import { createWithId, entityResource, EntityKind, isEntity, Made, MakeRequest, Origin, PocketIdEntity, putFields, readEntity, readEntityOrFail } from '../lifecycle';
import { listOf, readBoolean, readBooleanOrUndefined, readInteger, readString, readStringList, sameSet, shapeProblems, ShapeRules } from '../properties';
import { FeatureUse, lacks } from '../release';
import { Operation, OperationContext } from '../resource';
import { BroughtValue, ClientCredentials, credentialsOf, discoveryUrlOf, issuerOf, parseCredentials, readBroughtValue, writeSecret } from '../secrets';

/** A client as Pocket-ID returns it; only the fields this module reads are typed. */
interface PocketIdClient extends PocketIdEntity {
  readonly hasLogo?: boolean;
  readonly hasDarkLogo?: boolean;
  readonly isPublic?: boolean;
  readonly isGroupRestricted?: boolean;
  /** Only in the answer to a create, from Pocket-ID 2.17 on: the secret it made with the client, shown once. */
  readonly createdSecret?: Partial<NewClientSecret> | null;
}

/** Fields of Pocket-ID's answer that its update body does not take. */
const READ_ONLY_FIELDS = ['id', 'allowedUserGroups', 'allowedUserGroupsCount', 'pkceSupported', 'clientType', 'createdAt'];

/**
 * How each managed property maps to Pocket-ID's client body, and the value Pocket-ID gives a field
 * nobody set. Fields not listed here (logos) are never touched by updates.
 */
const FIELDS: FieldTable<OidcClientProperties> = {
  fields: [
    { property: 'Name', api: 'name', read: readString, pocketIdDefault: undefined },
    { property: 'CallbackUrls', api: 'callbackURLs', read: readStringList, pocketIdDefault: [], same: sameList },
    { property: 'LogoutCallbackUrls', api: 'logoutCallbackURLs', read: readStringList, pocketIdDefault: [], same: sameList },
    { property: 'IsPublic', api: 'isPublic', read: readBoolean, pocketIdDefault: false },
    // Pocket-ID forces PKCE on for every public client.
    { property: 'PkceEnabled', api: 'pkceEnabled', read: readBoolean, pocketIdDefault: false, same: (held, wanted, body) => body.isPublic === true || held === wanted },
    { property: 'RequiresReauthentication', api: 'requiresReauthentication', read: readBoolean, pocketIdDefault: false },
    { property: 'RequiresPushedAuthorizationRequests', api: 'requiresPushedAuthorizationRequests', read: readBoolean, pocketIdDefault: false },
    { property: 'SkipConsent', api: 'skipConsent', read: readBoolean, pocketIdDefault: false },
    { property: 'Description', api: 'description', read: readString, pocketIdDefault: '' },
    { property: 'LaunchUrl', api: 'launchURL', read: readString, pocketIdDefault: null },
    // Pocket-ID 2.17+ leaves it out of answers when there is none; older releases ignore it in a body.
    { property: 'BackchannelLogoutUrl', api: 'backchannelLogoutURL', read: readString, pocketIdDefault: '', same: (held, wanted) => (held || '') === (wanted || '') },
    { property: 'AccessTokenLifetimeMinutes', api: 'accessTokenDurationMinutes', read: readInteger, pocketIdDefault: 60 },
    { property: 'RefreshTokenLifetimeMinutes', api: 'refreshTokenDurationMinutes', read: readInteger, pocketIdDefault: 43_200 },
    {
      property: 'FederatedIdentities',
      api: 'credentials',
      read: readFederatedIdentities,
      pocketIdDefault: { federatedIdentities: [] },
      // Pocket-ID re-encodes public keys: their members may come back in another order.
      same: (held, wanted) => sameCanonicalJson(identitiesOf(held), identitiesOf(wanted)),
    },
    // A client with allowed groups is restricted to them; the list itself has its own endpoint.
    { property: 'AllowedUserGroupIds', api: 'isGroupRestricted', read: readGroupRestriction, pocketIdDefault: false },
  ],
  bodyOf: heldWithout(READ_ONLY_FIELDS),
};

const CLIENT: EntityKind<OidcClientProperties, PocketIdClient> = {
  label: 'OIDC client',
  idField: 'clientId',
  path: clientPath,
  fields: FIELDS,
  validate: validateProperties,
  featuresUsed,
  fixedId: 'ClientId',
  onMove: 'new-entity',
  adoption: {
    key: (properties) => `the client id '${properties.ClientId}'`,
    find: async (properties, context) => (properties.ClientId ? readEntity<PocketIdClient>(context, CLIENT, properties.ClientId) : undefined),
  },
  make: makeClient,
  prepareFields: allowGroupsBeforeRestricting,
  reconcile: reconcileClient,
  data: (clientId, properties) => {
    const issuer = issuerOf(properties);
    const data: OidcClientAttributes = { ClientId: clientId, IssuerUrl: issuer, DiscoveryUrl: discoveryUrlOf(issuer) };
    return { ...data };
  },
  // A PUT that lifted the group restriction emptied the allowed groups; one that kept it left them alone.
  restoreFields: async (held, operation) => {
    await putFields(CLIENT, held.id, FIELDS.bodyOf(held), operation);
    const groupIds = allowedGroupIdsOf(held);
    if (groupIds.length > 0) await putAllowedGroups(held.id, groupIds, operation);
  },
  fieldsRestored: async (held, operation) => {
    const now = await readClientOrFail(held.id, operation);
    return holdsFields(FIELDS, now, FIELDS.bodyOf(held)) && sameSet(allowedGroupIdsOf(now), allowedGroupIdsOf(held));
  },
};

export const oidcClient = entityResource(CLIENT);

async function makeClient(request: MakeRequest<OidcClientProperties>, operation: Operation): Promise<Made<PocketIdClient>> {
  const made = await createWithId(CLIENT, {
    collectionPath: '/api/oidc/clients',
    // A client id that no client held before this event is this event's.
    isDeclaredHere: () => true,
    takeOver: async (found, properties) => {
      if (await isOurs(found, properties, operation)) return found;
      throw idTaken(found.id);
    },
  }, { ...request, id: request.id! }, operation);
  operation.redactor.add(made.entity.createdSecret?.secret);
  return made;
}

/**
 * A fixed client id that is taken is taken over only when it is provably ours: our secret records it,
 * or the client already has exactly the declared settings (what the rollback of a client id change
 * finds: the old client, as this resource left it).
 */
async function isOurs(client: PocketIdClient, properties: OidcClientProperties, context: OperationContext): Promise<boolean> {
  if (properties.SecretArn && (await readStored(properties.SecretArn, client.id, context)).credentials) return true;
  return matchesDeclaredSettings(client, properties);
}

/** Whether every field the properties set has that value on the server already. */
function matchesDeclaredSettings(client: PocketIdClient, properties: OidcClientProperties): boolean {
  return holdsFields(FIELDS, client, declaredFields(FIELDS, properties));
}

function idTaken(clientId: string): Error {
  return new Error(`Create OIDC client: GET ${clientPath(clientId)} returned 200: the client id '${clientId}' already belongs to an OIDC client that this `
    + 'resource did not create (its secret is not the one stored, and its settings differ), so POST /api/oidc/clients would be refused with 409 '
    + 'client_id_already_exists. Choose another clientId, set adoptExisting to take that client over, or remove it from Pocket-ID first');
}

/** The allowed groups, the logos, then the secret: last, because a revoked secret cannot be brought back. */
async function reconcileClient(
  client: PocketIdClient,
  properties: OidcClientProperties,
  previous: Partial<OidcClientProperties>,
  operation: Operation,
  origin: Origin,
): Promise<void> {
  await writeAllowedGroups(client, properties, operation);
  await writeClientLogos(client, properties, previous, operation, origin === 'created');
  if (origin === 'updated') await reconcileSecret(client.id, properties, previous, operation);
  else if (isPublic(properties) || !properties.SecretArn) return;
  else if (origin === 'created') await storeNewClientSecret(client, properties, operation);
  else if (origin === 'adopted') await storeAdoptedClientSecret(client.id, properties, operation);
  // Made by an earlier delivery of this event, or by this resource before: its secrets are all its own.
  else await ensureStoredSecret(client.id, properties, operation, { replacesAll: true });
}

/**
 * From Pocket-ID 2.17 on, turning a client's group restriction on signs out (back-channel logout) every
 * user it does not allow yet: the allowed groups are written first, so that their members stay signed in.
 */
async function allowGroupsBeforeRestricting(held: PocketIdClient, properties: OidcClientProperties, operation: Operation): Promise<PocketIdClient> {
  const wanted = readStringList(properties.AllowedUserGroupIds) ?? [];
  if (held.isGroupRestricted || wanted.length === 0) return held;
  await writeAllowedGroups(held, properties, operation);
  return { ...held, allowedUserGroups: wanted.map((id) => ({ id })) };
}

/**
 * Stores the secret of a client this event made. Pocket-ID 2.17+ makes one with each confidential
 * client and shows it once, in the create answer: that one is stored. When the answer did not bring a
 * usable one (lost and repeated, or not expiring as secretLifetime asks), or the user brings the
 * secret, a new secret is made and stored, and any other revoked: nobody could ever read it, so the
 * client holds exactly the secret stored. (A client made by this event is removed whole on failure,
 * its secrets with it.)
 */
async function storeNewClientSecret(client: PocketIdClient, properties: OidcClientProperties, operation: Operation): Promise<void> {
  const brought = await readBroughtSecret(properties, operation);
  const made = brought === undefined && lifetimeOf(properties) === undefined ? usableCreatedSecret(client.createdSecret) : undefined;
  if (made) {
    const versionId = await writeCredentials(properties.SecretArn!, credentialsOf(client.id, made.secret, properties), undefined, operation);
    if (versionId) await recordMadeSecret(properties.SecretArn!, versionId, made.id, operation);
    return;
  }
  const othersMayExist = !lacks(operation.release, 'SECRET_MADE_WITH_CLIENT');
  await replaceSecret(client.id, properties, undefined, operation, { clientExisted: false, othersMayExist, value: brought });
}

/** The secret Pocket-ID made with the client, when it is one apps can rely on: active, and with no expiry. */
function usableCreatedSecret(created: PocketIdClient['createdSecret']): NewClientSecret | undefined {
  if (!created || typeof created.id !== 'string' || typeof created.secret !== 'string' || created.secret === '') return undefined;
  if (created.isActive === false || (created.expiresAt !== undefined && created.expiresAt !== null)) return undefined;
  return created as NewClientSecret;
}

/**
 * After an in-place update: a client that became public loses its secrets, whoever made them: a
 * public client does not authenticate with a secret, so none of them is of use to anyone any more; one that became
 * confidential, moved its secret (a new ARN), changed issuer or was told to read the secret the user
 * brings again gets its stored JSON made right. Nothing is read or written when none of that changed.
 */
async function reconcileSecret(
  clientId: string,
  properties: OidcClientProperties,
  previous: Partial<OidcClientProperties>,
  operation: Operation,
): Promise<void> {
  if (isPublic(properties)) {
    if (!isPublic(previous)) await revokeAllBut(clientId, [], operation);
    return;
  }
  if (!properties.SecretArn) return;
  const wasConfidential = !isPublic(previous) && previous.SecretArn !== undefined;
  const unchanged = wasConfidential && previous.SecretArn === properties.SecretArn && issuerOf(previous) === issuerOf(properties)
    && sameBroughtSecret(previous, properties);
  if (unchanged) return;
  const brought = await readBroughtSecret(properties, operation);
  await ensureStoredSecret(clientId, properties, operation, { previousArn: wasConfidential ? previous.SecretArn : undefined, brought });
}

/**
 * Gives an adopted confidential client its stored secret: a new one (of the value the user brings, if
 * any), unless an earlier delivery of this Create stored one that still works. The secrets it had stay
 * valid for the apps that use them, or are all revoked (AdoptedSecrets: revoke, or ExclusiveSecrets).
 */
async function storeAdoptedClientSecret(clientId: string, properties: OidcClientProperties, operation: Operation): Promise<void> {
  const revoke = (properties.AdoptedSecrets ?? (isExclusive(properties) ? AdoptedSecrets.REVOKE : AdoptedSecrets.KEEP)) === AdoptedSecrets.REVOKE;
  await ensureStoredSecret(clientId, properties, operation, { replacesAll: revoke, brought: await readBroughtSecret(properties, operation) });
}

/** What ensureStoredSecret knows besides the properties. */
interface Repair {
  /** The secret ARN of the previous properties, whose credentials may still be live. */
  readonly previousArn?: string;
  /**
   * Every secret the client holds is replaced by the new one: this resource made the client (they are
   * all its own), or the user asked that an adopted client's secrets be revoked.
   */
  readonly replacesAll?: boolean;
  /** The value of the secret the user brings, read for this event: only a stored secret holding it counts. */
  readonly brought?: string;
}

/**
 * Makes the secret at SecretArn hold valid credentials for a client that existed before this event (a
 * new one gets its secret from storeNewClientSecret). A client secret Pocket-ID still holds is kept: the one the
 * secret holds, else the one it held before its latest write (a rollback puts it back), else the one
 * of the previous secret ARN; only when none is live is a new one made: of the value the user brings,
 * if any, else generated. So a path that finds the apps' secret alive never rotates or revokes it.
 */
async function ensureStoredSecret(clientId: string, properties: OidcClientProperties, operation: Operation, repair: Repair = {}): Promise<void> {
  const secretArn = properties.SecretArn!;
  const stored = await readStored(secretArn, clientId, operation);
  // Only a secret this library wrote to (it holds credentials, of this client or another) has a version before that worth a look.
  const written = parseCredentials(stored.value) !== undefined;
  const { previousArn, brought } = repair;
  const { live, listed } = await firstLive(clientId, [
    () => stored.credentials,
    async () => (written ? (await readPreviousStored(secretArn, clientId, operation))?.credentials : undefined),
    async () => (previousArn ? (await readStored(previousArn, clientId, operation)).credentials : undefined),
  ], operation, brought);
  if (!live) {
    const value = brought ?? await readBroughtSecret(properties, operation);
    if (brought !== undefined) operation.logger.info('replacing the client secret with the value of clientSecret', { clientId });
    else operation.logger.warn('no stored client secret that Pocket-ID still holds: replacing it', { clientId, brought: value !== undefined });
    const replacement = { clientExisted: true, othersMayExist: true, replacesAll: repair.replacesAll, value, listed };
    await replaceSecret(clientId, properties, stored, operation, replacement);
    return;
  }
  const wanted = credentialsOf(clientId, live.clientSecret, properties);
  if (JSON.stringify(stored.credentials) !== JSON.stringify(wanted)) await writeCredentials(secretArn, wanted, stored, operation);
}

/** The first live candidate, and the client's secrets when they had to be listed to tell. */
interface LiveSearch {
  readonly live?: ClientCredentials;
  readonly listed?: ClientSecretInfo[];
}

/** The first candidate (holding `value`, when given) whose secret Pocket-ID still holds live for the client. */
async function firstLive(
  clientId: string,
  candidates: ReadonlyArray<() => Promise<ClientCredentials | undefined> | ClientCredentials | undefined>,
  context: OperationContext,
  value?: string,
): Promise<LiveSearch> {
  let listed: ClientSecretInfo[] | undefined;
  for (const candidate of candidates) {
    const found = await candidate();
    if (!found || (value !== undefined && found.clientSecret !== value)) continue;
    listed ??= await listClientSecrets(clientId, context);
    if (listed.some((secret) => isLive(secret) && holdsValue(secret, found.clientSecret))) return { live: found, listed };
  }
  return { listed };
}

/**
 * Whether the client existed before this operation, whether it may hold secrets nobody stored, whether
 * the new secret replaces every one it holds (Repair.replacesAll), the new secret's value when the user
 * brings it, and the client's secrets when this operation has just listed them.
 */
interface Replacement {
  readonly clientExisted: boolean;
  readonly othersMayExist: boolean;
  readonly replacesAll?: boolean;
  readonly value?: string;
  readonly listed?: ClientSecretInfo[];
}

/**
 * Has Pocket-ID make a secret (of the value given, else one it generates; expiring after
 * secretLifetime, if set), stores it and records its id, then revokes the secrets it replaces: for a
 * client that existed, those this library made (every one, with exclusive secrets); for a new one on
 * 2.17+, the one Pocket-ID made with it, which nobody could read. Last, because a revoked secret
 * cannot be brought back. For a client that existed, every secret made from here on is revoked again
 * on failure, arranged before the POST, whose answer may be lost after Pocket-ID made the secret (a new
 * client is removed whole instead).
 */
async function replaceSecret(
  clientId: string,
  properties: OidcClientProperties,
  stored: StoredSecret | undefined,
  operation: Operation,
  { clientExisted, othersMayExist, replacesAll, value, listed }: Replacement,
): Promise<void> {
  const before = clientExisted || othersMayExist ? listed ?? await listClientSecrets(clientId, operation) : [];
  // A POST that got no answer in time may still be on its way: when it has made nothing yet, the undo
  // waits one more request timeout for it to land before it takes the POST for lost.
  let postMayLandLater = false;
  if (clientExisted) {
    const known = before.map((secret) => secret.id);
    const revokeNew = async () => {
      if (await revokeAllBut(clientId, known, operation) > 0 || !postMayLandLater) return;
      await sleep(parseTimeoutSeconds(properties.TimeoutSeconds) * 1000);
      await revokeAllBut(clientId, known, operation);
    };
    operation.undo.add(`the new secrets of OIDC client ${clientId}`, revokeNew, {
      requests: 3,
      partOf: clientId,
      isUndone: async () => (await listClientSecrets(clientId, operation)).every((secret) => known.includes(secret.id)),
    });
  }
  const created = await createClientSecret(clientId, { secret: value, expiresAt: expiryOf(lifetimeOf(properties)) }, operation).catch((error) => {
    postMayLandLater = mayLandLater(error);
    throw error;
  });
  const secretArn = properties.SecretArn!;
  const versionId = await writeCredentials(secretArn, credentialsOf(clientId, created.secret, properties), stored, operation);
  const replaced = clientExisted && !replacesAll ? await ownedOrAll(before, secretArn, stored, properties, operation) : before;
  for (const secret of replaced) await revokeClientSecret(clientId, secret.id, operation);
  if (versionId) await recordMadeSecret(secretArn, versionId, created.id, operation);
}

/** Of the secrets listed, those this library made (recorded, or holding a value stored), or all of them with exclusive secrets. */
async function ownedOrAll(
  listed: ClientSecretInfo[],
  secretArn: string,
  stored: StoredSecret | undefined,
  properties: OidcClientProperties,
  context: OperationContext,
): Promise<ClientSecretInfo[]> {
  if (isExclusive(properties) || listed.length === 0) return listed;
  const recorded = recordedSecretIds(await context.secrets.versions(secretArn));
  const owned = ownedSecretIds(recorded, [stored?.credentials?.clientSecret], listed);
  return listed.filter((secret) => owned.has(secret.id));
}

/**
 * Records on the version just written that this library made the secret. A record that could not be
 * written loses nothing: AWSCURRENT holds the secret's value, which tells it as ours too.
 */
async function recordMadeSecret(secretArn: string, versionId: string, secretId: string, context: OperationContext): Promise<void> {
  try {
    await recordSecretId(context.secrets, secretArn, versionId, secretId);
  } catch (error) {
    context.logger.warn('could not record the id of the client secret made', { secretId, error: (error as Error).message });
  }
}

/** Revokes every secret of the client but those in `keep`; answers how many it revoked. */
async function revokeAllBut(clientId: string, keep: readonly string[], context: OperationContext): Promise<number> {
  const revoked = (await listClientSecrets(clientId, context)).filter((s) => !keep.includes(s.id));
  for (const secret of revoked) await revokeClientSecret(clientId, secret.id, context);
  return revoked.length;
}

/** What a client's secret holds: its value as it is, and the credentials of this client in it, if any. */
interface StoredSecret {
  readonly secretArn: string;
  readonly value: string;
  readonly credentials?: ClientCredentials;
}

/** Reads a secret; a failure to read it is an error (never taken for "no credentials", which would rotate the secret). */
async function readStored(secretArn: string, clientId: string, context: OperationContext): Promise<StoredSecret> {
  return storedOf(secretArn, await context.secrets.readString(secretArn), clientId, context);
}

/** The secret's value before its latest write (AWSPREVIOUS), if it has one. */
async function readPreviousStored(secretArn: string, clientId: string, context: OperationContext): Promise<StoredSecret | undefined> {
  const value = await context.secrets.readPreviousString(secretArn);
  return value === undefined ? undefined : storedOf(secretArn, value, clientId, context);
}

function storedOf(secretArn: string, value: string, clientId: string, context: OperationContext): StoredSecret {
  const parsed = parseCredentials(value);
  context.redactor.add(parsed?.clientSecret);
  return { secretArn, value, credentials: parsed?.clientId === clientId ? parsed : undefined };
}

/** The client secret the user brings: Pocket-ID's rule for a secret it is given (min=16, printascii). */
const BROUGHT_SECRET: BroughtValue = {
  prop: 'clientSecret',
  fieldProp: 'clientSecretField',
  what: 'the client secret',
  kind: 'a client secret Pocket-ID takes',
  minLength: 16,
  allows: (character) => /[\x20-\x7E]/.test(character),
  rule: 'at least 16 printable ASCII characters (letters, digits, punctuation and spaces; no line breaks or tabs)',
  disallowed: 'not printable ASCII',
};
/** The properties that say which value the client secret the user brings has. */
const BROUGHT_SECRET_PROPERTIES = ['ClientSecretSource', 'ClientSecretField', 'ClientSecretVersion'] as const;

/** The client secret the user brings, read now (undefined when they bring none). */
async function readBroughtSecret(properties: OidcClientProperties, context: OperationContext): Promise<string | undefined> {
  const secretId = readString(properties.ClientSecretSource);
  if (secretId === undefined) return undefined;
  return readBroughtValue(context, { secretId, field: properties.ClientSecretField }, BROUGHT_SECRET);
}

/** Whether the properties name the same value of the secret the user brings (or both bring none). */
function sameBroughtSecret(previous: Partial<OidcClientProperties>, properties: OidcClientProperties): boolean {
  return BROUGHT_SECRET_PROPERTIES.every((key) => previous[key] === properties[key]);
}

/**
 * Writes the credentials; on failure the secret gets back the value it had (`previous`, when it was
 * read), arranged before the write, whose answer may be lost after Secrets Manager stored the value.
 */
async function writeCredentials(secretArn: string, value: ClientCredentials, previous: StoredSecret | undefined, operation: Operation) {
  return writeSecret(operation, secretArn, JSON.stringify(value), previous?.value);
}

/**
 * Writes the allowed groups when the properties manage them and they differ from what Pocket-ID holds.
 * When they stop being managed, the PUT of the client already cleared them (isGroupRestricted false).
 */
async function writeAllowedGroups(client: PocketIdClient, properties: OidcClientProperties, operation: Operation): Promise<void> {
  const wanted = readStringList(properties.AllowedUserGroupIds);
  const current = allowedGroupIdsOf(client);
  if (wanted === undefined || sameSet(wanted, current)) return;
  operation.undo.add(`the previous allowed user groups of OIDC client ${client.id}`, () => putAllowedGroups(client.id, current, operation), {
    partOf: client.id,
    isUndone: async () => sameSet(allowedGroupIdsOf(await readClientOrFail(client.id, operation)), current),
  });
  await putAllowedGroups(client.id, wanted, operation);
  // Groups the client already had are known to exist; only a new one can have been dropped.
  if (wanted.some((groupId) => !current.includes(groupId))) await assertAllowedGroupsKept(client.id, wanted, operation);
}

/** Pocket-ID drops unknown group ids without a word: a client restricted to nobody must not pass for done. */
async function assertAllowedGroupsKept(clientId: string, wanted: string[], context: OperationContext): Promise<void> {
  const client = await readEntity<PocketIdClient>(context, { label: 'OIDC client with its allowed user groups', path: clientPath }, clientId);
  if (!client || !(Array.isArray(client.allowedUserGroups) || client.allowedUserGroups === null)) {
    const request = { operation: 'Read the allowed user groups of OIDC client', method: 'GET', path: clientPath(clientId) };
    throw new UnexpectedResponseError(request, 'not the client with its allowed user groups');
  }
  const kept = allowedGroupIdsOf(client);
  const missing = wanted.filter((groupId) => !kept.includes(groupId));
  if (missing.length > 0) {
    throw new Error(`allowedUserGroups: PUT ${clientPath(clientId)}/allowed-user-groups returned 200, but Pocket-ID has no user group `
      + `${missing.join(', ')} and dropped it (deleted outside CloudFormation, or from another instance?). `
      + 'Create the group first or remove it from allowedUserGroups; the client was left as it was.');
  }
}

async function putAllowedGroups(clientId: string, groupIds: string[], context: OperationContext): Promise<void> {
  const path = `${clientPath(clientId)}/allowed-user-groups`;
  await context.api.put('Set the allowed user groups of OIDC client', path, { userGroupIds: groupIds }, { expect: isEntity(clientId) });
}

function readClientOrFail(clientId: string, context: OperationContext): Promise<PocketIdClient> {
  return readEntityOrFail<PocketIdClient>(context, CLIENT, clientId);
}

function allowedGroupIdsOf(client: PocketIdClient): string[] {
  return listOf<{ id: string }>(client.allowedUserGroups).map((group) => group.id);
}

function readGroupRestriction(value: unknown): boolean | undefined {
  const groupIds = readStringList(value);
  return groupIds === undefined ? undefined : groupIds.length > 0;
}

function sameList(held: unknown, wanted: unknown): boolean {
  return JSON.stringify(listOf(held)) === JSON.stringify(listOf(wanted));
}

function identitiesOf(held: unknown): unknown[] {
  return listOf((held as { federatedIdentities?: unknown } | undefined | null)?.federatedIdentities);
}

/** What CloudFormation must deliver for each property, named as the construct's props are. */
const SHAPES: ShapeRules = {
  lists: { CallbackUrls: 'callbackUrls', LogoutCallbackUrls: 'logoutCallbackUrls', AllowedUserGroupIds: 'allowedUserGroups', FederatedIdentities: 'federatedIdentities' },
  strings: {
    Description: 'description',
    LaunchUrl: 'launchUrl',
    BackchannelLogoutUrl: 'backchannelLogoutUrl',
    ClientId: 'clientId',
    ClientSecretSource: 'clientSecret',
    ClientSecretField: 'clientSecretField',
    ClientSecretVersion: 'clientSecretVersion',
  },
  booleans: {
    IsPublic: 'isPublic',
    PkceEnabled: 'pkceEnabled',
    RequiresReauthentication: 'requiresReauthentication',
    RequiresPushedAuthorizationRequests: 'requiresPushedAuthorizationRequests',
    SkipConsent: 'skipConsent',
    ExclusiveSecrets: 'exclusiveSecrets',
    AdoptExisting: 'adoptExisting',
  },
  required: { Name: 'name' },
};

/** The properties that need a Pocket-ID newer than 2.14. */
function featuresUsed(properties: OidcClientProperties): FeatureUse[] {
  const uses: FeatureUse[] = logoFeaturesUsed(properties);
  if (readString(properties.BackchannelLogoutUrl)) uses.push({ prop: 'backchannelLogoutUrl', feature: 'BACKCHANNEL_LOGOUT' });
  listOf<FederatedIdentityProperties>(properties.FederatedIdentities).forEach((identity, index) => {
    if (listOf(identity?.PublicKeys).length > 0) uses.push({ prop: `federatedIdentities[${index}].publicKeys`, feature: 'FEDERATED_PUBLIC_KEYS' });
  });
  return uses;
}

function validateProperties(raw: Record<string, unknown>): string[] {
  const properties = raw as unknown as OidcClientProperties;
  const problems = [...shapeProblems(raw, SHAPES), ...logoShapeProblems(properties)];
  problems.push(...validateOidcClient({
    name: readString(properties.Name),
    clientId: readString(properties.ClientId),
    description: readString(properties.Description),
    callbackUrls: readStringList(properties.CallbackUrls),
    logoutCallbackUrls: readStringList(properties.LogoutCallbackUrls),
    launchUrl: readString(properties.LaunchUrl),
    backchannelLogoutUrl: readString(properties.BackchannelLogoutUrl),
    isPublic: readBooleanOrUndefined(properties.IsPublic),
    requiresPushedAuthorizationRequests: readBooleanOrUndefined(properties.RequiresPushedAuthorizationRequests),
    accessTokenLifetimeMinutes: readInteger(properties.AccessTokenLifetimeMinutes),
    refreshTokenLifetimeMinutes: readInteger(properties.RefreshTokenLifetimeMinutes),
    federatedIdentities: listOf<FederatedIdentityProperties>(properties.FederatedIdentities).map((identity) => ({
      issuer: readString(identity?.Issuer) ?? '',
      jwksUrl: readString(identity?.JwksUrl),
      publicKeys: readStringList(identity?.PublicKeys),
    })),
    bringsSecret: readString(properties.ClientSecretSource) !== undefined,
    clientSecretField: readString(properties.ClientSecretField),
    clientSecretVersion: readString(properties.ClientSecretVersion),
    hasClientId: readString(properties.ClientId) !== undefined,
    exclusiveSecrets: isExclusive(properties),
    adoptExisting: readBooleanOrUndefined(properties.AdoptExisting),
    adoptedSecrets: properties.AdoptedSecrets,
  }));
  if (properties.ClientSecretSource === '') problems.push('clientSecret must name a Secrets Manager secret (ClientSecretSource is empty)');
  listOf<FederatedIdentityProperties>(properties.FederatedIdentities).forEach((identity, index) => {
    if (identity?.PublicKeys !== undefined && !Array.isArray(identity.PublicKeys)) {
      problems.push(`federatedIdentities[${index}].publicKeys must be a list of public JWKs, each as JSON text`);
    }
  });
  if (!isPublic(properties) && !properties.SecretArn) problems.push('a confidential client needs SecretArn (the construct sets it)');
  const lifetime = properties.SecretLifetimeSeconds;
  if (lifetime !== undefined && !(typeof lifetime === 'string' && /^\d+$/.test(lifetime) && Number(lifetime) >= 3600)) {
    problems.push(`secretLifetime must be a whole number of seconds, at least 3600 (got ${JSON.stringify(lifetime)})`);
  }
  return problems;
}

function readFederatedIdentities(value: unknown): unknown {
  if (value === undefined || value === null) return undefined;
  return {
    federatedIdentities: listOf<FederatedIdentityProperties>(value).map((identity) => dropUndefined({
      issuer: identity.Issuer,
      subject: identity.Subject,
      audience: identity.Audience,
      jwks: identity.JwksUrl,
      publicKeys: publicKeysOf(identity.PublicKeys),
      replayProtection: readBoolean(identity.ReplayProtection) ?? false,
    })),
  };
}

/** The keys as JSON objects, as Pocket-ID takes them; none when the list is empty (Pocket-ID omits an empty one). */
function publicKeysOf(value: unknown): unknown[] | undefined {
  const keys = readStringList(value) ?? [];
  return keys.length > 0 ? keys.map((text) => JSON.parse(text)) : undefined;
}

function dropUndefined(object: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined));
}

function isPublic(properties: Partial<OidcClientProperties>): boolean {
  return properties.IsPublic === 'true' || (properties.IsPublic as unknown) === true;
}

function lifetimeOf(properties: OidcClientProperties): number | undefined {
  return properties.SecretLifetimeSeconds === undefined ? undefined : Number(properties.SecretLifetimeSeconds);
}

function isExclusive(properties: OidcClientProperties): boolean {
  return properties.ExclusiveSecrets === 'true';
}
