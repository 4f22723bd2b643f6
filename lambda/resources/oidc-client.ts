import { FederatedIdentityProperties, OidcClientAttributes, OidcClientProperties } from '../../lib/contract';
import { validateOidcClient } from '../../lib/private/validation';
import { PocketIdApiError, UnexpectedResponseError } from '../errors';
import { deterministicUuid } from '../ids';
import { readBoolean, readInteger, readString, readStringList, sameSet, shapeProblems, ShapeRules } from '../properties';
import { Compensation, CreateEvent, DeleteEvent, HandlerResult, OperationContext, ResourceHandler, UpdateEvent } from '../resource';
import { ClientCredentials, parseCredentials, undoWrite } from '../secrets';

/** A client as Pocket-ID returns it; only the fields this module reads are typed. */
interface PocketIdClient {
  readonly id: string;
  readonly isPublic?: boolean;
  readonly [field: string]: unknown;
}

interface ClientSecretInfo {
  readonly id: string;
  /** The secret's first characters. */
  readonly prefix?: string;
}

/**
 * How each managed property maps to Pocket-ID's client body, and the value Pocket-ID gives a field
 * nobody set. Fields not listed here (logos, group restriction) are never touched by updates.
 */
const FIELDS: ReadonlyArray<{ property: keyof OidcClientProperties; api: string; read: (value: unknown) => unknown; pocketIdDefault: unknown }> = [
  { property: 'Name', api: 'name', read: readString, pocketIdDefault: undefined },
  { property: 'CallbackUrls', api: 'callbackURLs', read: readStringList, pocketIdDefault: [] },
  { property: 'LogoutCallbackUrls', api: 'logoutCallbackURLs', read: readStringList, pocketIdDefault: [] },
  { property: 'IsPublic', api: 'isPublic', read: readBoolean, pocketIdDefault: false },
  { property: 'PkceEnabled', api: 'pkceEnabled', read: readBoolean, pocketIdDefault: false },
  { property: 'RequiresReauthentication', api: 'requiresReauthentication', read: readBoolean, pocketIdDefault: false },
  { property: 'RequiresPushedAuthorizationRequests', api: 'requiresPushedAuthorizationRequests', read: readBoolean, pocketIdDefault: false },
  { property: 'SkipConsent', api: 'skipConsent', read: readBoolean, pocketIdDefault: false },
  { property: 'Description', api: 'description', read: readString, pocketIdDefault: '' },
  { property: 'LaunchUrl', api: 'launchURL', read: readString, pocketIdDefault: null },
  { property: 'AccessTokenLifetimeMinutes', api: 'accessTokenDurationMinutes', read: readInteger, pocketIdDefault: 60 },
  { property: 'RefreshTokenLifetimeMinutes', api: 'refreshTokenDurationMinutes', read: readInteger, pocketIdDefault: 43_200 },
  { property: 'FederatedIdentities', api: 'credentials', read: readFederatedIdentities, pocketIdDefault: { federatedIdentities: [] } },
  // A client with allowed groups is restricted to them; the list itself has its own endpoint.
  { property: 'AllowedUserGroupIds', api: 'isGroupRestricted', read: readGroupRestriction, pocketIdDefault: false },
];

/** Fields of Pocket-ID's answer that its update body does not take. */
const READ_ONLY_FIELDS = ['id', 'allowedUserGroups', 'allowedUserGroupsCount', 'pkceSupported', 'clientType', 'createdAt'];

export const oidcClient: ResourceHandler = {
  validate: validateProperties,

  async create(event: CreateEvent, context: OperationContext): Promise<HandlerResult> {
    const properties = event.ResourceProperties as unknown as OidcClientProperties;
    const clientId = properties.ClientId ?? deterministicUuid(event);
    return createClient(clientId, properties, context);
  },

  async update(event: UpdateEvent, context: OperationContext): Promise<HandlerResult> {
    const properties = event.ResourceProperties as unknown as OidcClientProperties;
    const previous = event.OldResourceProperties as unknown as OidcClientProperties;
    if (properties.ClientId !== previous.ClientId) {
      context.logger.info('the fixed client id changed: creating a replacement client', { from: previous.ClientId, to: properties.ClientId });
      return createClient(properties.ClientId ?? deterministicUuid(event), properties, context);
    }
    const clientId = event.PhysicalResourceId;
    const current = await readClient(clientId, context);
    if (!current) {
      context.logger.warn('the client was deleted outside CloudFormation: creating it again', { clientId });
      return createClient(properties.ClientId ?? deterministicUuid(event), properties, context);
    }
    const compensation = new Compensation(context.logger);
    try {
      // Registered before the PUT: a PUT whose answer was lost may have changed the client all the same.
      compensation.add(`the previous settings of OIDC client ${clientId}`, () => restoreClient(current, context));
      const body = updateBody(current, properties, previous);
      if (!holdsSettings(current, body)) await putClient(clientId, body, context);
      await writeAllowedGroups(clientId, properties, allowedGroupIdsOf(current), context);
      await reconcileSecret(clientId, properties, previous, context, compensation);
      return result(clientId, properties);
    } catch (error) {
      throw await compensation.rollback(error);
    }
  },

  async delete(event: DeleteEvent, context: OperationContext): Promise<HandlerResult> {
    const clientId = event.PhysicalResourceId;
    const deleted = await context.api.delete('Delete OIDC client', clientPath(clientId));
    context.logger.info(deleted ? 'deleted the OIDC client' : 'the OIDC client was already gone', { clientId });
    return { PhysicalResourceId: clientId };
  },
};

async function createClient(clientId: string, properties: OidcClientProperties, context: OperationContext): Promise<HandlerResult> {
  const compensation = new Compensation(context.logger);
  try {
    const adopted = await postClient(clientId, properties, context, compensation);
    await writeAllowedGroups(clientId, properties, [], context);
    if (!isPublic(properties) && properties.SecretArn) {
      // A client taken over keeps the secret its creator stored; one this event made has none to read.
      const stored = adopted ? await readStored(properties.SecretArn, clientId, context) : undefined;
      const keeps = stored?.credentials && await isLive(clientId, stored.credentials, context);
      if (!keeps) await replaceSecret(clientId, properties, stored, context, compensation, adopted);
    }
    context.logger.info(adopted ? 'completed an OIDC client created by an earlier delivery of this event' : 'created the OIDC client', { clientId });
    return result(clientId, properties);
  } catch (error) {
    throw await compensation.rollback(error);
  }
}

/**
 * Creates the client; returns true when it already existed from an earlier attempt or delivery of
 * the same event. A generated id can only be this event's, and so is a fixed id no client held before:
 * such a client is removed again on failure, and its removal is arranged before the POST, whose
 * answer may be lost after Pocket-ID made the client. For the same reason the POST is repeated like a
 * PUT: Pocket-ID refuses a second client with the id.
 */
async function postClient(
  clientId: string,
  properties: OidcClientProperties,
  context: OperationContext,
  compensation: Compensation,
): Promise<boolean> {
  const ownsId = properties.ClientId === undefined || !(await readClient(clientId, context));
  if (ownsId) compensation.add(`OIDC client ${clientId}`, () => context.api.delete('Remove the partly created OIDC client', clientPath(clientId)));
  try {
    await context.api.post('Create OIDC client', '/api/oidc/clients', { id: clientId, ...desiredFields(properties) }, { repeatable: true, expect: isClient(clientId) });
    return false;
  } catch (error) {
    if (!(error instanceof PocketIdApiError && error.status === 409 && error.code === 'client_id_already_exists')) throw error;
    if (ownsId || await isOurs(clientId, properties, context)) return true;
    throw error;
  }
}

/**
 * A fixed client id that existed before this event is taken over only when it is provably ours: our
 * secret records it, or the client already has exactly the declared settings (what the rollback of a
 * client id change finds: the old client, as this resource left it).
 */
async function isOurs(clientId: string, properties: OidcClientProperties, context: OperationContext): Promise<boolean> {
  if (properties.SecretArn && (await readStored(properties.SecretArn, clientId, context)).credentials) return true;
  const existing = await readClient(clientId, context);
  return existing !== undefined && matchesDeclaredSettings(existing, properties);
}

/** Whether every field the properties set has that value on the server already. */
export function matchesDeclaredSettings(client: PocketIdClient, properties: OidcClientProperties): boolean {
  return holdsSettings(client, desiredFields(properties));
}

/** Whether the client has these settings already; PKCE aside for a public client, which Pocket-ID forces it on for. */
function holdsSettings(client: PocketIdClient, settings: Record<string, unknown>): boolean {
  return Object.entries(settings).every(([field, value]) => (field === 'pkceEnabled' && settings.isPublic === true) || sameValue(field, client[field], value));
}

function sameValue(field: string, actual: unknown, desired: unknown): boolean {
  if (field === 'credentials') {
    const identities = (value: unknown) => JSON.stringify((value as { federatedIdentities?: unknown[] } | undefined)?.federatedIdentities ?? []);
    return identities(actual) === identities(desired);
  }
  return JSON.stringify(actual ?? null) === JSON.stringify(desired ?? null);
}

/**
 * Has Pocket-ID generate a secret, stores it, then revokes the client's other secrets, which nobody
 * could read any more: last, because a revoked secret cannot be brought back. For a client that
 * existed before this operation, every secret made from here on is revoked again on failure, arranged
 * before the POST, whose answer may be lost after Pocket-ID made the secret (a new client is removed
 * whole instead).
 */
async function replaceSecret(
  clientId: string,
  properties: OidcClientProperties,
  stored: StoredSecret | undefined,
  context: OperationContext,
  compensation: Compensation,
  clientExisted: boolean,
): Promise<void> {
  if (clientExisted) {
    const known = (await listSecrets(clientId, context)).map((secret) => secret.id);
    compensation.add(`the new secrets of OIDC client ${clientId}`, () => revokeSecrets(clientId, context, known));
  }
  const path = `${clientPath(clientId)}/secrets`;
  const created = await context.api.post<{ id: string; secret: string }>('Create OIDC client secret', path, {}, { expect: isNewSecret });
  context.redactor.add(created.secret);
  await writeCredentials(properties.SecretArn!, credentials(clientId, created.secret, properties), stored, context, compensation);
  if (clientExisted) await revokeSecrets(clientId, context, [created.id]);
}

/**
 * After an in-place update: a client that became public loses its secrets; one that became
 * confidential, moved its secret (a new ARN) or changed issuer gets its stored JSON made right.
 * Nothing is read or written when none of that changed.
 */
async function reconcileSecret(
  clientId: string,
  properties: OidcClientProperties,
  previous: OidcClientProperties,
  context: OperationContext,
  compensation: Compensation,
): Promise<void> {
  if (isPublic(properties)) {
    // The last step of the update: a revoked secret cannot be brought back.
    if (!isPublic(previous)) await revokeSecrets(clientId, context);
    return;
  }
  if (!properties.SecretArn) return;
  const wasConfidential = !isPublic(previous) && previous.SecretArn !== undefined;
  const unchanged = wasConfidential && previous.SecretArn === properties.SecretArn && issuerOf(previous) === issuerOf(properties);
  if (unchanged) return;
  await ensureStoredSecret(clientId, properties, wasConfidential ? previous.SecretArn : undefined, context, compensation);
}

/**
 * Makes the secret at SecretArn hold valid credentials: keeps the client secret it already holds (a
 * rollback), else copies the one from the previous secret, else has Pocket-ID generate a new one.
 * Stored credentials count only while Pocket-ID still holds their secret: a client that was public
 * in between lost every secret.
 */
async function ensureStoredSecret(
  clientId: string,
  properties: OidcClientProperties,
  previousArn: string | undefined,
  context: OperationContext,
  compensation: Compensation,
): Promise<void> {
  const stored = await readStored(properties.SecretArn!, clientId, context);
  const candidate = stored.credentials ?? (previousArn ? (await readStored(previousArn, clientId, context)).credentials : undefined);
  const existing = candidate && await isLive(clientId, candidate, context) ? candidate : undefined;
  if (existing) {
    const wanted = credentials(clientId, existing.clientSecret, properties);
    if (JSON.stringify(stored.credentials) !== JSON.stringify(wanted)) {
      await writeCredentials(properties.SecretArn!, wanted, stored, context, compensation);
    }
    return;
  }
  context.logger.warn('no stored client secret found: generating a new one', { clientId });
  await replaceSecret(clientId, properties, stored, context, compensation, true);
}

/** What a client's secret holds: its value as it is, and the credentials of this client in it, if any. */
interface StoredSecret {
  readonly secretArn: string;
  readonly value: string;
  readonly credentials?: ClientCredentials;
}

/** Reads a secret; a failure to read it is an error (never taken for "no credentials", which would rotate the secret). */
async function readStored(secretArn: string, clientId: string, context: OperationContext): Promise<StoredSecret> {
  const value = await context.secrets.readString(secretArn);
  const parsed = parseCredentials(value);
  context.redactor.add(parsed?.clientSecret);
  return { secretArn, value, credentials: parsed?.clientId === clientId ? parsed : undefined };
}

/**
 * Writes the credentials; on failure the secret gets back the value it had (`previous`, when it was
 * read), arranged before the write, whose answer may be lost after Secrets Manager stored the value.
 */
async function writeCredentials(
  secretArn: string,
  value: ClientCredentials,
  previous: StoredSecret | undefined,
  context: OperationContext,
  compensation: Compensation,
): Promise<void> {
  const text = JSON.stringify(value);
  compensation.add(`the previous value of secret ${secretArn}`, undoWrite(context.secrets, secretArn, text, previous?.value));
  await context.secrets.writeString(secretArn, text);
}

/** Puts back the settings and the allowed groups the client had before this update. */
async function restoreClient(previous: PocketIdClient, context: OperationContext): Promise<void> {
  await putClient(previous.id, bodyOf(previous), context);
  // A PUT that lifted the group restriction emptied the list; one that kept it left the list alone.
  const groupIds = allowedGroupIdsOf(previous);
  if (groupIds.length > 0) await putAllowedGroups(previous.id, groupIds, context);
}

async function putClient(clientId: string, body: Record<string, unknown>, context: OperationContext): Promise<void> {
  await context.api.put('Update OIDC client', clientPath(clientId), body, { expect: isClient(clientId) });
}

/**
 * Writes the allowed groups when the properties manage them and they differ from what Pocket-ID holds.
 * When they stop being managed, the PUT of the client already cleared them (isGroupRestricted false).
 */
async function writeAllowedGroups(clientId: string, properties: OidcClientProperties, current: string[], context: OperationContext): Promise<void> {
  const wanted = readStringList(properties.AllowedUserGroupIds);
  if (wanted === undefined || sameSet(wanted, current)) return;
  await putAllowedGroups(clientId, wanted, context);
  // Groups the client already had are known to exist; only a new one can have been dropped.
  if (wanted.some((groupId) => !current.includes(groupId))) await assertAllowedGroupsKept(clientId, wanted, context);
}

/** Pocket-ID drops unknown group ids without a word: a client restricted to nobody must not pass for done. */
async function assertAllowedGroupsKept(clientId: string, wanted: string[], context: OperationContext): Promise<void> {
  const request = { operation: 'Read the allowed user groups of OIDC client', method: 'GET', path: clientPath(clientId) };
  const client = await context.api.get<PocketIdClient>(request.operation, request.path);
  if (client?.id !== clientId || !Array.isArray(client.allowedUserGroups)) {
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
  await context.api.put('Set the allowed user groups of OIDC client', path, { userGroupIds: groupIds }, { expect: isClient(clientId) });
}

function allowedGroupIdsOf(client: PocketIdClient): string[] {
  const groups = client.allowedUserGroups;
  return Array.isArray(groups) ? groups.map((group: { id: string }) => group.id) : [];
}

function readGroupRestriction(value: unknown): boolean | undefined {
  const groupIds = readStringList(value);
  return groupIds === undefined ? undefined : groupIds.length > 0;
}

/** Revokes every secret of the client but those in `keep`. */
async function revokeSecrets(clientId: string, context: OperationContext, keep: readonly string[] = []): Promise<void> {
  for (const secret of (await listSecrets(clientId, context)).filter((s) => !keep.includes(s.id))) {
    const isGone = async () => !(await listSecrets(clientId, context)).some((s) => s.id === secret.id);
    await context.api.delete('Revoke OIDC client secret', `${clientPath(clientId)}/secrets/${encodeURIComponent(secret.id)}`, isGone);
  }
}

/** Whether Pocket-ID holds a secret of the client that the credentials' secret can be (by its prefix, when Pocket-ID shows one). */
async function isLive(clientId: string, stored: ClientCredentials, context: OperationContext): Promise<boolean> {
  const secrets = await listSecrets(clientId, context);
  return secrets.some((secret) => !secret.prefix || stored.clientSecret.startsWith(secret.prefix));
}

async function listSecrets(clientId: string, context: OperationContext): Promise<ClientSecretInfo[]> {
  const secrets = await context.api.get<ClientSecretInfo[] | null>('List OIDC client secrets', `${clientPath(clientId)}/secrets`);
  if (secrets !== null && !(Array.isArray(secrets) && secrets.every((s) => typeof s?.id === 'string'))) {
    throw new UnexpectedResponseError({ operation: 'List OIDC client secrets', method: 'GET', path: `${clientPath(clientId)}/secrets` }, 'not a list of secrets');
  }
  return secrets ?? [];
}

async function readClient(clientId: string, context: OperationContext): Promise<PocketIdClient | undefined> {
  try {
    const client = await context.api.get<PocketIdClient>('Read OIDC client', clientPath(clientId));
    if (!isClient(clientId)(client)) {
      throw new UnexpectedResponseError({ operation: 'Read OIDC client', method: 'GET', path: clientPath(clientId) }, 'not the client asked for');
    }
    return client;
  } catch (error) {
    if (error instanceof PocketIdApiError && error.isEntityNotFound) return undefined;
    throw error;
  }
}

/** Pocket-ID answers a client's requests with the client. */
function isClient(clientId: string): (answer: unknown) => answer is PocketIdClient {
  return (answer): answer is PocketIdClient => typeof answer === 'object' && answer !== null && (answer as PocketIdClient).id === clientId;
}

function isNewSecret(answer: unknown): boolean {
  const secret = answer as { id?: unknown; secret?: unknown } | undefined;
  return typeof secret?.id === 'string' && typeof secret.secret === 'string' && secret.secret !== '';
}

/** The client as Pocket-ID's full-replace PUT takes it back. */
function bodyOf(client: PocketIdClient): Record<string, unknown> {
  const body: Record<string, unknown> = { ...client };
  for (const field of READ_ONLY_FIELDS) delete body[field];
  return body;
}

/** The body for Pocket-ID's full-replace PUT: the server's values, overlaid with what the user manages. */
export function updateBody(current: PocketIdClient, properties: OidcClientProperties, previous: OidcClientProperties): Record<string, unknown> {
  const body = bodyOf(current);
  for (const field of FIELDS) {
    const value = field.read(properties[field.property]);
    if (value !== undefined) {
      body[field.api] = value;
    } else if (previous[field.property] !== undefined) {
      body[field.api] = field.pocketIdDefault;
    }
  }
  return body;
}

/** The fields the user set, in Pocket-ID's names. */
function desiredFields(properties: OidcClientProperties): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const field of FIELDS) {
    const value = field.read(properties[field.property]);
    if (value !== undefined) body[field.api] = value;
  }
  return body;
}

/** What CloudFormation must deliver for each property, named as the construct's props are. */
const SHAPES: ShapeRules = {
  lists: { CallbackUrls: 'callbackUrls', LogoutCallbackUrls: 'logoutCallbackUrls', AllowedUserGroupIds: 'allowedUserGroups', FederatedIdentities: 'federatedIdentities' },
  strings: { Description: 'description', LaunchUrl: 'launchUrl', ClientId: 'clientId' },
};

function validateProperties(raw: Record<string, unknown>): string[] {
  const properties = raw as unknown as OidcClientProperties;
  const problems: string[] = [];
  const read = <T>(field: string, value: unknown, reader: (v: unknown) => T): T | undefined => {
    try {
      return reader(value);
    } catch (error) {
      problems.push(`${field}: ${(error as Error).message}`);
      return undefined;
    }
  };
  if (typeof properties.Name !== 'string') problems.push('name is required');
  problems.push(...shapeProblems(raw, SHAPES));
  problems.push(...validateOidcClient({
    name: readString(properties.Name),
    clientId: readString(properties.ClientId),
    description: readString(properties.Description),
    callbackUrls: readStringList(properties.CallbackUrls),
    logoutCallbackUrls: readStringList(properties.LogoutCallbackUrls),
    launchUrl: readString(properties.LaunchUrl),
    isPublic: read('isPublic', properties.IsPublic, readBoolean),
    requiresPushedAuthorizationRequests: read('requiresPushedAuthorizationRequests', properties.RequiresPushedAuthorizationRequests, readBoolean),
    accessTokenLifetimeMinutes: readInteger(properties.AccessTokenLifetimeMinutes),
    refreshTokenLifetimeMinutes: readInteger(properties.RefreshTokenLifetimeMinutes),
    federatedIdentityIssuers: (Array.isArray(properties.FederatedIdentities) ? properties.FederatedIdentities : [])
      .map((identity) => readString(identity?.Issuer) ?? ''),
  }));
  for (const field of ['PkceEnabled', 'RequiresReauthentication', 'SkipConsent'] as const) {
    read(field.charAt(0).toLowerCase() + field.slice(1), properties[field], readBoolean);
  }
  if (!isPublic(properties) && !properties.SecretArn) problems.push('a confidential client needs SecretArn (the construct sets it)');
  return problems;
}

function readFederatedIdentities(value: unknown): unknown {
  if (value === undefined || value === null) return undefined;
  const identities = (Array.isArray(value) ? value : []) as FederatedIdentityProperties[];
  return {
    federatedIdentities: identities.map((identity) => dropUndefined({
      issuer: identity.Issuer,
      subject: identity.Subject,
      audience: identity.Audience,
      jwks: identity.JwksUrl,
      replayProtection: readBoolean(identity.ReplayProtection) ?? false,
    })),
  };
}

function dropUndefined(object: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined));
}

function credentials(clientId: string, clientSecret: string, properties: OidcClientProperties): ClientCredentials {
  const issuer = issuerOf(properties);
  return { clientId, clientSecret, issuer, discoveryUrl: discoveryUrlOf(issuer) };
}

function result(clientId: string, properties: OidcClientProperties): HandlerResult {
  const issuer = issuerOf(properties);
  const data: OidcClientAttributes = { ClientId: clientId, IssuerUrl: issuer, DiscoveryUrl: discoveryUrlOf(issuer) };
  return { PhysicalResourceId: clientId, Data: { ...data } };
}

function issuerOf(properties: OidcClientProperties): string {
  return (properties.IssuerUrl ?? properties.BaseUrl).replace(/\/+$/, '');
}

function discoveryUrlOf(issuer: string): string {
  return `${issuer}/.well-known/openid-configuration`;
}

function isPublic(properties: OidcClientProperties): boolean {
  return properties.IsPublic === 'true' || (properties.IsPublic as unknown) === true;
}

function clientPath(clientId: string): string {
  return `/api/oidc/clients/${encodeURIComponent(clientId)}`;
}
