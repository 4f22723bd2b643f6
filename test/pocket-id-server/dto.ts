import { ClientRecord, ClientSecretRecord, CustomClaimRecord, GroupRecord, Store, UserRecord } from './store';

/**
 * Response shapes of Pocket-ID's DTOs, field order included. Associations that Pocket-ID does not
 * preload on a given path come out as empty arrays, as they do there.
 */

export function claimDtos(claims: CustomClaimRecord[]): object[] {
  return claims.map((c) => ({ key: c.key, value: c.value }));
}

export function secretDto(secret: ClientSecretRecord, now = Date.now()): object {
  return {
    id: secret.id,
    prefix: secret.prefix,
    createdAt: secret.createdAt,
    expiresAt: secret.expiresAt,
    isActive: isSecretActive(secret, now),
  };
}

export function isSecretActive(secret: ClientSecretRecord, now = Date.now()): boolean {
  return secret.expiresAt === null || now < Date.parse(secret.expiresAt);
}

export function clientMetaDto(client: ClientRecord): Record<string, unknown> {
  return {
    id: client.id,
    name: client.name,
    description: client.description,
    hasLogo: client.imageType !== null && client.imageType !== '',
    hasDarkLogo: client.darkImageType !== null && client.darkImageType !== '',
    launchURL: client.launchURL,
    requiresReauthentication: client.requiresReauthentication,
    clientType: client.clientType,
  };
}

function federatedIdentityDto(fi: ClientRecord['federatedIdentities'][number]): object {
  const dto: Record<string, unknown> = { issuer: fi.issuer };
  if (fi.subject !== '') dto.subject = fi.subject;
  if (fi.audience !== '') dto.audience = fi.audience;
  if (fi.jwks !== '') dto.jwks = fi.jwks;
  if (fi.publicKeys.length > 0) dto.publicKeys = fi.publicKeys.map((key) => ({ ...key }));
  dto.replayProtection = fi.replayProtection;
  return dto;
}

export function clientDto(client: ClientRecord): Record<string, unknown> {
  const credentials: Record<string, unknown> = {};
  if (client.federatedIdentities.length > 0) credentials.federatedIdentities = client.federatedIdentities.map(federatedIdentityDto);
  credentials.secrets = client.secrets.map((s) => secretDto(s));
  const dto: Record<string, unknown> = {
    ...clientMetaDto(client),
    callbackURLs: [...client.callbackURLs],
    logoutCallbackURLs: [...client.logoutCallbackURLs],
    ...(client.backchannelLogoutURL === '' ? {} : { backchannelLogoutURL: client.backchannelLogoutURL }),
    isPublic: client.isPublic,
    pkceEnabled: client.pkceEnabled,
    requiresPushedAuthorizationRequests: client.requiresPushedAuthorizationRequests,
    skipConsent: client.skipConsent,
    credentials,
    isGroupRestricted: client.isGroupRestricted,
  };
  if (client.pkceSupported) dto.pkceSupported = true;
  dto.accessTokenDurationMinutes = client.accessTokenDurationMinutes;
  dto.refreshTokenDurationMinutes = client.refreshTokenDurationMinutes;
  return dto;
}

export function clientWithGroupsDto(store: Store, client: ClientRecord): object {
  const groups = store.allowedGroupIdsOfClient(client.id).map((id) => store.groups.get(id)!);
  return { ...clientDto(client), allowedUserGroups: groups.map((g) => groupMinimalDto(store, g, { preloaded: false })) };
}

export function clientWithGroupsCountDto(store: Store, client: ClientRecord): object {
  return { ...clientDto(client), allowedUserGroupsCount: store.allowedGroupIdsOfClient(client.id).length };
}

export function userDto(store: Store, user: UserRecord, options: { preloaded: boolean }): object {
  const groups = options.preloaded ? store.groupIdsOfUser(user.id).map((id) => store.groups.get(id)!) : [];
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    emailVerified: user.emailVerified,
    firstName: user.firstName,
    lastName: user.lastName,
    displayName: user.displayName,
    isAdmin: user.isAdmin,
    locale: user.locale,
    customClaims: options.preloaded ? claimDtos(store.claimsOfUser(user.id)) : [],
    userGroups: groups.map((g) => groupMinimalDto(store, g, { preloaded: false })),
    ldapId: user.ldapId,
    disabled: user.disabled,
  };
}

/** UserGroupMinimalDto; nested in users and clients its claims are not loaded and userCount stays 0. */
export function groupMinimalDto(store: Store, group: GroupRecord, options: { preloaded: boolean }): object {
  return {
    id: group.id,
    friendlyName: group.friendlyName,
    name: group.name,
    customClaims: options.preloaded ? claimDtos(store.claimsOfGroup(group.id)) : [],
    userCount: options.preloaded ? store.userIdsOfGroup(group.id).length : 0,
    ldapId: group.ldapId,
    createdAt: group.createdAt,
  };
}

/** UserGroupDto; members are listed without their own groups and claims (not preloaded). */
export function groupDto(store: Store, group: GroupRecord, options: { preloaded: boolean }): object {
  const users = options.preloaded ? store.userIdsOfGroup(group.id).map((id) => store.users.get(id)!) : [];
  const clients = options.preloaded ? store.allowedClientIdsOfGroup(group.id).map((id) => store.clients.get(id)!) : [];
  return {
    id: group.id,
    friendlyName: group.friendlyName,
    name: group.name,
    customClaims: options.preloaded ? claimDtos(store.claimsOfGroup(group.id)) : [],
    ldapId: group.ldapId,
    createdAt: group.createdAt,
    users: users.map((u) => userDto(store, u, { preloaded: false })),
    allowedOidcClients: clients.map(clientMetaDto),
  };
}
