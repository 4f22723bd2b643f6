import { createHash } from 'crypto';
import { parseObject, RawState } from './state';
import { LookupKind, MembershipMode, ResourceType } from '../../../lib/contract';
import { SETTINGS } from '../../pocket-id-server/app-config';
import { IMAGE_MIME_TYPES } from '../../pocket-id-server/logos';
import { STACK_ID } from '../../support/cloudformation';

/**
 * What Pocket-ID and Secrets Manager must hold after an operation SUCCEEDED, and what it must answer,
 * worked out from the event's properties, the state before it and Pocket-ID's documented behaviour
 * (docs: Pocket-ID's API reference, the README's "How it works", the contract's property docs) alone:
 * never from a run of the handler, so that a handler bug that shows on every run is still caught.
 * Nothing here imports handler code; the few rules the handler publishes (the id it derives for an
 * entity) are derived again.
 *
 * Pocket-ID's entities are compared as a view (relations once: members on groups, allowed groups on
 * clients); client secrets, one-time tokens and Secrets Manager values are generated, so the model
 * states rules for them instead of values (a confidential client has exactly one live secret and
 * AWSCURRENT holds it, say).
 */

/** Where a Create of a group puts the group: Pocket-ID chooses its id, which the verdict binds to the one new group. */
export const NEW_GROUP = '<the group this Create makes>';
/** Where a Create of an API puts the API: Pocket-ID chooses its id, which the check binds to the one new API. */
export const NEW_API = '<the API this Create makes>';

/** Pocket-ID's entities as an operation may change them, client secrets and one-time tokens aside. */
export interface PocketIdView {
  readonly clients: Record<string, Entity>;
  readonly users: Record<string, Entity>;
  readonly groups: Record<string, Entity>;
  /** APIs by resource (Pocket-ID chooses their ids and their permissions' ids), with their grants by client id. */
  readonly apis: Record<string, Entity>;
  readonly emails: readonly unknown[];
  // SCIM service providers
  readonly scimProviders: Record<string, Entity>;
  /** Live signup tokens as settings (Pocket-ID chooses ids and values), sorted. */
  readonly signupTokens: readonly Entity[];
  /** The application configuration, by Pocket-ID's key. */
  readonly appSettings: Record<string, string>;
  /** The application images, by Pocket-ID's name: type and digest. */
  readonly appImages: Record<string, Entity>;
}

type Entity = Record<string, unknown>;

/** What CloudFormation keeps of a successful answer. */
export interface Answer {
  readonly PhysicalResourceId: string;
  readonly Data: Record<string, string>;
}

/** What a client's secrets in Pocket-ID must be. */
export type ClientSecretRule =
  /** Exactly the secrets (ids and values) it had: none made, none revoked. */
  | { readonly kind: 'unchanged' }
  /** None: a public client has no secret. */
  | { readonly kind: 'none' }
  /**
   * Exactly one live secret, and AWSCURRENT of `role` holds it. On every release: from 2.17 on, the POST
   * of a confidential client makes a secret too (README, Pocket-ID releases), and whether the one stored
   * is that one or another, no second may stay live.
   */
  | { readonly kind: 'one-stored'; readonly role: string }
  /** The secrets it had, unchanged, and AWSCURRENT of `role` holds the one apps already hold (`secretId`). */
  | { readonly kind: 'kept-stored'; readonly role: string; readonly secretId: string }
  /**
   * An adopted client (AdoptExisting): exactly one new live secret, held by AWSCURRENT of `role`, and
   * the secrets it had still live (AdoptedSecrets keep) or none of them (revoke).
   */
  | { readonly kind: 'adopted-stored'; readonly role: string; readonly revokesOthers: boolean };

/** What a Secrets Manager secret must hold. */
export type StoredRule =
  /** The same AWSCURRENT value, and no version written. */
  | { readonly kind: 'unchanged' }
  /** The client's credentials as JSON {clientId, clientSecret, issuer, discoveryUrl} (the secret's liveness: the client's rule). */
  | { readonly kind: 'credentials'; readonly clientId: string; readonly issuer: string }
  /** A login link as JSON {username, userId, loginUrl, expiresAt} (the token's liveness: the user's rule). */
  | { readonly kind: 'login-link'; readonly userId: string; readonly username: string; readonly issuer: string; readonly lifetimeSeconds: number }
  /** A signup link as JSON {signupUrl, signupTokenId, expiresAt, usageLimit, userGroupIds, tokenVersion?} naming a live token with these settings. */
  | { readonly kind: 'signup-link'; readonly issuer: string; readonly settings: Entity; readonly tokenVersion?: string };

/** What a user's live one-time tokens must be. */
export type TokenRule =
  | { readonly kind: 'unchanged' }
  /** The ones it had, and one more: the one the login link in AWSCURRENT of `role` carries. */
  | { readonly kind: 'one-more-stored'; readonly role: string };

export interface Intended {
  readonly pocketId: PocketIdView;
  readonly answer: Answer;
  /** By client id, for every client of `pocketId`. */
  readonly clientSecrets: Record<string, ClientSecretRule>;
  /** By role, for every secret of the case. */
  readonly stored: Record<string, StoredRule>;
  /** By user id, for every user of `pocketId`. */
  readonly tokens: Record<string, TokenRule>;
  /** The user the operation is about: the one whose unstored one-time tokens are the documented limitation. */
  readonly subjectUserId?: string;
  /** Why the operation cannot succeed (a name or id someone else holds, a member who is nobody): SUCCESS is then wrong. */
  readonly mustFail?: string;
}

/** One resource type's model: the intended outcome of an event, from the state before it and the secrets of the case (role → ARN). */
export type IntendedModel = (before: RawState, event: Record<string, unknown>, roles: Record<string, string>) => Intended;

/** The model of the event's resource type. */
export function intendedOutcome(before: RawState, event: Record<string, unknown>, roles: Record<string, string>): Intended {
  const model = MODELS[String(event.ResourceType)];
  if (!model) throw new Error(`harness: no model of ${String(event.ResourceType)}`);
  return model(before, event, roles);
}

// Views

export function viewOf(state: RawState): PocketIdView {
  return {
    clients: byId(state.clients.map(clientView)),
    users: byId(state.users.map(userView)),
    groups: byId(state.groups.map(groupView)),
    apis: Object.fromEntries((state.apis ?? []).map((held) => [String(held.resource), apiView(held)])),
    emails: state.emails,
    // SCIM service providers
    scimProviders: byId((state.scimProviders ?? []).map(({ id, endpoint, token, oidcClientId }) => ({ id, endpoint, token, oidcClientId }))),
    signupTokens: sortedSettings((state.signupTokens ?? []).map(signupTokenSettings)),
    appSettings: { ...state.appSettings },
    appImages: structuredClone(state.appImages ?? {}),
  };
}

/** What a signup token is, apart from its generated id, value and times. */
export function signupTokenSettings(token: any): Entity {
  const lifetimeSeconds = Math.round((Date.parse(token.expiresAt) - Date.parse(token.createdAt)) / 1000);
  return { usageLimit: token.usageLimit, usageCount: token.usageCount, userGroupIds: [...token.userGroupIds].sort(), lifetimeSeconds };
}

function sortedSettings(tokens: Entity[]): Entity[] {
  return [...tokens].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

function clientView(client: any): Entity {
  const { secretValues: _s, credentials, allowedUserGroupIds, ...fields } = client;
  const { secrets: _m, ...identities } = credentials ?? {};
  return { ...fields, credentials: identities, allowedUserGroupIds: [...allowedUserGroupIds].sort() };
}

function userView(user: any): Entity {
  const { oneTimeTokens: _t, userGroups: _g, customClaims, ...fields } = user;
  return { ...fields, customClaims: sortedClaims(customClaims) };
}

function groupView(group: any): Entity {
  const { id, name, friendlyName, ldapId } = group;
  return { id, name, friendlyName, customClaims: sortedClaims(group.customClaims), userIds: [...group.userIds].sort(), ldapId };
}

/** An API with permissions by key (their ids are Pocket-ID's) (their order is Pocket-ID's insertion order, random for one PUT), grants by client. */
function apiView(held: any): Entity {
  const permissions = [...held.permissions]
    .map((p: any) => ({ key: p.key, name: p.name, description: p.description ?? null, allowedForCimdClients: p.allowedForCimdClients }))
    .sort((a, b) => a.key.localeCompare(b.key));
  const grants = Object.fromEntries(held.grants.map(({ clientId, ...grant }: any) => [clientId, grant]));
  return { id: held.id, name: held.name, resource: held.resource, allowCimdClients: held.allowCimdClients, permissions, grants };
}

function byId(entities: Entity[]): Record<string, Entity> {
  return Object.fromEntries(entities.map((entity) => [String(entity.id), entity]));
}

function sortedClaims(claims: Array<{ key: string; value: string }> | null | undefined): Array<{ key: string; value: string }> {
  return [...claims ?? []].map(({ key, value }) => ({ key, value })).sort((a, b) => a.key.localeCompare(b.key));
}

// What every model starts from: nothing changes.

interface Draft {
  pocketId: {
    clients: Record<string, Entity>;
    users: Record<string, Entity>;
    groups: Record<string, Entity>;
    emails: readonly unknown[];
    scimProviders: Record<string, Entity>;
    signupTokens: readonly Entity[];
    apis: Record<string, Entity>;
    appSettings: Record<string, string>;
    appImages: Record<string, Entity>;
  };
  answer: Answer;
  clientSecrets: Record<string, ClientSecretRule>;
  stored: Record<string, StoredRule>;
  tokens: Record<string, TokenRule>;
  subjectUserId?: string;
  mustFail?: string;
}

function unchanged(before: RawState, roles: Record<string, string>, physicalId: string): Draft {
  const pocketId = viewOf(before);
  return {
    pocketId,
    answer: { PhysicalResourceId: physicalId, Data: {} },
    clientSecrets: Object.fromEntries(Object.keys(pocketId.clients).map((id) => [id, { kind: 'unchanged' } as const])),
    stored: Object.fromEntries(Object.keys(roles).map((role) => [role, { kind: 'unchanged' } as const])),
    tokens: Object.fromEntries(Object.keys(pocketId.users).map((id) => [id, { kind: 'unchanged' } as const])),
  };
}

function refuse(draft: Draft, why: string): void {
  draft.mustFail ??= why;
}

// The event

interface Event {
  readonly type: 'Create' | 'Update' | 'Delete';
  readonly properties: Record<string, any>;
  /** OldResourceProperties of an Update. */
  readonly previous?: Record<string, any>;
  readonly physicalId: string;
  readonly raw: Record<string, unknown>;
}

function read(event: Record<string, unknown>): Event {
  const { ServiceToken: _, ...properties } = (event.ResourceProperties ?? {}) as Record<string, any>;
  return {
    type: event.RequestType as Event['type'],
    properties,
    previous: event.OldResourceProperties as Record<string, any> | undefined,
    physicalId: String(event.PhysicalResourceId ?? ''),
    raw: event,
  };
}

/**
 * The id the handler gives what a Create (or an Update that creates) makes, by the rule lambda/ids.ts
 * publishes: sha256 of "StackId\nLogicalResourceId\nRequestId", laid out as an RFC 4122 UUID (version
 * digit 5, variant digit 8, 9, a or b).
 */
export function idFromRequest(event: Record<string, unknown>): string {
  const hex = createHash('sha256').update(`${event.StackId ?? STACK_ID}\n${event.LogicalResourceId}\n${event.RequestId}`).digest('hex');
  const variant = '89ab'[parseInt(hex[16], 16) % 4];
  return [hex.slice(0, 8), hex.slice(8, 12), `5${hex.slice(13, 16)}`, `${variant}${hex.slice(17, 20)}`, hex.slice(20, 32)].join('-');
}

function issuerOf(properties: Record<string, any>): string {
  return String(properties.IssuerUrl ?? properties.BaseUrl).replace(/\/+$/, '');
}

function roleOf(roles: Record<string, string>, arn: string): string {
  const role = Object.entries(roles).find(([, candidate]) => candidate === arn)?.[0];
  if (!role) throw new Error(`harness: the secret ${arn} is not one of the case's secrets`);
  return role;
}

// CloudFormation delivers scalars as strings.

const flag = (value: unknown): boolean | undefined => (value === undefined || value === null ? undefined : value === true || value === 'true');
const text = (value: unknown): string | undefined => (value === undefined || value === null ? undefined : String(value));
const list = (value: unknown): string[] | undefined => {
  if (value === undefined || value === null) return undefined;
  return (Array.isArray(value) ? value : [value]).map(String);
};
const whole = (value: unknown): number | undefined => (value === undefined || value === null ? undefined : Number(value));

/** A managed field: its property, Pocket-ID's field, how the property reads, and Pocket-ID's value when nobody sets it. */
interface Field {
  readonly property: string;
  readonly api: string;
  readonly read: (value: unknown) => unknown;
  readonly byDefault: unknown;
}

/**
 * The rule of every update (README, "How it works"): a declared field takes the declared value; a field
 * declared before and no longer goes back to Pocket-ID's default; a field never declared keeps what
 * Pocket-ID holds (`base`; a new entity has Pocket-ID's defaults there already).
 */
function settleFields(base: Entity, fields: readonly Field[], properties: Record<string, any>, previous: Record<string, any> | undefined): Entity {
  const result = { ...base };
  for (const field of fields) {
    const value = field.read(properties[field.property]);
    if (value !== undefined) result[field.api] = value;
    else if (previous?.[field.property] !== undefined) result[field.api] = field.byDefault;
  }
  return result;
}

/** Declared claims are the whole set; claims declared before and no longer are cleared; never declared, they stay. */
function settleClaims(current: unknown, declared: unknown, previouslyDeclared: unknown): Array<{ key: string; value: string }> {
  if (Array.isArray(declared)) return sortedClaims(declared.map((claim: any) => ({ key: String(claim.Key), value: String(claim.Value) })));
  if (previouslyDeclared !== undefined && previouslyDeclared !== null) return [];
  return current as Array<{ key: string; value: string }>;
}

// OIDC clients

/** Pocket-ID's token lifetimes when unset (or 0): an hour and 30 days. */
const DEFAULT_ACCESS_TOKEN_MINUTES = 60;
const DEFAULT_REFRESH_TOKEN_MINUTES = 43_200;

const CLIENT_FIELDS: readonly Field[] = [
  { property: 'Name', api: 'name', read: text, byDefault: '' },
  { property: 'Description', api: 'description', read: text, byDefault: '' },
  { property: 'CallbackUrls', api: 'callbackURLs', read: list, byDefault: [] },
  { property: 'LogoutCallbackUrls', api: 'logoutCallbackURLs', read: list, byDefault: [] },
  { property: 'LaunchUrl', api: 'launchURL', read: text, byDefault: null },
  { property: 'IsPublic', api: 'isPublic', read: flag, byDefault: false },
  { property: 'PkceEnabled', api: 'pkceEnabled', read: flag, byDefault: false },
  { property: 'RequiresReauthentication', api: 'requiresReauthentication', read: flag, byDefault: false },
  { property: 'RequiresPushedAuthorizationRequests', api: 'requiresPushedAuthorizationRequests', read: flag, byDefault: false },
  { property: 'SkipConsent', api: 'skipConsent', read: flag, byDefault: false },
  { property: 'AccessTokenLifetimeMinutes', api: 'accessTokenDurationMinutes', read: whole, byDefault: DEFAULT_ACCESS_TOKEN_MINUTES },
  { property: 'RefreshTokenLifetimeMinutes', api: 'refreshTokenDurationMinutes', read: whole, byDefault: DEFAULT_REFRESH_TOKEN_MINUTES },
  { property: 'FederatedIdentities', api: 'credentials', read: federatedIdentities, byDefault: {} },
];

/** A client as Pocket-ID makes it from an empty body. */
function newClient(id: string): Entity {
  return {
    id,
    logoDigests: {},
    name: '',
    description: '',
    hasLogo: false,
    hasDarkLogo: false,
    launchURL: null,
    requiresReauthentication: false,
    clientType: 'standard',
    callbackURLs: [],
    logoutCallbackURLs: [],
    isPublic: false,
    pkceEnabled: false,
    requiresPushedAuthorizationRequests: false,
    skipConsent: false,
    credentials: {},
    isGroupRestricted: false,
    accessTokenDurationMinutes: DEFAULT_ACCESS_TOKEN_MINUTES,
    refreshTokenDurationMinutes: DEFAULT_REFRESH_TOKEN_MINUTES,
    allowedUserGroupIds: [],
  };
}

/** Pocket-ID shows a federated identity's empty fields not at all. */
function federatedIdentities(value: unknown): unknown {
  if (value === undefined || value === null) return undefined;
  const identities = (Array.isArray(value) ? value : []).map((identity: any) => Object.fromEntries(Object.entries({
    issuer: identity.Issuer,
    subject: identity.Subject,
    audience: identity.Audience,
    jwks: identity.JwksUrl,
    replayProtection: flag(identity.ReplayProtection) ?? false,
  }).filter(([, field]) => field !== undefined && field !== '')));
  return identities.length > 0 ? { federatedIdentities: identities } : {};
}

/**
 * The client after a full-replace PUT (or a POST) of the settled fields, as Pocket-ID stores it: PKCE
 * forced on for a public client, 0 lifetimes back to the defaults; the allowed groups are a set of
 * existing groups, cleared whenever the client is not group-restricted.
 */
function settleClient(draft: Draft, base: Entity, properties: Record<string, any>, previous: Record<string, any> | undefined): Entity {
  const client = settleFields(base, CLIENT_FIELDS, properties, previous);
  if (client.pkceEnabled === false) delete client.pkceSupported;
  if (client.isPublic === true) client.pkceEnabled = true;
  if (!client.accessTokenDurationMinutes) client.accessTokenDurationMinutes = DEFAULT_ACCESS_TOKEN_MINUTES;
  if (!client.refreshTokenDurationMinutes) client.refreshTokenDurationMinutes = DEFAULT_REFRESH_TOKEN_MINUTES;
  const declared = list(properties.AllowedUserGroupIds);
  if (declared !== undefined) {
    const unknown = declared.filter((id) => !(id in draft.pocketId.groups));
    if (unknown.length > 0) refuse(draft, `the allowed user groups ${unknown.join(', ')} do not exist`);
    client.isGroupRestricted = declared.length > 0;
    client.allowedUserGroupIds = [...new Set(declared.filter((id) => id in draft.pocketId.groups))].sort();
  } else if (previous?.AllowedUserGroupIds !== undefined) {
    client.isGroupRestricted = false;
  }
  if (client.isGroupRestricted !== true) client.allowedUserGroupIds = [];
  settleLogos(client, properties, previous);
  return client;
}

/**
 * A declared logo is the file whose asset hash (the SHA-256 of its bytes, as the cases make them) the
 * properties carry; one declared before and not now is gone; one never declared stays as it was.
 */
function settleLogos(client: Entity, properties: Record<string, any>, previous: Record<string, any> | undefined): void {
  const touched = ['Logo', 'DarkLogo'].some((key) => properties[key] !== undefined || previous?.[key] !== undefined);
  if (client.logoDigests === undefined && !touched) return;
  const digests: Record<string, string> = { ...(client.logoDigests ?? {}) };
  for (const [key, flagField, digestField] of [['Logo', 'hasLogo', 'light'], ['DarkLogo', 'hasDarkLogo', 'dark']] as const) {
    if (properties[key] !== undefined) {
      client[flagField] = true;
      digests[digestField] = properties[key].Hash;
    } else if (previous?.[key] !== undefined) {
      client[flagField] = false;
      delete digests[digestField];
    }
  }
  client.logoDigests = digests;
}

function clientAnswer(id: string, properties: Record<string, any>): Answer {
  const issuer = issuerOf(properties);
  return { PhysicalResourceId: id, Data: { ClientId: id, IssuerUrl: issuer, DiscoveryUrl: `${issuer}/.well-known/openid-configuration` } };
}

function isPublicClient(properties: Record<string, any>): boolean {
  return flag(properties.IsPublic) === true;
}

/** The credentials a secret holds for this client, when they name a secret the client has in Pocket-ID. */
function heldCredentials(
  before: RawState,
  roles: Record<string, string>,
  arn: string | undefined,
  clientId: string,
): { secretId: string } | undefined {
  if (!arn) return undefined;
  const stored = parseObject(before.secrets[roleOf(roles, arn)]);
  if (stored?.clientId !== clientId) return undefined;
  const secrets = before.clients.find((client) => client.id === clientId)?.secretValues ?? [];
  const live = secrets.find((secret: any) => secret.isActive && secret.secret === stored.clientSecret);
  return live ? { secretId: live.id } : undefined;
}

/**
 * A Create, or an Update that makes a client (a new fixed id, or one deleted outside CloudFormation):
 * the declared settings on a new client, a confidential one with exactly one secret, stored. A client
 * that holds a fixed id already is taken over only when it is provably this resource's (README, Known
 * limitations): the stored secret names it, or it has exactly the declared settings.
 */
function makeClient(draft: Draft, before: RawState, roles: Record<string, string>, id: string, properties: Record<string, any>): void {
  const existing = draft.pocketId.clients[id];
  if (existing && flag(properties.AdoptExisting) === true && !provablyOurs(existing, before, roles, id, properties)) {
    adoptClient(draft, existing, roles, id, properties);
    return;
  }
  if (existing && properties.ClientId !== undefined && !provablyOurs(existing, before, roles, id, properties)) {
    refuse(draft, `the client id ${id} belongs to a client this resource did not make`);
  }
  draft.pocketId.clients[id] = settleClient(draft, existing ?? newClient(id), properties, undefined);
  draft.answer = clientAnswer(id, properties);
  if (isPublicClient(properties)) {
    draft.clientSecrets[id] = { kind: 'none' };
    return;
  }
  const role = roleOf(roles, properties.SecretArn);
  draft.clientSecrets[id] = { kind: 'one-stored', role };
  draft.stored[role] = { kind: 'credentials', clientId: id, issuer: issuerOf(properties) };
}

/**
 * AdoptExisting, and a client made outside the stack holds the id: its settings become the declared
 * ones (what is not declared stays), and a confidential one gets a new secret, stored; the secrets it
 * had stay live, or are revoked (AdoptedSecrets revoke, or ExclusiveSecrets).
 */
function adoptClient(draft: Draft, existing: Entity, roles: Record<string, string>, id: string, properties: Record<string, any>): void {
  draft.pocketId.clients[id] = settleClient(draft, existing, properties, undefined);
  draft.answer = clientAnswer(id, properties);
  if (isPublicClient(properties)) return;
  const role = roleOf(roles, properties.SecretArn);
  const revokesOthers = (properties.AdoptedSecrets ?? (flag(properties.ExclusiveSecrets) ? 'revoke' : 'keep')) === 'revoke';
  draft.clientSecrets[id] = { kind: 'adopted-stored', role, revokesOthers };
  draft.stored[role] = { kind: 'credentials', clientId: id, issuer: issuerOf(properties) };
}

function provablyOurs(existing: Entity, before: RawState, roles: Record<string, string>, id: string, properties: Record<string, any>): boolean {
  if (!isPublicClient(properties) && heldCredentials(before, roles, properties.SecretArn, id)) return true;
  const declared = settleFields({}, CLIENT_FIELDS, properties, undefined);
  return Object.entries(declared).every(([field, value]) => (field === 'pkceEnabled' && declared.isPublic === true) || sameJson(existing[field], value));
}

/**
 * An in-place update: the settled fields; a client that is (now) public has no secret; a confidential
 * one whose secret ARN, issuer and confidentiality stay keeps exactly the secrets it has, stored as
 * they were (apps hold them: nothing is rotated or revoked); otherwise the new secret holds the
 * client's credentials: the secret apps already hold when there is one, else exactly one new secret.
 */
function updateClientInPlace(draft: Draft, before: RawState, roles: Record<string, string>, id: string, event: Event): void {
  const { properties, previous = {} } = event;
  draft.pocketId.clients[id] = settleClient(draft, draft.pocketId.clients[id], properties, previous);
  draft.answer = clientAnswer(id, properties);
  if (isPublicClient(properties)) {
    draft.clientSecrets[id] = { kind: 'none' };
    return;
  }
  const wasConfidential = !isPublicClient(previous) && previous.SecretArn !== undefined;
  if (wasConfidential && previous.SecretArn === properties.SecretArn && issuerOf(previous) === issuerOf(properties)) return;
  const role = roleOf(roles, properties.SecretArn);
  const held = heldCredentials(before, roles, properties.SecretArn, id)
    ?? (wasConfidential ? heldCredentials(before, roles, previous.SecretArn, id) : undefined);
  draft.clientSecrets[id] = held ? { kind: 'kept-stored', role, secretId: held.secretId } : { kind: 'one-stored', role };
  draft.stored[role] = { kind: 'credentials', clientId: id, issuer: issuerOf(properties) };
}

const clientModel: IntendedModel = (before, raw, roles) => {
  const event = read(raw);
  const draft = unchanged(before, roles, event.physicalId);
  const { properties, previous } = event;
  if (event.type === 'Create') {
    makeClient(draft, before, roles, properties.ClientId ?? idFromRequest(raw), properties);
  } else if (event.type === 'Update' && properties.ClientId !== previous?.ClientId) {
    // A replacement: the new client now, the old one stays until CloudFormation deletes it.
    makeClient(draft, before, roles, properties.ClientId ?? idFromRequest(raw), properties);
  } else if (event.type === 'Update' && !(event.physicalId in draft.pocketId.clients)) {
    makeClient(draft, before, roles, properties.ClientId ?? idFromRequest(raw), properties);
  } else if (event.type === 'Update') {
    updateClientInPlace(draft, before, roles, event.physicalId, event);
  } else {
    delete draft.pocketId.clients[event.physicalId];
    delete draft.clientSecrets[event.physicalId];
  }
  return draft;
};

// Users

const USER_FIELDS: readonly Field[] = [
  { property: 'Username', api: 'username', read: text, byDefault: '' },
  { property: 'Email', api: 'email', read: text, byDefault: null },
  { property: 'EmailVerified', api: 'emailVerified', read: flag, byDefault: false },
  { property: 'FirstName', api: 'firstName', read: text, byDefault: '' },
  { property: 'LastName', api: 'lastName', read: text, byDefault: '' },
  { property: 'DisplayName', api: 'displayName', read: text, byDefault: '' },
  { property: 'IsAdmin', api: 'isAdmin', read: flag, byDefault: false },
  { property: 'Locale', api: 'locale', read: text, byDefault: null },
  { property: 'Disabled', api: 'disabled', read: flag, byDefault: false },
];

/** A user as Pocket-ID makes it from a body with nothing but its id (no signup default groups are configured here). */
function newUser(id: string): Entity {
  return { id, username: '', email: null, emailVerified: false, firstName: '', lastName: '', displayName: '', isAdmin: false, locale: null, customClaims: [], ldapId: null, disabled: false };
}

function userAnswer(id: string, properties: Record<string, any>): Answer {
  return { PhysicalResourceId: id, Data: { UserId: id, Username: String(properties.Username) } };
}

function wantsLoginLink(properties: Record<string, any>): boolean {
  return properties.LoginLinkLifetimeSeconds !== undefined && properties.LoginLinkSecretArn !== undefined;
}

/** A login link is issued when the user is made, and on update when loginLink is added or its secret changes. */
function issuesLoginLink(properties: Record<string, any>, previous: Record<string, any> | undefined): boolean {
  if (!wantsLoginLink(properties)) return false;
  return previous === undefined || previous.LoginLinkSecretArn !== properties.LoginLinkSecretArn || previous.LoginLinkLifetimeSeconds === undefined;
}

function expectLoginLink(draft: Draft, roles: Record<string, string>, id: string, properties: Record<string, any>): void {
  const role = roleOf(roles, properties.LoginLinkSecretArn);
  draft.tokens[id] = { kind: 'one-more-stored', role };
  draft.stored[role] = {
    kind: 'login-link',
    userId: id,
    username: String(properties.Username),
    issuer: issuerOf(properties),
    lifetimeSeconds: Number(properties.LoginLinkLifetimeSeconds),
  };
}

/** Pocket-ID keeps usernames unique ignoring case, and emails unique. */
function takenBy(draft: Draft, user: Entity): Entity | undefined {
  return Object.values(draft.pocketId.users).find((other) => other.id !== user.id
    && (String(other.username).toLowerCase() === String(user.username).toLowerCase() || (user.email !== null && other.email === user.email)));
}

function settleUser(draft: Draft, base: Entity, properties: Record<string, any>, previous: Record<string, any> | undefined): Entity {
  const user = settleFields(base, USER_FIELDS, properties, previous);
  user.customClaims = settleClaims(base.customClaims, properties.CustomClaims, previous?.CustomClaims);
  const other = takenBy(draft, user);
  if (other) refuse(draft, `the username or email is taken by user ${String(other.id)}`);
  return user;
}

/** A Create, or an Update that makes a user: a user already holding the id is taken over only with the declared username. */
function makeUser(draft: Draft, roles: Record<string, string>, id: string, properties: Record<string, any>): void {
  if (flag(properties.EmailLoginLink)) throw new Error('harness: the model does not cover emailLoginLink');
  const existing = draft.pocketId.users[id];
  if (existing && existing.username !== properties.Username) refuse(draft, `the user id ${id} belongs to the user '${String(existing.username)}'`);
  draft.pocketId.users[id] = settleUser(draft, existing ?? newUser(id), properties, undefined);
  settleGroupsOfUser(draft, id, properties, undefined, !existing);
  draft.tokens[id] ??= { kind: 'unchanged' };
  if (wantsLoginLink(properties)) expectLoginLink(draft, roles, id, properties);
  draft.answer = userAnswer(id, properties);
  draft.subjectUserId = id;
}

/**
 * The groups a user declares from its own side (UserGroupIds), as lambda/resources/user.ts and the
 * README say: a new user is in exactly those; otherwise merge, as a group's default mode does for
 * members. A group that does not exist fails the operation.
 */
function settleGroupsOfUser(
  draft: Draft,
  userId: string,
  properties: Record<string, any>,
  previous: Record<string, any> | undefined,
  created: boolean,
): void {
  const declared = list(properties.UserGroupIds);
  const missing = (declared ?? []).filter((id) => !(id in draft.pocketId.groups));
  if (missing.length > 0) refuse(draft, `the groups ${missing.join(', ')} are not Pocket-ID groups`);
  const groups = Object.values(draft.pocketId.groups);
  const current = groups.filter((group) => (group.userIds as string[]).includes(userId)).map((group) => String(group.id));
  const wanted = created ? declared ?? [] : settleMembers(current, declared, list(previous?.UserGroupIds), MembershipMode.MERGE);
  for (const group of groups) {
    const others = (group.userIds as string[]).filter((id) => id !== userId);
    group.userIds = wanted.includes(String(group.id)) ? [...others, userId].sort() : others;
  }
}

const userModel: IntendedModel = (before, raw, roles) => {
  const event = read(raw);
  const draft = unchanged(before, roles, event.physicalId);
  const { properties, previous } = event;
  const exists = event.physicalId in draft.pocketId.users;
  if (event.type === 'Create' || (event.type === 'Update' && (properties.UserId !== previous?.UserId || !exists))) {
    makeUser(draft, roles, properties.UserId ?? idFromRequest(raw), properties);
  } else if (event.type === 'Update') {
    const id = event.physicalId;
    draft.pocketId.users[id] = settleUser(draft, draft.pocketId.users[id], properties, previous);
    settleGroupsOfUser(draft, id, properties, previous, false);
    if (issuesLoginLink(properties, previous)) expectLoginLink(draft, roles, id, properties);
    draft.answer = userAnswer(id, properties);
    draft.subjectUserId = id;
  } else {
    delete draft.pocketId.users[event.physicalId];
    delete draft.tokens[event.physicalId];
    for (const group of Object.values(draft.pocketId.groups)) group.userIds = (group.userIds as string[]).filter((id) => id !== event.physicalId);
    draft.subjectUserId = event.physicalId;
  }
  return draft;
};

// User groups

/** How long after its creation a group holding the name may be taken for an earlier delivery's (lambda/resources/user-group.ts). */
const ADOPTION_WINDOW_MS = 15 * 60_000;

/**
 * Members, as README and wantedRelationIds' doc say: merge (the default) keeps Pocket-ID's members, adds
 * the declared ones and removes those declared before and no longer; exclusive makes the declared list
 * the whole group; no list now but one before takes back the previously declared members; never a
 * list, membership is left alone.
 */
function settleMembers(current: string[], declared: string[] | undefined, previouslyDeclared: string[] | undefined, mode: string): string[] {
  if (declared === undefined) return previouslyDeclared === undefined ? current : current.filter((id) => !previouslyDeclared.includes(id));
  if (mode === MembershipMode.EXCLUSIVE) return [...new Set(declared)].sort();
  const dropped = (previouslyDeclared ?? []).filter((id) => !declared.includes(id));
  return [...new Set([...current.filter((id) => !dropped.includes(id)), ...declared])].sort();
}

function settleGroup(draft: Draft, base: Entity, properties: Record<string, any>, previous: Record<string, any> | undefined): Entity {
  const declared = list(properties.MemberUserIds);
  const nobody = (declared ?? []).filter((id) => !(id in draft.pocketId.users));
  if (nobody.length > 0) refuse(draft, `the members ${nobody.join(', ')} are not Pocket-ID users`);
  const holder = Object.values(draft.pocketId.groups).find((group) => group.id !== base.id && group.name === properties.Name);
  if (holder) refuse(draft, `the name '${String(properties.Name)}' belongs to group ${String(holder.id)}`);
  return {
    ...base,
    name: String(properties.Name),
    friendlyName: String(properties.FriendlyName),
    customClaims: settleClaims(base.customClaims, properties.CustomClaims, previous?.CustomClaims),
    userIds: settleMembers(base.userIds as string[], declared, list(previous?.MemberUserIds), membershipModeOf(properties)),
  };
}

/**
 * A Create, or an Update that makes a group: a new group, Pocket-ID choosing its id; a group already
 * holding the name is taken for an earlier delivery's only when that delivery could have left it so
 * (lambda/resources/user-group.ts adoptEarlierDelivery): else the Create must fail.
 */
function makeGroup(draft: Draft, before: RawState, properties: Record<string, any>): void {
  const holder = before.groups.find((group) => group.name === properties.Name);
  const adoptable = holder && !whyNotAdoptable(holder, properties);
  if (holder && !adoptable) refuse(draft, `the name '${String(properties.Name)}' belongs to a group this resource did not make (${whyNotAdoptable(holder, properties)})`);
  const id = adoptable ? holder.id : NEW_GROUP;
  const base = adoptable ? draft.pocketId.groups[holder.id] : { id, customClaims: [], userIds: [], ldapId: null };
  draft.pocketId.groups[id] = settleGroup(draft, base, properties, undefined);
  draft.answer = groupAnswer(id, properties);
}

function whyNotAdoptable(group: any, properties: Record<string, any>): string | undefined {
  if (group.ldapId) return 'synced from LDAP';
  if (group.friendlyName !== properties.FriendlyName) return 'another friendly name';
  if (!(Math.abs(Date.now() - Date.parse(group.createdAt)) <= ADOPTION_WINDOW_MS)) return 'made too long ago';
  const claims = settleClaims([], properties.CustomClaims, undefined);
  if (!sortedClaims(group.customClaims).every((claim) => claims.some((c) => c.key === claim.key && c.value === claim.value))) return 'undeclared claims';
  if (!group.userIds.every((id: string) => (list(properties.MemberUserIds) ?? []).includes(id))) return 'undeclared members';
  if (group.allowedOidcClientIds.length > 0) return 'clients admit it';
  return undefined;
}

function membershipModeOf(properties: Record<string, any>): string {
  return String(properties.MembershipMode ?? MembershipMode.MERGE);
}

function groupAnswer(id: string, properties: Record<string, any>): Answer {
  return { PhysicalResourceId: id, Data: { GroupId: id, GroupName: String(properties.Name) } };
}

const groupModel: IntendedModel = (before, raw, roles) => {
  const event = read(raw);
  const draft = unchanged(before, roles, event.physicalId);
  const { properties, previous } = event;
  if (event.type === 'Create' || (event.type === 'Update' && !(event.physicalId in draft.pocketId.groups))) {
    makeGroup(draft, before, properties);
  } else if (event.type === 'Update') {
    draft.pocketId.groups[event.physicalId] = settleGroup(draft, draft.pocketId.groups[event.physicalId], properties, previous);
    draft.answer = groupAnswer(event.physicalId, properties);
  } else {
    delete draft.pocketId.groups[event.physicalId];
    for (const client of Object.values(draft.pocketId.clients)) {
      client.allowedUserGroupIds = (client.allowedUserGroupIds as string[]).filter((id) => id !== event.physicalId);
    }
  }
  return draft;
};

// Lookups

/** Where each kind is looked for and how a name matches (the contract: usernames ignoring case, group and client names exactly). */
interface LookupKindRule {
  readonly entities: (state: RawState) => any[];
  readonly nameOf: (entity: any) => string;
  readonly matches: (name: string, wanted: string) => boolean;
}

const LOOKUP_KINDS: Record<string, LookupKindRule> = {
  [LookupKind.USER]: {
    entities: (state) => state.users,
    nameOf: (user) => user.username,
    matches: (name, wanted) => name.toLowerCase() === wanted.toLowerCase(),
  },
  [LookupKind.USER_GROUP]: { entities: (state) => state.groups, nameOf: (group) => group.name, matches: (name, wanted) => name === wanted },
  [LookupKind.OIDC_CLIENT]: { entities: (state) => state.clients, nameOf: (client) => client.name, matches: (name, wanted) => name === wanted },
};

const lookupModel: IntendedModel = (before, raw, roles) => {
  const event = read(raw);
  const draft = unchanged(before, roles, event.physicalId);
  if (event.type === 'Delete') return draft;
  const kind = LOOKUP_KINDS[String(event.properties.Kind)];
  const found = kind.entities(before).filter((entity) => kind.matches(kind.nameOf(entity), String(event.properties.Name)));
  if (found.length !== 1) {
    refuse(draft, `${found.length} entities are named '${String(event.properties.Name)}'`);
    return draft;
  }
  draft.answer = { PhysicalResourceId: found[0].id, Data: { Id: found[0].id, Name: kind.nameOf(found[0]) } };
  return draft;
};

// SCIM service providers

/** Where a Create of a SCIM service provider puts it: Pocket-ID chooses its id, which the verdict binds to the one new provider. */
export const NEW_SCIM_PROVIDER = '<the SCIM service provider this Create makes>';

/**
 * README "SCIM service providers": one provider per client, holding the endpoint, the client and the
 * token the secret holds (or its tokenField); a Create refuses a client that has one already (the
 * matrix starts from none), an Update writes all three, moving it to another client keeps its id, a
 * Delete removes it (already gone counts as done). No sync runs in these operations.
 */
const scimModel: IntendedModel = (before, raw, roles) => {
  const event = read(raw);
  const draft = unchanged(before, roles, event.physicalId);
  const providers = draft.pocketId.scimProviders;
  if (event.type === 'Delete') {
    delete providers[event.physicalId];
    return draft;
  }
  const clientId = String(event.properties.ClientId);
  if (!(clientId in draft.pocketId.clients)) refuse(draft, `there is no OIDC client ${clientId}`);
  const held = event.type === 'Update' ? providers[event.physicalId] : undefined;
  const taken = Object.values(providers).find((provider) => provider.oidcClientId === clientId && provider.id !== held?.id);
  if (taken) refuse(draft, `OIDC client ${clientId} has a SCIM service provider already`);
  const id = held ? event.physicalId : NEW_SCIM_PROVIDER;
  providers[id] = { id, endpoint: event.properties.Endpoint, token: tokenOf(before, roles, event.properties), oidcClientId: clientId };
  draft.answer = { PhysicalResourceId: id, Data: { ProviderId: id } };
  return draft;
};

function tokenOf(before: RawState, roles: Record<string, string>, properties: Record<string, any>): string {
  const value = before.secrets[roleOf(roles, String(properties.TokenSecret))];
  return properties.TokenField === undefined ? value : String(parseObject(value)?.[properties.TokenField]);
}

// Signup tokens

/** Where a Create of a signup token puts it, and its expiry: Pocket-ID chooses both; the verdict binds them to the one new token. */
export const NEW_SIGNUP_TOKEN = '<the signup token this operation makes>';
export const NEW_SIGNUP_TOKEN_EXPIRY = '<the expiry of the signup token this operation makes>';
/** The properties Pocket-ID cannot change on a token (lib/contract.ts): a change makes a new one. */
const SIGNUP_TOKEN_SETTINGS = ['LifetimeSeconds', 'UsageLimit', 'UserGroupIds', 'TokenVersion'];

function declaredSignupSettings(properties: Record<string, any>): Entity {
  return {
    usageLimit: Number(properties.UsageLimit),
    userGroupIds: [...new Set(list(properties.UserGroupIds) ?? [])].sort(),
    lifetimeSeconds: Number(properties.LifetimeSeconds),
  };
}

/**
 * The live token a version of the link secret names, with exactly the declared settings (README,
 * SignupToken): AWSCURRENT (an earlier delivery of this event), and on a replacement the version before
 * it (the old token a rollback returns to); never the token being replaced.
 */
function keptSignupToken(before: RawState, role: string, properties: Record<string, any>, replacing: string | undefined): any | undefined {
  const versions = before.secretVersions[role] ?? [];
  const current = before.secrets[role];
  const previous = versions.find((version) => version.stages.includes('AWSPREVIOUS'))?.value;
  const declared = declaredSignupSettings(properties);
  for (const value of replacing === undefined ? [current] : [current, previous]) {
    const stored = parseObject(value);
    if (typeof stored?.signupTokenId !== 'string' || stored.signupTokenId === replacing) continue;
    if ((stored.tokenVersion ?? null) !== (properties.TokenVersion ?? null)) continue;
    const token = (before.signupTokens ?? []).find((candidate) => candidate.id === stored.signupTokenId);
    if (!token || !String(stored.signupUrl ?? '').endsWith(`/st/${token.token}`)) continue;
    const { usageCount: _, ...settings } = signupTokenSettings(token);
    if (sameJson(settings, declared)) return token;
  }
  // A delivery that died after its POST left the mark it wrote before it: the one token made since then with the settings is that POST's.
  const since = Date.parse(String(parseObject(current)?.pendingSince ?? ''));
  if (!Number.isFinite(since)) return undefined;
  const made = (before.signupTokens ?? []).filter((token) => Date.parse(token.createdAt) >= since - PENDING_SLACK_MS && token.usageCount === 0
    && sameJson((({ usageCount: _, ...rest }) => rest)(signupTokenSettings(token)), declared));
  return made.length === 1 ? made[0] : undefined;
}

/** Pocket-ID rounds createdAt to the second (usersignup/service.go), and clocks differ a little. */
const PENDING_SLACK_MS = 2_000;

function expectSignupLink(draft: Draft, roles: Record<string, string>, properties: Record<string, any>): void {
  const { usageLimit, userGroupIds, lifetimeSeconds } = declaredSignupSettings(properties);
  draft.stored[roleOf(roles, properties.SignupLinkSecretArn)] = {
    kind: 'signup-link',
    issuer: issuerOf(properties),
    settings: { usageLimit, userGroupIds, lifetimeSeconds },
    tokenVersion: text(properties.TokenVersion),
  };
}

const signupTokenModel: IntendedModel = (before, raw, roles) => {
  const event = read(raw);
  const draft = unchanged(before, roles, event.physicalId);
  const { properties, previous } = event;
  const live = before.signupTokens ?? [];
  if (event.type === 'Delete') {
    draft.pocketId.signupTokens = sortedSettings(live.filter((token) => token.id !== event.physicalId).map(signupTokenSettings));
    return draft;
  }
  const held = live.find((token) => token.id === event.physicalId);
  const replaced = event.type === 'Update' && SIGNUP_TOKEN_SETTINGS.some((property) => !sameJson(properties[property], previous?.[property]));
  if (event.type === 'Update' && !replaced && held) {
    draft.answer = { PhysicalResourceId: held.id, Data: { SignupTokenId: held.id, ExpiresAt: held.expiresAt } };
    expectSignupLink(draft, roles, properties);
    return draft;
  }
  const unknownGroups = (list(properties.UserGroupIds) ?? []).filter((id) => !(id in draft.pocketId.groups));
  if (unknownGroups.length > 0) refuse(draft, `the user groups ${unknownGroups.join(', ')} do not exist`);
  const kept = keptSignupToken(before, roleOf(roles, properties.SignupLinkSecretArn), properties, replaced ? event.physicalId : undefined);
  if (kept) {
    draft.answer = { PhysicalResourceId: kept.id, Data: { SignupTokenId: kept.id, ExpiresAt: kept.expiresAt } };
  } else {
    draft.pocketId.signupTokens = sortedSettings([...draft.pocketId.signupTokens, { ...declaredSignupSettings(properties), usageCount: 0 }]);
    draft.answer = { PhysicalResourceId: NEW_SIGNUP_TOKEN, Data: { SignupTokenId: NEW_SIGNUP_TOKEN, ExpiresAt: NEW_SIGNUP_TOKEN_EXPIRY } };
  }
  expectSignupLink(draft, roles, properties);
  return draft;
};

// APIs (resource servers) and client grants

/** The API a physical id (or grant's ApiId) names in the state before, by its id. */
function apiWithId(before: RawState, id: string): any | undefined {
  return (before.apis ?? []).find((held) => held.id === id);
}

/** The declared permissions, as Pocket-ID then holds them (contract: the whole set; a missing description is none). */
function declaredPermissions(properties: Record<string, any>): Entity[] {
  return (properties.Permissions ?? [])
    .map((p: any) => ({ key: p.Key, name: p.Name, description: p.Description ?? null, allowedForCimdClients: false }))
    .sort((a: Entity, b: Entity) => String(a.key).localeCompare(String(b.key)));
}

/**
 * The API after a write of its permissions and CIMD access: kept keys keep their flags, a removed key
 * takes its grants with it, and a client left with no permission of a kind loses that access
 * (Pocket-ID's deletePermissions); the CIMD flags follow CimdAccess when declared or declared before.
 */
function settleApi(base: Entity, properties: Record<string, any>, previous: Record<string, any> | undefined): Entity {
  const wanted = declaredPermissions(properties);
  const keys = wanted.map((p) => p.key);
  const held = base.permissions as Entity[];
  let permissions: Entity[] = wanted.map((p) => ({ ...p, allowedForCimdClients: held.find((h) => h.key === p.key)?.allowedForCimdClients ?? false }));
  let allowCimdClients = base.allowCimdClients;
  if (properties.CimdAccess !== undefined || previous?.CimdAccess !== undefined) {
    const cimdKeys = properties.CimdAccess === undefined ? [] : list(properties.CimdPermissionKeys) ?? [];
    allowCimdClients = flag(properties.CimdAccess) ?? false;
    permissions = permissions.map((p) => ({ ...p, allowedForCimdClients: cimdKeys.includes(String(p.key)) }));
  }
  const grants: Record<string, Entity> = {};
  for (const [clientId, grant] of Object.entries(base.grants as Record<string, any>)) {
    const user = grant.userDelegatedPermissions.filter((key: string) => keys.includes(key));
    const client = grant.clientPermissions.filter((key: string) => keys.includes(key));
    const settled = {
      userDelegatedAccess: grant.userDelegatedAccess && !(grant.userDelegatedPermissions.length > 0 && user.length === 0),
      clientAccess: grant.clientAccess && !(grant.clientPermissions.length > 0 && client.length === 0),
      userDelegatedPermissions: user,
      clientPermissions: client,
    };
    if (settled.userDelegatedAccess || settled.clientAccess) grants[clientId] = settled;
  }
  return { ...base, name: String(properties.Name), permissions, allowCimdClients, grants };
}

/** A Create (or a replacement): a new API, Pocket-ID choosing its id; one holding the resource is taken over only when an earlier delivery could have left it so. */
function makeApi(draft: Draft, before: RawState, properties: Record<string, any>): void {
  const resource = String(properties.Resource);
  const holder = (before.apis ?? []).find((held) => held.resource === resource);
  const declaredKeys = (properties.Permissions ?? []).map((p: any) => p.Key);
  const adoptable = holder && holder.name === properties.Name && Math.abs(Date.now() - Date.parse(holder.createdAt)) <= ADOPTION_WINDOW_MS
    && holder.permissions.every((p: any) => declaredKeys.includes(p.key)) && holder.grants.length === 0;
  if (holder && !adoptable) refuse(draft, `the resource '${resource}' belongs to an API this resource did not make`);
  const base = adoptable ? draft.pocketId.apis[resource] : { id: NEW_API, name: '', resource, allowCimdClients: false, permissions: [], grants: {} };
  draft.pocketId.apis[resource] = settleApi(base, properties, undefined);
  const id = adoptable ? holder.id : NEW_API;
  draft.answer = { PhysicalResourceId: id, Data: { ApiId: id, Audience: resource } };
}

const apiModel: IntendedModel = (before, raw, roles) => {
  const event = read(raw);
  const draft = unchanged(before, roles, event.physicalId);
  const { properties, previous } = event;
  const held = apiWithId(before, event.physicalId);
  if (event.type === 'Create' || (event.type === 'Update' && (!held || properties.Resource !== previous?.Resource))) {
    makeApi(draft, before, properties);
  } else if (event.type === 'Update') {
    draft.pocketId.apis[held.resource] = settleApi(draft.pocketId.apis[held.resource], properties, previous);
    draft.answer = { PhysicalResourceId: held.id, Data: { ApiId: held.id, Audience: String(properties.Resource) } };
  } else if (held) {
    delete draft.pocketId.apis[held.resource];
  }
  return draft;
};

/** One client's grant on one API: keys of the API's permissions; a permission implies access of its kind; a public client gets no client access. */
const apiGrantModel: IntendedModel = (before, raw, roles) => {
  const event = read(raw);
  const draft = unchanged(before, roles, event.physicalId);
  const { properties } = event;
  if (event.type === 'Delete') {
    const [apiId, clientId] = [event.physicalId.slice(0, event.physicalId.indexOf('/')), event.physicalId.slice(event.physicalId.indexOf('/') + 1)];
    const held = apiWithId(before, apiId);
    if (held) delete (draft.pocketId.apis[held.resource].grants as Record<string, Entity>)[clientId];
    return draft;
  }
  const held = apiWithId(before, String(properties.ApiId));
  const clientId = String(properties.ClientId);
  const client = before.clients.find((c) => c.id === clientId);
  if (!held || !client) {
    refuse(draft, 'the API or the client does not exist');
    return draft;
  }
  const keys = held.permissions.map((p: any) => p.key);
  const user = [...new Set(list(properties.UserDelegatedPermissionKeys) ?? [])].sort();
  const clientKeys = [...new Set(list(properties.ClientPermissionKeys) ?? [])].sort();
  const unknown = [...user, ...clientKeys].filter((key) => !keys.includes(key));
  if (unknown.length > 0) refuse(draft, `the API has no permission ${unknown.join(', ')}`);
  const clientAccess = flag(properties.ClientAccess) === true || clientKeys.length > 0;
  if (clientAccess && client.isPublic) refuse(draft, 'a public client gets no client-credentials access');
  (draft.pocketId.apis[held.resource].grants as Record<string, Entity>)[clientId] = {
    userDelegatedAccess: flag(properties.UserDelegatedAccess) === true || user.length > 0,
    clientAccess,
    userDelegatedPermissions: user,
    clientPermissions: clientKeys,
  };
  draft.answer = { PhysicalResourceId: `${held.id}/${clientId}`, Data: { ApiId: held.id, ClientId: clientId } };
  return draft;
};

// The application configuration

/**
 * One per instance (README): the declared settings take their values, a setting declared before and
 * no longer declared returns to Pocket-ID's default, every other stays; a Delete changes nothing. The
 * physical id names the instance: the base URL's SHA-256, 12 hex digits.
 */
const configurationModel: IntendedModel = (before, raw, roles) => {
  const event = read(raw);
  const physicalId = `application-configuration@${createHash('sha256').update(issuerBase(event.properties)).digest('hex').slice(0, 12)}`;
  const draft = unchanged(before, roles, event.type === 'Delete' ? event.physicalId : physicalId);
  if (event.type === 'Delete') return draft;
  const declared: Record<string, string> = event.properties.Settings ?? {};
  for (const key of Object.keys(event.previous?.Settings ?? {})) {
    if (!(key in declared)) draft.pocketId.appSettings[key] = SETTINGS.find((setting) => setting.key === key)!.default;
  }
  Object.assign(draft.pocketId.appSettings, declared);
  draft.answer = { PhysicalResourceId: physicalId, Data: {} };
  return draft;
};

// The application images

/** Each image's property, Pocket-ID's name of it, and whether Pocket-ID can delete it (README, "Images"). */
export const APPLICATION_IMAGES: ReadonlyArray<readonly [string, string, boolean]> = [
  ['Logo', 'logoLight', true],
  ['DarkLogo', 'logoDark', true],
  ['Background', 'background', true],
  ['Favicon', 'favicon', false],
  ['EmailLogo', 'logoEmail', false],
  ['DefaultProfilePicture', 'default-profile-picture', true],
];

/**
 * One set per instance, named by its base URL: a declared file whose asset hash changed is the image
 * Pocket-ID serves (typed by the file's extension); an image declared before and no longer is taken
 * away where Pocket-ID can delete it and stays otherwise; an image never declared stays; a Delete
 * leaves them all.
 */
const applicationImagesModel: IntendedModel = (before, raw, roles) => {
  const event = read(raw);
  const physicalId = `application-images@${issuerBase(event.properties)}`;
  const draft = unchanged(before, roles, event.type === 'Delete' ? event.physicalId : physicalId);
  if (event.type === 'Delete') return draft;
  const previous = event.physicalId === physicalId ? event.previous ?? {} : {};
  for (const [property, name, deletable] of APPLICATION_IMAGES) {
    const [wanted, had] = [event.properties[property], previous[property]];
    if (wanted !== undefined && wanted.Hash !== had?.Hash) {
      const extension = String(wanted.FileName).split('.').pop()!.toLowerCase();
      draft.pocketId.appImages[name] = { type: IMAGE_MIME_TYPES[extension], digest: wanted.Hash };
    } else if (wanted === undefined && had !== undefined && deletable) {
      delete draft.pocketId.appImages[name];
    }
  }
  draft.answer = { PhysicalResourceId: physicalId, Data: {} };
  return draft;
};

function issuerBase(properties: Record<string, any>): string {
  return String(properties.BaseUrl).replace(/\/+$/, '');
}

/** Each resource type's model. */
export const MODELS: Record<string, IntendedModel> = {
  [ResourceType.OIDC_CLIENT]: clientModel,
  [ResourceType.USER]: userModel,
  [ResourceType.USER_GROUP]: groupModel,
  [ResourceType.LOOKUP]: lookupModel,
  // SCIM service providers
  [ResourceType.SCIM_SERVICE_PROVIDER]: scimModel,
  [ResourceType.SIGNUP_TOKEN]: signupTokenModel,
  // APIs
  [ResourceType.API]: apiModel,
  [ResourceType.API_GRANT]: apiGrantModel,
  [ResourceType.APPLICATION_CONFIGURATION]: configurationModel,
  [ResourceType.APPLICATION_IMAGES]: applicationImagesModel,
};

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}
