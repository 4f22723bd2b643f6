import { AppConfigValues } from './app-config';
import { newUuid, randomString, timestamp } from './ids';
import type { Jwk } from './public-keys';

export interface FederatedIdentity {
  issuer: string;
  subject: string;
  audience: string;
  jwks: string;
  /** Explicit public JWKs (2.15+), re-encoded; empty when none. */
  publicKeys: Jwk[];
  replayProtection: boolean;
}

export interface ClientSecretRecord {
  id: string;
  /** Kept in clear only so tests can assert on it; the API never discloses it again. */
  secret: string;
  prefix: string;
  createdAt: string;
  expiresAt: string | null;
}

export interface ClientRecord {
  id: string;
  createdAt: string;
  name: string;
  description: string;
  callbackURLs: string[];
  logoutCallbackURLs: string[];
  /** OIDC back-channel logout (2.17+); '' for none. */
  backchannelLogoutURL: string;
  imageType: string | null;
  darkImageType: string | null;
  isPublic: boolean;
  pkceEnabled: boolean;
  requiresReauthentication: boolean;
  requiresPushedAuthorizationRequests: boolean;
  skipConsent: boolean;
  federatedIdentities: FederatedIdentity[];
  secrets: ClientSecretRecord[];
  launchURL: string | null;
  isGroupRestricted: boolean;
  pkceSupported: boolean;
  clientType: 'standard';
  accessTokenDurationMinutes: number;
  refreshTokenDurationMinutes: number;
  createdById: string | null;
}

export interface UserRecord {
  id: string;
  createdAt: string;
  username: string;
  email: string | null;
  emailVerified: boolean;
  firstName: string;
  lastName: string;
  displayName: string;
  isAdmin: boolean;
  locale: string | null;
  ldapId: string | null;
  disabled: boolean;
}

export interface GroupRecord {
  id: string;
  createdAt: string;
  friendlyName: string;
  name: string;
  ldapId: string | null;
}

export interface CustomClaimRecord {
  id: string;
  key: string;
  value: string;
  userId: string | null;
  userGroupId: string | null;
}

// SCIM service providers
/** A SCIM service provider (scim_service_providers); the token is kept in clear, as Pocket-ID answers it. */
export interface ScimProviderRecord {
  id: string;
  createdAt: string;
  endpoint: string;
  token: string;
  oidcClientId: string;
  lastSyncedAt: string | null;
}

export interface OneTimeTokenRecord {
  token: string;
  userId: string;
  expiresAt: number;
  /** Set for codes requested from the login page: they only work from the browser that asked. */
  deviceToken?: string;
}

// signup tokens (usersignup): kept by token value, as the actor store keys them

export interface SignupTokenRecord {
  id: string;
  token: string;
  /** Epoch milliseconds, rounded to the second like Pocket-ID's createdAt. */
  createdAt: number;
  expiresAt: number;
  usageLimit: number;
  usageCount: number;
  /** Only ids of groups that existed at creation. */
  userGroupIds: string[];
}

export interface SentEmail {
  userId: string;
  to: string;
  token: string;
  loginLink: string;
  ttlSeconds: number;
}

/** A logout token Pocket-ID 2.17+ would have sent to a client's back-channel logout URL. */
export interface BackchannelLogout {
  readonly clientId: string;
  readonly userId: string;
}

export interface Logo {
  readonly extension: string;
  readonly data: Buffer;
}

/** The settings that change the API's behaviour, typed (setAppConfig): the accessors of the values Pocket-ID keeps as strings. */
export type AppConfig = Omit<AppConfigValues, 'values'>;

/**
 * The application images a fresh Pocket-ID 2.14 serves (measured on a fresh real server): the email
 * logo (png), the background (webp) and the favicon (ico); no logo, light or dark, and no default
 * profile picture (GET answers 404 image_not_found). The bytes here are placeholders.
 */
export function defaultAppImages(): Array<[string, Logo]> {
  return [
    ['logoEmail', { extension: 'png', data: Buffer.from('default email logo') }],
    ['background', { extension: 'webp', data: Buffer.from('default background') }],
    ['favicon', { extension: 'ico', data: Buffer.from('default favicon') }],
  ];
}

export function defaultAppConfig(): AppConfigValues {
  return new AppConfigValues();
}

// APIs (resource servers), their permissions and client grants (backend/internal/api, 2.14)

export interface ApiPermissionRecord {
  id: string;
  key: string;
  name: string;
  /** NULL when none was given; '' is kept as given. */
  description: string | null;
  allowedForCimdClients: boolean;
}

export interface ApiRecord {
  id: string;
  createdAt: string;
  name: string;
  /** The audience (`resource` in the DTO), trailing slashes trimmed. */
  audience: string;
  allowCimdClients: boolean;
  /** In row order: a PUT of the permissions inserts new keys in Go map order (random). */
  permissions: ApiPermissionRecord[];
}

/** oidc_clients_allowed_apis ("access") and oidc_clients_allowed_api_permissions ("grant") rows. */
export type ApiSubject = 'user' | 'client';

export const STATIC_API_USER_ID = '00000000-0000-0000-0000-000000000000';

/**
 * All entities, in insertion order (Pocket-ID's SQLite returns unsorted rows in rowid order, and an
 * update keeps a row's place). Relations are pairs, like the join tables.
 */
export class Store {
  readonly clients = new Map<string, ClientRecord>();
  readonly users = new Map<string, UserRecord>();
  readonly groups = new Map<string, GroupRecord>();
  readonly memberships = new Set<string>();
  readonly clientGroups = new Set<string>();
  readonly claims: CustomClaimRecord[] = [];
  readonly oneTimeTokens = new Map<string, OneTimeTokenRecord>();
  readonly sentEmails: SentEmail[] = [];
  readonly backchannelLogouts: BackchannelLogout[] = [];
  readonly logos = new Map<string, Logo>();
  // SCIM service providers
  readonly scimProviders = new Map<string, ScimProviderRecord>();
  readonly signupTokens = new Map<string, SignupTokenRecord>();
  /** Every signup token value ever issued (deleted ones too), for the exposure scan. */
  readonly issuedSignupTokens = new Set<string>();
  // APIs
  readonly apis = new Map<string, ApiRecord>();
  /** Access rows: client, api, subject. */
  readonly apiAccess = new Set<string>();
  /** Grant rows: client, permission, subject. */
  readonly apiPermissionGrants = new Set<string>();
  appConfig: AppConfigValues = defaultAppConfig();
  /** The application images by Pocket-ID's name (logoLight, logoEmail, background…); see app-images.ts. */
  readonly appImages = new Map<string, Logo>(defaultAppImages());

  reset(): void {
    this.clients.clear();
    this.users.clear();
    this.groups.clear();
    this.memberships.clear();
    this.clientGroups.clear();
    this.claims.length = 0;
    this.oneTimeTokens.clear();
    this.sentEmails.length = 0;
    this.backchannelLogouts.length = 0;
    this.logos.clear();
    // SCIM service providers
    this.scimProviders.clear();
    this.signupTokens.clear();
    this.issuedSignupTokens.clear();
    // APIs
    this.apis.clear();
    this.apiAccess.clear();
    this.apiPermissionGrants.clear();
    this.appConfig = defaultAppConfig();
    this.appImages.clear();
    for (const [name, image] of defaultAppImages()) this.appImages.set(name, image);
  }

  /** The synthetic admin behind STATIC_API_KEY, created on first use like Pocket-ID does. */
  staticApiUser(): UserRecord {
    const existing = this.users.get(STATIC_API_USER_ID);
    if (existing) return existing;
    const user: UserRecord = {
      id: STATIC_API_USER_ID,
      createdAt: timestamp(),
      username: `static-api-user-${randomString(6)}`,
      email: null,
      emailVerified: false,
      firstName: 'Static API User',
      lastName: '',
      displayName: 'Static API User',
      isAdmin: true,
      locale: null,
      ldapId: null,
      disabled: false,
    };
    this.users.set(user.id, user);
    return user;
  }

  // memberships (user_groups_users); preloaded associations come back ordered by id

  groupIdsOfUser(userId: string): string[] {
    return byId([...this.groups.keys()].filter((groupId) => this.memberships.has(pair(userId, groupId))));
  }

  userIdsOfGroup(groupId: string): string[] {
    return byId([...this.users.keys()].filter((userId) => this.memberships.has(pair(userId, groupId))));
  }

  setGroupsOfUser(userId: string, groupIds: string[]): void {
    for (const groupId of this.groups.keys()) this.memberships.delete(pair(userId, groupId));
    for (const groupId of groupIds) this.memberships.add(pair(userId, groupId));
  }

  setUsersOfGroup(groupId: string, userIds: string[]): void {
    for (const userId of this.users.keys()) this.memberships.delete(pair(userId, groupId));
    for (const userId of userIds) this.memberships.add(pair(userId, groupId));
  }

  // allowed groups (oidc_clients_allowed_user_groups)

  allowedGroupIdsOfClient(clientId: string): string[] {
    return byId([...this.groups.keys()].filter((groupId) => this.clientGroups.has(pair(clientId, groupId))));
  }

  allowedClientIdsOfGroup(groupId: string): string[] {
    return byId([...this.clients.keys()].filter((clientId) => this.clientGroups.has(pair(clientId, groupId))));
  }

  setAllowedGroupsOfClient(clientId: string, groupIds: string[]): void {
    for (const groupId of this.groups.keys()) this.clientGroups.delete(pair(clientId, groupId));
    for (const groupId of groupIds) this.clientGroups.add(pair(clientId, groupId));
  }

  setAllowedClientsOfGroup(groupId: string, clientIds: string[]): void {
    for (const clientId of this.clients.keys()) this.clientGroups.delete(pair(clientId, groupId));
    for (const clientId of clientIds) this.clientGroups.add(pair(clientId, groupId));
  }

  // custom claims

  claimsOfUser(userId: string): CustomClaimRecord[] {
    return this.claims.filter((c) => c.userId === userId);
  }

  claimsOfGroup(groupId: string): CustomClaimRecord[] {
    return this.claims.filter((c) => c.userGroupId === groupId);
  }

  // deletions cascade like the foreign keys

  deleteClient(clientId: string): void {
    this.clients.delete(clientId);
    this.logos.delete(logoKey(clientId, true));
    this.logos.delete(logoKey(clientId, false));
    for (const groupId of this.groups.keys()) this.clientGroups.delete(pair(clientId, groupId));
    // SCIM service providers: oidc_client_id REFERENCES oidc_clients(id) ON DELETE CASCADE
    for (const [id, provider] of this.scimProviders) if (provider.oidcClientId === clientId) this.scimProviders.delete(id);
    // APIs: the foreign keys cascade the client's access and grant rows
    for (const row of [...this.apiAccess]) if (row.startsWith(`${clientId}\u0000`)) this.apiAccess.delete(row);
    for (const row of [...this.apiPermissionGrants]) if (row.startsWith(`${clientId}\u0000`)) this.apiPermissionGrants.delete(row);
  }

  deleteUser(userId: string): void {
    this.users.delete(userId);
    for (const groupId of this.groups.keys()) this.memberships.delete(pair(userId, groupId));
    this.removeClaims((c) => c.userId === userId);
    for (const [token, record] of this.oneTimeTokens) if (record.userId === userId) this.oneTimeTokens.delete(token);
  }

  deleteGroup(groupId: string): void {
    this.groups.delete(groupId);
    for (const userId of this.users.keys()) this.memberships.delete(pair(userId, groupId));
    for (const clientId of this.clients.keys()) this.clientGroups.delete(pair(clientId, groupId));
    this.removeClaims((c) => c.userGroupId === groupId);
    // A signup token keeps the ids of deleted groups (its state is not touched): its answers skip them.
  }

  removeClaims(predicate: (claim: CustomClaimRecord) => boolean): void {
    const kept = this.claims.filter((c) => !predicate(c));
    this.claims.splice(0, this.claims.length, ...kept);
  }

  newId(): string {
    return newUuid();
  }
}

function byId(ids: string[]): string[] {
  return ids.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function pair(a: string, b: string): string {
  return `${a}\u0000${b}`;
}

// APIs

export function apiRow(clientId: string, id: string, subject: ApiSubject): string {
  return [clientId, id, subject].join('\u0000');
}

export function splitApiRow(row: string): { clientId: string; id: string; subject: ApiSubject } {
  const [clientId, id, subject] = row.split('\u0000');
  return { clientId, id, subject: subject as ApiSubject };
}

export function logoKey(clientId: string, light: boolean): string {
  return `${clientId}${light ? '' : '-dark'}`;
}
