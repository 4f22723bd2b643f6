import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { FederatedIdentityProperties, OidcClientAttributes, OidcClientProperties } from '../../lib/contract';
import { validateOidcClient } from '../../lib/private/validation';
import { PocketIdApiError, UnexpectedResponseError } from '../errors';
import { deterministicUuid } from '../ids';
import { readBoolean, readInteger, readString, readStringList } from '../properties';
import { Compensation, HandlerResult, OperationContext, ResourceHandler } from '../resource';
import { ClientCredentials } from '../secrets';

type CreateEvent = CloudFormationCustomResourceEvent & { RequestType: 'Create' };
type UpdateEvent = CloudFormationCustomResourceEvent & { RequestType: 'Update' };
type DeleteEvent = CloudFormationCustomResourceEvent & { RequestType: 'Delete' };

/** A client as Pocket-ID returns it; only the fields this module reads are typed. */
interface PocketIdClient {
  readonly id: string;
  readonly isPublic?: boolean;
  readonly [field: string]: unknown;
}

interface ClientSecretInfo {
  readonly id: string;
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
    await context.api.put('Update OIDC client', clientPath(clientId), updateBody(current, properties, previous));
    await writeAllowedGroups(clientId, properties, allowedGroupIdsOf(current), context);
    await reconcileSecret(clientId, properties, previous, context);
    return result(clientId, properties);
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
      await storeNewSecret(clientId, properties, context, compensation, adopted);
    }
    context.logger.info(adopted ? 'completed an OIDC client created by an earlier delivery of this event' : 'created the OIDC client', { clientId });
    return result(clientId, properties);
  } catch (error) {
    throw await compensation.rollback(error);
  }
}

/** Creates the client; returns true when it already existed from an earlier delivery of the same event. */
async function postClient(
  clientId: string,
  properties: OidcClientProperties,
  context: OperationContext,
  compensation: Compensation,
): Promise<boolean> {
  try {
    await context.api.post('Create OIDC client', '/api/oidc/clients', { id: clientId, ...desiredFields(properties) });
    compensation.add(`OIDC client ${clientId}`, () => context.api.delete('Remove the partly created OIDC client', clientPath(clientId)));
    return false;
  } catch (error) {
    if (!(error instanceof PocketIdApiError && error.status === 409 && error.code === 'client_id_already_exists')) throw error;
    if (await isOurs(clientId, properties, context)) {
      // A generated id was made by this very event: undo it like a new one. A fixed id may predate it.
      if (properties.ClientId === undefined) {
        compensation.add(`OIDC client ${clientId}`, () => context.api.delete('Remove the partly created OIDC client', clientPath(clientId)));
      }
      return true;
    }
    throw error;
  }
}

/**
 * A client id that exists already is taken over only when it is provably ours: a generated id is
 * derived from the event's RequestId, so only an earlier delivery of this event can hold it; a fixed id
 * is ours when our secret records it, or when the client already has exactly the declared settings
 * (what the rollback of a client id change finds: the old client, as this resource left it).
 */
async function isOurs(clientId: string, properties: OidcClientProperties, context: OperationContext): Promise<boolean> {
  if (properties.ClientId === undefined) return true;
  if (properties.SecretArn && await readStoredCredentials(properties.SecretArn, clientId, context)) return true;
  const existing = await readClient(clientId, context);
  return existing !== undefined && matchesDeclaredSettings(existing, properties);
}

/** Whether every field the properties set has that value on the server already. */
export function matchesDeclaredSettings(client: PocketIdClient, properties: OidcClientProperties): boolean {
  const desired = desiredFields(properties);
  if (desired.isPublic === true) delete desired.pkceEnabled; // Pocket-ID forces PKCE on for public clients
  return Object.entries(desired).every(([field, value]) => sameValue(field, client[field], value));
}

function sameValue(field: string, actual: unknown, desired: unknown): boolean {
  if (field === 'credentials') {
    const identities = (value: unknown) => JSON.stringify((value as { federatedIdentities?: unknown[] } | undefined)?.federatedIdentities ?? []);
    return identities(actual) === identities(desired);
  }
  return JSON.stringify(actual ?? null) === JSON.stringify(desired ?? null);
}

/** Has Pocket-ID generate a secret and stores it; an earlier, unstored secret of the same event is revoked. */
async function storeNewSecret(
  clientId: string,
  properties: OidcClientProperties,
  context: OperationContext,
  compensation: Compensation,
  adopted: boolean,
): Promise<string | undefined> {
  const secretArn = properties.SecretArn!;
  if (adopted) {
    const stored = await readStoredCredentials(secretArn, clientId, context);
    if (stored) return undefined;
    await revokeSecrets(clientId, context);
  }
  const created = await context.api.post<{ id?: string; secret?: string }>('Create OIDC client secret', `${clientPath(clientId)}/secrets`, {});
  if (!created || typeof created.secret !== 'string' || created.secret === '') {
    throw new UnexpectedResponseError({ operation: 'Create OIDC client secret', method: 'POST', path: `${clientPath(clientId)}/secrets` }, 'no secret in the answer');
  }
  context.redactor.add(created.secret);
  if (created.id) {
    compensation.add(`secret ${created.id} of OIDC client ${clientId}`, () => context.api.delete('Revoke the unstored client secret', `${clientPath(clientId)}/secrets/${created.id}`));
  }
  await context.secrets.writeCredentials(secretArn, credentials(clientId, created.secret, properties));
  return created.id;
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
): Promise<void> {
  if (isPublic(properties)) {
    if (!isPublic(previous)) await revokeSecrets(clientId, context);
    return;
  }
  if (!properties.SecretArn) return;
  const wasConfidential = !isPublic(previous) && previous.SecretArn !== undefined;
  const unchanged = wasConfidential && previous.SecretArn === properties.SecretArn && issuerOf(previous) === issuerOf(properties);
  if (unchanged) return;
  const compensation = new Compensation(context.logger);
  try {
    await ensureStoredSecret(clientId, properties, wasConfidential ? previous.SecretArn : undefined, context, compensation);
  } catch (error) {
    throw await compensation.rollback(error);
  }
}

/**
 * Makes the secret at SecretArn hold valid credentials: keeps the client secret it already holds (a
 * rollback), else copies the one from the previous secret, else has Pocket-ID generate a new one and
 * revokes the others, which nobody could read any more.
 */
async function ensureStoredSecret(
  clientId: string,
  properties: OidcClientProperties,
  previousArn: string | undefined,
  context: OperationContext,
  compensation: Compensation,
): Promise<void> {
  const secretArn = properties.SecretArn!;
  const current = await readStoredCredentials(secretArn, clientId, context);
  const existing = current ?? (previousArn ? await readStoredCredentials(previousArn, clientId, context) : undefined);
  if (existing) {
    const wanted = credentials(clientId, existing.clientSecret, properties);
    if (!current || JSON.stringify(current) !== JSON.stringify(wanted)) {
      await context.secrets.writeCredentials(secretArn, wanted);
    }
    return;
  }
  context.logger.warn('no stored client secret found: generating a new one', { clientId });
  const newSecretId = await storeNewSecret(clientId, properties, context, compensation, false);
  await revokeSecrets(clientId, context, newSecretId);
}

/** The credentials a secret holds for this client, or undefined (placeholder, other client, unreadable). */
async function readStoredCredentials(secretArn: string, clientId: string, context: OperationContext): Promise<ClientCredentials | undefined> {
  const stored = await context.secrets.readCredentials(secretArn).catch(() => undefined);
  if (stored?.clientId !== clientId) return undefined;
  context.redactor.add(stored.clientSecret);
  return stored;
}

/**
 * Writes the allowed groups when the properties manage them and they differ from what Pocket-ID holds.
 * When they stop being managed, the PUT of the client already cleared them (isGroupRestricted false).
 */
async function writeAllowedGroups(clientId: string, properties: OidcClientProperties, current: string[], context: OperationContext): Promise<void> {
  const wanted = readStringList(properties.AllowedUserGroupIds);
  if (wanted === undefined || sameSet(wanted, current)) return;
  await context.api.put('Set the allowed user groups of OIDC client', `${clientPath(clientId)}/allowed-user-groups`, { userGroupIds: wanted });
}

function allowedGroupIdsOf(client: PocketIdClient): string[] {
  const groups = client.allowedUserGroups;
  return Array.isArray(groups) ? groups.map((group: { id: string }) => group.id) : [];
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item) => b.includes(item));
}

function readGroupRestriction(value: unknown): boolean | undefined {
  const groupIds = readStringList(value);
  return groupIds === undefined ? undefined : groupIds.length > 0;
}

/** Revokes every secret of the client but `keep`. */
async function revokeSecrets(clientId: string, context: OperationContext, keep?: string): Promise<void> {
  const secrets = await context.api.get<ClientSecretInfo[] | null>('List OIDC client secrets', `${clientPath(clientId)}/secrets`);
  for (const secret of (secrets ?? []).filter((s) => s.id !== keep)) {
    await context.api.delete('Revoke OIDC client secret', `${clientPath(clientId)}/secrets/${secret.id}`);
  }
}

async function readClient(clientId: string, context: OperationContext): Promise<PocketIdClient | undefined> {
  try {
    const client = await context.api.get<PocketIdClient>('Read OIDC client', clientPath(clientId));
    if (!client || typeof client !== 'object' || client.id !== clientId) {
      throw new UnexpectedResponseError({ operation: 'Read OIDC client', method: 'GET', path: clientPath(clientId) }, 'not the client asked for');
    }
    return client;
  } catch (error) {
    if (error instanceof PocketIdApiError && error.isEntityNotFound) return undefined;
    throw error;
  }
}

/** The body for Pocket-ID's full-replace PUT: the server's values, overlaid with what the user manages. */
export function updateBody(current: PocketIdClient, properties: OidcClientProperties, previous: OidcClientProperties): Record<string, unknown> {
  const body: Record<string, unknown> = { ...current };
  for (const field of READ_ONLY_FIELDS) delete body[field];
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
    federatedIdentityIssuers: (properties.FederatedIdentities ?? []).map((identity) => readString(identity?.Issuer) ?? ''),
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
