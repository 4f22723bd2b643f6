/**
 * Pocket-ID's input rules, shared by the constructs (checked at synth time on the values known then)
 * and by the handler (checked at deploy time on everything, tokens resolved). Field names are the
 * construct props' names, so that a deploy-time error points at the same place as a synth-time one.
 *
 * Every check returns a list of messages; an empty list means valid.
 */

import { AdoptedSecrets } from '../contract';
import { PASSWORD_KEYS, SettingSpec, settingSpec, SMTP_PASSWORD_KEY } from './application-settings';
import { checkPublicKeys } from './public-keys';

export const CLIENT_ID_PATTERN = /^[a-zA-Z0-9._-]+$/;
const URL_SCHEME_PATTERN = /^[a-zA-Z][a-zA-Z0-9+.-]*:/;
const FORBIDDEN_CALLBACK_SCHEMES = ['javascript', 'data'];

/** Pocket-ID's bounds for token lifetimes, in minutes (one minute to one year). */
export const TOKEN_LIFETIME_MINUTES = { min: 1, max: 525_600 } as const;

/** The values of an OIDC client that can be checked without a server. Undefined means unknown or unset. */
export interface OidcClientInput {
  readonly name?: string;
  readonly clientId?: string;
  readonly description?: string;
  readonly callbackUrls?: readonly string[];
  readonly logoutCallbackUrls?: readonly string[];
  readonly launchUrl?: string;
  readonly isPublic?: boolean;
  readonly requiresPushedAuthorizationRequests?: boolean;
  readonly accessTokenLifetimeMinutes?: number;
  readonly refreshTokenLifetimeMinutes?: number;
  readonly backchannelLogoutUrl?: string;
  readonly federatedIdentities?: readonly FederatedIdentityInput[];
  /** Whether the client secret is one the user brings (clientSecret). */
  readonly bringsSecret?: boolean;
  readonly clientSecretField?: string;
  readonly clientSecretVersion?: string;
  /** Whether a client id is given, known at synth or not. */
  readonly hasClientId?: boolean;
  readonly exclusiveSecrets?: boolean;
  readonly adoptExisting?: boolean;
  /** One of AdoptedSecrets' values, when given. */
  readonly adoptedSecrets?: string;
}

/** The values of a federated identity that can be checked without a server. */
export interface FederatedIdentityInput {
  readonly issuer?: string;
  readonly jwksUrl?: string;
  /** Each a public JWK as JSON text. */
  readonly publicKeys?: readonly string[];
}

export function validateOidcClient(input: OidcClientInput): string[] {
  return [
    ...checkLength('name', input.name, 1, 50),
    ...checkClientId(input.clientId),
    ...checkLength('description', input.description, 0, 150),
    ...checkCallbackUrls('callbackUrls', input.callbackUrls),
    ...checkCallbackUrls('logoutCallbackUrls', input.logoutCallbackUrls),
    ...checkAbsoluteUrl('launchUrl', input.launchUrl),
    ...checkBackchannelLogoutUrl(input),
    ...checkParWithPublicClient(input),
    ...checkLifetime('accessTokenLifetime', input.accessTokenLifetimeMinutes),
    ...checkLifetime('refreshTokenLifetime', input.refreshTokenLifetimeMinutes),
    ...(input.federatedIdentities ?? []).flatMap(checkFederatedIdentity),
    ...checkBroughtSecret(input),
    ...checkAdoption(input),
  ];
}

const ADOPTED_SECRETS: readonly string[] = Object.values(AdoptedSecrets);

/** A client is adopted by its id; what becomes of its secrets is said only for an adopted confidential one. */
function checkAdoption(input: OidcClientInput): string[] {
  const problems: string[] = [];
  if (input.adoptExisting && !input.hasClientId) problems.push('adoptExisting needs clientId: a client is adopted by its client id');
  if (input.adoptedSecrets === undefined) return problems;
  if (!ADOPTED_SECRETS.includes(input.adoptedSecrets)) {
    problems.push(`adoptedSecrets must be one of ${ADOPTED_SECRETS.join(', ')} (got ${JSON.stringify(input.adoptedSecrets)})`);
  }
  if (!input.adoptExisting) problems.push('adoptedSecrets needs adoptExisting: it says what becomes of an adopted client\'s secrets');
  if (input.isPublic) problems.push('adoptedSecrets needs a confidential client: a public client has no secrets');
  if (input.adoptedSecrets === AdoptedSecrets.KEEP && input.exclusiveSecrets) {
    problems.push('adoptedSecrets keep contradicts exclusiveSecrets, which revokes every secret this library did not make: choose one');
  }
  return problems;
}

/** Checks Pocket-ID's base URL: an absolute http(s) URL without query or fragment. */
export function validateBaseUrl(field: string, value: string): string[] {
  const url = parseUrl(value);
  if (!url || !['http:', 'https:'].includes(url.protocol)) {
    return [`${field} must be an absolute http:// or https:// URL (got '${truncate(value)}')`];
  }
  if (url.search || url.hash) {
    return [`${field} must not have a query string or fragment (got '${truncate(value)}')`];
  }
  return [];
}

export function checkLength(field: string, value: string | undefined, min: number, max: number): string[] {
  if (value === undefined) return [];
  const length = [...value].length;
  if (length < min) {
    return [min === 1 ? `${field} must not be empty` : `${field} must be at least ${min} characters (got ${length})`];
  }
  if (length > max) return [`${field} must be at most ${max} characters (got ${length})`];
  return [];
}

function checkClientId(clientId: string | undefined): string[] {
  if (clientId === undefined) return [];
  const errors = checkLength('clientId', clientId, 2, 128);
  if (!CLIENT_ID_PATTERN.test(clientId)) {
    errors.push(`clientId may contain only letters, digits, '.', '_' and '-' (got '${truncate(clientId)}')`);
  }
  return errors;
}

function checkCallbackUrls(field: string, urls: readonly string[] | undefined): string[] {
  if (urls === undefined) return [];
  return urls.flatMap((url, index) => checkCallbackUrl(`${field}[${index}]`, url));
}

function checkCallbackUrl(field: string, url: string | undefined): string[] {
  if (url === undefined) return [];
  if (!URL_SCHEME_PATTERN.test(url)) {
    return [`${field} must start with a scheme such as https:// (got '${truncate(url)}')`];
  }
  const scheme = url.slice(0, url.indexOf(':')).toLowerCase();
  if (FORBIDDEN_CALLBACK_SCHEMES.includes(scheme)) {
    return [`${field} must not use the ${scheme}: scheme`];
  }
  return [];
}

function checkAbsoluteUrl(field: string, value: string | undefined): string[] {
  if (value === undefined) return [];
  const url = parseUrl(value);
  if (!url || !url.host) return [`${field} must be an absolute URL such as https://app.example.com (got '${truncate(value)}')`];
  return [];
}

function checkParWithPublicClient(input: OidcClientInput): string[] {
  if (input.isPublic && input.requiresPushedAuthorizationRequests) {
    return ['requiresPushedAuthorizationRequests cannot be true for a public client (isPublic: true): pushed authorization requests need client authentication'];
  }
  return [];
}

function checkLifetime(field: string, minutes: number | undefined): string[] {
  if (minutes === undefined) return [];
  if (!Number.isInteger(minutes)) return [`${field} must be a whole number of minutes (got ${minutes})`];
  if (minutes < TOKEN_LIFETIME_MINUTES.min || minutes > TOKEN_LIFETIME_MINUTES.max) {
    return [`${field} must be between 1 minute and 365 days (got ${minutes} minutes)`];
  }
  return [];
}

function checkFederatedIdentity(identity: FederatedIdentityInput, index: number): string[] {
  const field = `federatedIdentities[${index}]`;
  const problems: string[] = [];
  if (identity.issuer !== undefined && identity.issuer.trim() === '') problems.push(`${field}.issuer must not be empty`);
  if (identity.publicKeys === undefined) return problems;
  if (identity.publicKeys.length > 0 && identity.jwksUrl !== undefined) {
    problems.push(`${field} sets both jwksUrl and publicKeys: Pocket-ID takes either a JWKS URL or explicit public keys, not both`);
  }
  return [...problems, ...checkPublicKeys(`${field}.publicKeys`, identity.publicKeys)];
}

/**
 * Pocket-ID 2.17's rule for back-channel logout URLs: an absolute http(s) URL with a host and no
 * fragment (even an empty '#'), https for a public client, whose logout tokens travel unauthenticated.
 */
function checkBackchannelLogoutUrl(input: OidcClientInput): string[] {
  const value = input.backchannelLogoutUrl;
  if (value === undefined) return [];
  const url = parseUrl(value);
  if (!url || !['http:', 'https:'].includes(url.protocol) || url.hostname === '') {
    return [`backchannelLogoutUrl must be an absolute http:// or https:// URL (got '${truncate(value)}')`];
  }
  if (value.includes('#')) return [`backchannelLogoutUrl must not have a fragment (got '${truncate(value)}')`];
  if (input.isPublic && url.protocol !== 'https:') {
    return [`backchannelLogoutUrl must use https:// for a public client (isPublic: true) (got '${truncate(value)}')`];
  }
  return [];
}

/** A client secret the user brings needs a confidential client; its field and its version mean nothing without it. */
function checkBroughtSecret(input: OidcClientInput): string[] {
  const problems: string[] = [];
  if (input.bringsSecret && input.isPublic) problems.push('clientSecret needs a confidential client: a public client (isPublic: true) has no secret');
  if (!input.bringsSecret && input.clientSecretField !== undefined) {
    problems.push('clientSecretField needs clientSecret: it names the field of that secret\'s JSON value that holds the client secret');
  }
  if (!input.bringsSecret && input.clientSecretVersion !== undefined) {
    problems.push('clientSecretVersion needs clientSecret: changing it rolls out the value that secret holds');
  }
  if (input.clientSecretField === '') problems.push('clientSecretField must not be empty: leave it out to use clientSecret\'s whole value as the client secret');
  return problems;
}

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

function truncate(value: string): string {
  return value.length > 80 ? `${value.slice(0, 77)}...` : value;
}

/** Claim names Pocket-ID sets itself and refuses as custom claims (its isReservedClaim). */
export const RESERVED_CLAIMS: readonly string[] = [
  'given_name', 'family_name', 'name', 'email', 'email_verified', 'preferred_username', 'display_name',
  'groups', 'type', 'sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'acr', 'amr', 'azp',
  'client_id', 'nbf', 'jti',
];

export const USERNAME_PATTERN = /^[a-zA-Z0-9]([a-zA-Z0-9_.@-]*[a-zA-Z0-9])?$/;
/** The shape Pocket-ID's email validation accepts, in short: something@domain.tld without spaces. */
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const UUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
/** Pocket-ID's longest one-time access token lifetime: 31 days. */
export const MAX_LOGIN_LINK_SECONDS = 31 * 24 * 3600;

/** The values of a user that can be checked without a server. Undefined means unknown or unset. */
export interface UserInput {
  readonly username?: string;
  readonly userId?: string;
  readonly email?: string;
  readonly firstName?: string;
  readonly lastName?: string;
  readonly displayName?: string;
  readonly locale?: string;
  readonly customClaims?: Readonly<Record<string, string | undefined>>;
  readonly loginLinkLifetimeSeconds?: number;
}

export function validateUser(input: UserInput): string[] {
  return [
    ...checkUsername(input.username),
    ...checkUserId(input.userId),
    ...checkEmail(input.email),
    ...checkLength('firstName', input.firstName, 0, 50),
    ...checkLength('lastName', input.lastName, 0, 50),
    ...checkLength('displayName', input.displayName, 0, 100),
    ...checkLength('locale', input.locale, 1, 20),
    ...validateCustomClaims(input.customClaims),
    ...checkLoginLinkLifetime(input.loginLinkLifetimeSeconds),
  ];
}

/** The values of a group that can be checked without a server. */
export interface UserGroupInput {
  readonly name?: string;
  readonly friendlyName?: string;
  readonly customClaims?: Readonly<Record<string, string | undefined>>;
}

export function validateUserGroup(input: UserGroupInput): string[] {
  return [
    ...checkLength('name', input.name, 2, 255),
    ...checkLength('friendlyName', input.friendlyName, 2, 50),
    ...validateCustomClaims(input.customClaims),
  ];
}

/** Keys must be non-empty and not one of Pocket-ID's reserved claims; values must be non-empty. */
export function validateCustomClaims(claims: Readonly<Record<string, string | undefined>> | undefined): string[] {
  if (claims === undefined) return [];
  return Object.entries(claims).flatMap(([key, value]) => {
    if (key.trim() === '') return ['customClaims must not have an empty key'];
    if (RESERVED_CLAIMS.includes(key)) return [`customClaims.${key} is a claim Pocket-ID sets itself (reserved: ${RESERVED_CLAIMS.join(', ')})`];
    if (value !== undefined && value === '') return [`customClaims.${key} must not have an empty value`];
    return [];
  });
}

function checkUsername(username: string | undefined): string[] {
  if (username === undefined) return [];
  const errors = checkLength('username', username, 1, 50);
  if (username !== '' && !USERNAME_PATTERN.test(username)) {
    errors.push(`username may contain only letters, digits, '_', '.', '@' and '-', and must start and end with a letter or digit (got '${truncate(username)}')`);
  }
  return errors;
}

function checkUserId(userId: string | undefined): string[] {
  if (userId === undefined || UUID_PATTERN.test(userId)) return [];
  return [`userId must be a UUID such as 6f1c2a52-3d1e-4b8a-9c1f-0e2d3c4b5a69 (got '${truncate(userId)}')`];
}

function checkEmail(email: string | undefined): string[] {
  if (email === undefined) return [];
  return EMAIL_PATTERN.test(email) ? [] : [`email must be an email address such as alice@example.com (got '${truncate(email)}')`];
}

function checkLoginLinkLifetime(seconds: number | undefined): string[] {
  if (seconds === undefined) return [];
  if (!Number.isInteger(seconds) || seconds < 60 || seconds > MAX_LOGIN_LINK_SECONDS) {
    return [`loginLink.lifetime must be whole seconds between 1 minute and 31 days (got ${seconds} s)`];
  }
  return [];
}

// SCIM service providers

/** The values of a SCIM service provider that can be checked without a server. Undefined means unknown or unset. */
export interface ScimServiceProviderInput {
  readonly endpoint?: string;
  readonly tokenField?: string;
}

/** Hosts whose traffic never leaves the machine: the only ones a SCIM endpoint may reach over http://. */
const LOOPBACK_HOSTS = ['localhost', '[::1]'];

export function validateScimServiceProvider(input: ScimServiceProviderInput): string[] {
  const problems = checkScimEndpoint(input.endpoint);
  if (input.tokenField === '') problems.push('tokenField must not be empty: leave it out to use the token secret\'s whole value as the bearer token');
  return problems;
}

/**
 * Pocket-ID sends the bearer token and every provisioned user's name and email address with each
 * request to the endpoint: https:// is required, http:// allowed only to a loopback host. Credentials in
 * the URL would be in the template: the token secret is where they go.
 */
function checkScimEndpoint(value: string | undefined): string[] {
  if (value === undefined) return [];
  const url = parseUrl(value);
  if (!url || !['http:', 'https:'].includes(url.protocol) || url.hostname === '') {
    return [`endpoint must be an absolute https:// URL such as https://app.example.com/scim/v2 (got '${truncate(value)}')`];
  }
  if (url.username !== '' || url.password !== '') {
    return ['endpoint must not hold credentials (user:password@): the template would show them; the bearer token goes into the token secret'];
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    return ['endpoint must use https://: Pocket-ID sends the bearer token and users\' names and email addresses with every request; '
      + `http:// is allowed only to a loopback host such as 127.0.0.1 (got '${truncate(value)}')`];
  }
  if (value.includes('#')) return [`endpoint must not have a fragment (got '${truncate(value)}')`];
  return [];
}

function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.includes(hostname.toLowerCase()) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

// signup tokens

/** Pocket-ID's longest signup token lifetime: 744 hours (31 days); the shortest it takes is more than 1 second. */
export const MAX_SIGNUP_TOKEN_SECONDS = 744 * 3600;
/** Pocket-ID's limits on a signup token's usage limit. */
export const SIGNUP_TOKEN_USAGE_LIMITS = { min: 1, max: 100 } as const;

/** The values of a signup token that can be checked without a server. Undefined means unknown or unset. */
export interface SignupTokenInput {
  readonly lifetimeSeconds?: number;
  readonly usageLimit?: number;
  readonly userGroupIds?: ReadonlyArray<string | undefined>;
}

export function validateSignupToken(input: SignupTokenInput): string[] {
  const problems: string[] = [];
  const seconds = input.lifetimeSeconds;
  if (seconds !== undefined && (!Number.isInteger(seconds) || seconds <= 1 || seconds > MAX_SIGNUP_TOKEN_SECONDS)) {
    problems.push(`lifetime must be whole seconds, more than 1 second and at most 744 hours (31 days) (got ${seconds} s)`);
  }
  const limit = input.usageLimit;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < SIGNUP_TOKEN_USAGE_LIMITS.min || limit > SIGNUP_TOKEN_USAGE_LIMITS.max)) {
    problems.push(`usageLimit must be a whole number from ${SIGNUP_TOKEN_USAGE_LIMITS.min} to ${SIGNUP_TOKEN_USAGE_LIMITS.max} (got ${limit})`);
  }
  const ids = (input.userGroupIds ?? []).filter((id): id is string => id !== undefined);
  const repeated = ids.filter((id, index) => ids.indexOf(id) !== index);
  if (repeated.length > 0) problems.push(`userGroups names the group ${repeated[0]} more than once`);
  return problems;
}
// APIs (resource servers) and client grants

/** Permission keys Pocket-ID keeps for itself, compared ignoring case (internal/api/service.go:24-31). */
export const RESERVED_PERMISSION_KEYS: readonly string[] = ['openid', 'profile', 'email', 'email_verified', 'groups', 'offline_access'];
/** An OAuth scope token (RFC 6749 3.3): printable ASCII without space, '"' and '\'. */
const SCOPE_TOKEN_PATTERN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
const FORBIDDEN_RESOURCE_SCHEMES = ['javascript', 'data'];

/** One permission of an API, as far as it is known. */
export interface ApiPermissionInput {
  readonly key?: string;
  readonly name?: string;
  readonly description?: string;
}

/** The values of an API that can be checked without a server. Undefined means unknown or unset. */
export interface ApiInput {
  readonly name?: string;
  readonly resource?: string;
  /** The issuer Pocket-ID announces: an API cannot have it as its resource. */
  readonly issuer?: string;
  readonly permissions?: readonly ApiPermissionInput[];
  readonly cimdPermissionKeys?: readonly (string | undefined)[];
}

export function validateApi(input: ApiInput): string[] {
  return [
    ...checkLength('name', input.name, 1, 50),
    ...checkResource('resource', input.resource, input.issuer),
    ...checkPermissions(input.permissions),
    ...checkKeysDeclared('cimdAccess.permissions', input.cimdPermissionKeys, input.permissions),
  ];
}

/**
 * Pocket-ID's resource_uri rule (fosite's IsValidResourceIndicatorURI) and its length limit; a
 * trailing slash is refused here, because Pocket-ID would silently store the resource without it.
 */
export function checkResource(field: string, resource: string | undefined, issuer?: string): string[] {
  if (resource === undefined) return [];
  const shown = truncate(resource);
  if (resource === '') return [`${field} must not be empty`];
  if ([...resource].length > 350) return [`${field} must be at most 350 characters (got ${[...resource].length})`];
  if (/\s/u.test(resource) || /[\x00-\x1f\x7f]/.test(resource)) return [`${field} must not contain whitespace or control characters (got '${shown}')`];
  if (resource.includes('#')) return [`${field} must not have a fragment ('#') (got '${shown}')`];
  if (!URL_SCHEME_PATTERN.test(resource) || /%(?![0-9A-Fa-f]{2})/.test(resource)) {
    return [`${field} must be an absolute URI with a scheme, such as https://api.example.com or urn:example:api (got '${shown}')`];
  }
  const scheme = resource.slice(0, resource.indexOf(':')).toLowerCase();
  if (FORBIDDEN_RESOURCE_SCHEMES.includes(scheme)) return [`${field} must not use the ${scheme}: scheme`];
  if (resource.endsWith('/')) {
    return [`${field} must not end with '/': Pocket-ID removes trailing slashes, so tokens would carry '${truncate(resource.replace(/\/+$/, ''))}'; declare it without them`];
  }
  if (issuer !== undefined && resource.toLowerCase() === issuer.toLowerCase().replace(/\/+$/, '')) {
    return [`${field} must not be Pocket-ID's own issuer URL (${issuer}): Pocket-ID reserves it`];
  }
  return [];
}

function checkPermissions(permissions: readonly ApiPermissionInput[] | undefined): string[] {
  if (permissions === undefined) return [];
  const problems = permissions.flatMap((permission, index) => checkPermission(`permissions[${index}]`, permission));
  const keys = permissions.map((permission) => permission.key);
  keys.forEach((key, index) => {
    if (key !== undefined && keys.indexOf(key) < index) problems.push(`permissions[${index}].key '${key}' is declared more than once`);
  });
  return problems;
}

function checkPermission(field: string, permission: ApiPermissionInput): string[] {
  return [
    ...checkPermissionKey(`${field}.key`, permission.key),
    ...checkLength(`${field}.name`, permission.name, 1, 50),
    ...checkLength(`${field}.description`, permission.description, 0, 200),
  ];
}

export function checkPermissionKey(field: string, key: string | undefined): string[] {
  if (key === undefined) return [];
  const length = checkLength(field, key, 1, 128);
  if (length.length > 0) return length;
  if (!SCOPE_TOKEN_PATTERN.test(key)) {
    return [`${field} may contain only printable ASCII characters other than space, '"' and '\\' (an OAuth scope) (got '${truncate(key)}')`];
  }
  if (RESERVED_PERMISSION_KEYS.includes(key.toLowerCase())) {
    return [`${field} '${key}' is a scope Pocket-ID keeps for itself (reserved, ignoring case: ${RESERVED_PERMISSION_KEYS.join(', ')})`];
  }
  return [];
}

/** Keys that must name permissions the API declares; when the declared permissions are unknown, nothing is checked. */
export function checkKeysDeclared(
  field: string,
  keys: readonly (string | undefined)[] | undefined,
  declared: readonly ApiPermissionInput[] | undefined,
): string[] {
  if (keys === undefined || declared === undefined) return [];
  const known = declared.map((permission) => permission.key);
  if (known.includes(undefined)) return [];
  return keys.flatMap((key, index) => (key === undefined || known.includes(key) ? []
    : [`${field}[${index}] '${key}' is not a permission of the API (it declares: ${known.length > 0 ? known.join(', ') : 'none'})`]));
}

/** The values of a grant that can be checked without a server. */
export interface ApiGrantInput {
  readonly userDelegatedAccess?: boolean;
  readonly userDelegatedPermissions?: readonly (string | undefined)[];
  readonly clientAccess?: boolean;
  readonly clientPermissions?: readonly (string | undefined)[];
  /** The permissions the API declares, when the API is a construct of the app. */
  readonly declared?: readonly ApiPermissionInput[];
  /** Whether the client is known to be public. */
  readonly clientIsPublic?: boolean;
}

export function validateApiGrant(input: ApiGrantInput): string[] {
  const problems = [
    ...checkKeysDeclared('userDelegatedPermissions', input.userDelegatedPermissions, input.declared),
    ...checkKeysDeclared('clientPermissions', input.clientPermissions, input.declared),
    ...checkUniqueKeys('userDelegatedPermissions', input.userDelegatedPermissions),
    ...checkUniqueKeys('clientPermissions', input.clientPermissions),
  ];
  const grantsUser = input.userDelegatedAccess === true || (input.userDelegatedPermissions ?? []).length > 0;
  const grantsClient = input.clientAccess === true || (input.clientPermissions ?? []).length > 0;
  if (!grantsUser && !grantsClient) {
    problems.push('the grant gives nothing: set userDelegatedAccess or clientAccess, or name permissions (a permission implies access for its kind)');
  }
  if (grantsClient && input.clientIsPublic) {
    problems.push('clientAccess and clientPermissions need a confidential client: Pocket-ID gives a public client (isPublic: true) no client-credentials access');
  }
  return problems;
}

function checkUniqueKeys(field: string, keys: readonly (string | undefined)[] | undefined): string[] {
  return (keys ?? []).flatMap((key, index) => (key !== undefined && keys!.indexOf(key) < index ? [`${field}[${index}] '${key}' is listed more than once`] : []));
}

// application configuration
/**
 * The application configuration's settings, by Pocket-ID's key (the typed props and
 * additionalSettings alike); an undefined value is unknown at synth time (a token). Keys of
 * additionalSettings are checked for what is knowable without the server: not a password (those come
 * from Secrets Manager only) and not empty.
 */
export function validateApplicationSettings(settings: Readonly<Record<string, string | undefined>>): string[] {
  return Object.entries(settings).flatMap(([key, value]) => {
    const spec = settingSpec(key);
    if (!spec) return checkAdditionalSetting(key);
    return value === undefined ? [] : checkSetting(spec, value);
  });
}

function checkAdditionalSetting(key: string): string[] {
  if (key.trim() === '') return ['additionalSettings must not have an empty key'];
  if (PASSWORD_KEYS.includes(key)) {
    return [`additionalSettings.${key}: a password must not be in the template; set it with ${key === SMTP_PASSWORD_KEY ? 'smtp.password' : 'ldap.bindPassword'} (a Secrets Manager secret)`];
  }
  return [];
}

function checkSetting(spec: SettingSpec, value: string): string[] {
  if (value === '') {
    if (spec.required) return [`${spec.prop} must not be empty: Pocket-ID requires a value`];
    if (spec.default !== '') return [`${spec.prop} must not be empty: Pocket-ID would store its default '${spec.default}' instead`];
    return [];
  }
  const problem = settingProblem(spec, value);
  return problem === undefined ? [] : [`${spec.prop} ${problem} (got '${truncate(value)}')`];
}

function settingProblem(spec: SettingSpec, value: string): string | undefined {
  switch (spec.rule) {
    case 'boolean': return value === 'true' || value === 'false' ? undefined : 'must be true or false';
    case 'integer': return /^\d+$/.test(value) && Number(value) >= 1 && Number.isSafeInteger(Number(value)) ? undefined : 'must be a whole number of minutes, at least 1';
    case 'choice': return spec.choices!.includes(value) ? undefined : `must be one of ${spec.choices!.join(', ')}`;
    case 'email': return EMAIL_PATTERN.test(value) ? undefined : 'must be an email address such as no-reply@example.com';
    case 'stringArray': return isJsonList(value, (item) => typeof item === 'string') ? undefined : 'must be a JSON array of strings';
    case 'customClaims': return isJsonList(value, isClaim) ? undefined : 'must be a JSON array of objects with string "key" and "value"';
    default: return spec.maxLength !== undefined && [...value].length > spec.maxLength ? `must be at most ${spec.maxLength} characters` : undefined;
  }
}

function isJsonList(text: string, accepts: (item: unknown) => boolean): boolean {
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) && parsed.every(accepts);
  } catch {
    return false;
  }
}

function isClaim(item: unknown): boolean {
  const claim = item as { key?: unknown; value?: unknown } | null;
  return typeof claim === 'object' && claim !== null && typeof claim.key === 'string' && typeof claim.value === 'string';
}

/**
 * A prefix of Secrets Manager secret names that a role is granted by: at least 3 of the characters a
 * secret name may have (an empty or one-letter prefix would grant nearly every secret of the account),
 * no wildcard.
 */
export function validateSecretNamePrefix(field: string, prefix: string): string[] {
  if (typeof prefix !== 'string' || prefix.length < 3) return [`${field} must be at least 3 characters: it grants every secret whose name starts with it`];
  if (!/^[A-Za-z0-9/_+=.@-]+$/.test(prefix)) return [`${field} '${prefix}' may hold only the characters of a secret name (letters, digits and /_+=.@-), no wildcard`];
  if (prefix.length > 256) return [`${field} must be at most 256 characters`];
  return [];
}
