import { ClientInput, clientInputSchema, dateTime, emptyClientInput, nfc, readIdList } from './body-types';
import { decodeStruct, str } from './decode';
import { clientDto, clientMetaDto, clientWithGroupsCountDto, clientWithGroupsDto, secretDto } from './dto';
import { clientIdAlreadyExists, imageNotFound, notFound, validationMessage } from './errors';
import { ApiResponse, emptyResponse, jsonResponse, readJsonBody, readOptionalJsonBody, RequestContext } from './http';
import { newUuid, randomString, timestamp } from './ids';
import { Columns, isValidSortDirection, likeContains, paginate, paginateFilterAndSort, parseListOptions, sortBy } from './list';
import { assertWithinPixelLimit, IMAGE_MIME_TYPES, lightQuery, logoExtension, logoFromUrl, uploadedLogo } from './logos';
import { normalizePublicKeys } from './public-keys';
import type { Release } from './releases';
import { ServerState } from './state';
import { ClientRecord, FederatedIdentity, logoKey, Store } from './store';
import {
  backchannelLogoutUrl,
  callbackUrlPattern,
  clientId,
  FieldChecks,
  max,
  min,
  printAscii,
  required,
  tokenDuration,
  url,
} from './validation';

export const DEFAULT_ACCESS_TOKEN_MINUTES = 60;
export const DEFAULT_REFRESH_TOKEN_MINUTES = 30 * 24 * 60;
export const MAX_CLIENT_SECRETS = 20;

const CLIENT_COLUMNS: Columns<ClientRecord> = {
  CreatedAt: { value: (c) => Date.parse(c.createdAt) / 1000, sortable: true },
  Name: { value: (c) => c.name, sortable: true },
  PkceEnabled: { value: (c) => c.pkceEnabled, sortable: true, filterable: true },
  RequiresReauthentication: { value: (c) => c.requiresReauthentication, sortable: true, filterable: true },
  RequiresPushedAuthorizationRequests: { value: (c) => c.requiresPushedAuthorizationRequests, sortable: true, filterable: true },
  SkipConsent: { value: (c) => c.skipConsent, sortable: true, filterable: true },
  IsGroupRestricted: { value: (c) => c.isGroupRestricted, sortable: true, filterable: true },
  PkceSupported: { value: (c) => c.pkceSupported, sortable: true, filterable: true },
  ClientType: { value: (c) => c.clientType, sortable: true, filterable: true },
};

function requireClient(store: Store, id: string): ClientRecord {
  const client = store.clients.get(id);
  if (!client) throw notFound('OIDC client');
  return client;
}

function readClientInput(ctx: RequestContext, release: Release, withId: boolean): ClientInput {
  const input = decodeStruct(clientInputSchema(release), emptyClientInput, readJsonBody(ctx));
  const checks = new FieldChecks()
    .field('name', input.name, required, max(50))
    .optional('description', input.description, max(150))
    .eachOptional('callbackURLs', input.callbackURLs, callbackUrlPattern)
    .eachOptional('logoutCallbackURLs', input.logoutCallbackURLs, callbackUrlPattern)
    .optionalPointer('launchURL', input.launchURL, url)
    .optional('backchannelLogoutURL', input.backchannelLogoutURL, backchannelLogoutUrl(input.isPublic))
    .optional('accessTokenDurationMinutes', input.accessTokenDurationMinutes, tokenDuration)
    .optional('refreshTokenDurationMinutes', input.refreshTokenDurationMinutes, tokenDuration);
  if (withId) checks.optional('id', input.id, clientId, min(2), max(128));
  checks.throwIfFailed();
  return { ...input, name: nfc(input.name), description: nfc(input.description) };
}

/**
 * updateOIDCClientModelFromDto's checks of explicit public keys (2.15+, PR pocket-id#1702): after the DTO's
 * own validation and the client's lookup, before anything is stored (a duplicate client id included).
 */
function federatedIdentitiesOf(input: ClientInput): FederatedIdentity[] {
  return (input.credentials.federatedIdentities ?? []).map((fi, i) => {
    const normalized = normalizePublicKeys(fi.publicKeys ?? []);
    if ('problem' in normalized) throw validationMessage(`Federated client credential ${i + 1} has an invalid public key: ${normalized.problem}`);
    if (normalized.keys.length > 0 && fi.jwks !== '') {
      throw validationMessage(`Federated client credential ${i + 1} must use either a JWKS URL or public keys, but not both`);
    }
    return { ...fi, publicKeys: normalized.keys };
  });
}

/** updateOIDCClientModelFromDto: every field is replaced, omitted ones fall back to their zero value. */
function applyClientInput(client: ClientRecord, input: ClientInput, federatedIdentities: FederatedIdentity[]): void {
  client.description = input.description;
  client.requiresReauthentication = input.requiresReauthentication;
  client.requiresPushedAuthorizationRequests = input.requiresPushedAuthorizationRequests;
  client.skipConsent = input.skipConsent;
  client.launchURL = input.launchURL;
  client.isGroupRestricted = input.isGroupRestricted;
  client.accessTokenDurationMinutes = input.accessTokenDurationMinutes || DEFAULT_ACCESS_TOKEN_MINUTES;
  client.refreshTokenDurationMinutes = input.refreshTokenDurationMinutes || DEFAULT_REFRESH_TOKEN_MINUTES;
  client.name = input.name;
  client.callbackURLs = [...(input.callbackURLs ?? [])];
  client.logoutCallbackURLs = [...(input.logoutCallbackURLs ?? [])];
  client.backchannelLogoutURL = input.backchannelLogoutURL;
  client.isPublic = input.isPublic;
  client.pkceEnabled = input.isPublic || input.pkceEnabled;
  if (!input.pkceEnabled) client.pkceSupported = false;
  client.federatedIdentities = federatedIdentities;
}

/** Pocket-ID saves the client first and downloads logos afterwards, so a failed download leaves the client saved. */
function applyLogoUrls(store: Store, client: ClientRecord, input: ClientInput): void {
  if (input.logoUrl !== null) setLogo(store, client, true, logoFromUrl(input.logoUrl));
  if (input.darkLogoUrl !== null) setLogo(store, client, false, logoFromUrl(input.darkLogoUrl));
}

function setLogo(store: Store, client: ClientRecord, light: boolean, logo: { extension: string; data: Buffer }): void {
  store.logos.set(logoKey(client.id, light), logo);
  if (light) client.imageType = logo.extension;
  else client.darkImageType = logo.extension;
}

export function listClients(ctx: RequestContext, { store }: ServerState): ApiResponse {
  const search = ctx.query.get('search') ?? '';
  const options = parseListOptions(ctx.query);
  const matching = [...store.clients.values()].filter((c) => search === '' || likeContains(c.name, search));
  // allowedUserGroupsCount is not a column: Pocket-ID sorts a GROUP BY id join (ties in id order) and skips the filters
  const page =
    options.sortColumn === 'allowedUserGroupsCount' && isValidSortDirection(options.sortDirection)
      ? paginate(sortBy(sortBy(matching, (c) => c.id, 'asc'), (c) => store.allowedGroupIdsOfClient(c.id).length, options.sortDirection), options)
      : paginateFilterAndSort(matching, options, CLIENT_COLUMNS);
  return jsonResponse(200, { data: page.data.map((c) => clientWithGroupsCountDto(store, c)), pagination: page.pagination });
}

/** [peer] 2.17+ (see releases.ts): unless the app setting is off, a confidential client is created with a secret. */
function autoCreatesSecret({ store, release }: ServerState, client: ClientRecord): boolean {
  return release.has('autoCreatedClientSecret') && store.appConfig.autoCreateOidcClientSecret && !client.isPublic;
}

/**
 * The answer carries the generated secret once, as `createdSecret` in the secret-created shape (axnic's
 * OidcClientCreated). Not confirmed: whether the client's own credentials.secrets already list it (here it
 * does, as a GET right after would).
 */
export function createClient(ctx: RequestContext, state: ServerState, userId: string): ApiResponse {
  const { store, release } = state;
  const input = readClientInput(ctx, release, true);
  const federatedIdentities = federatedIdentitiesOf(input);
  const id = input.id === '' ? newUuid() : input.id;
  if (store.clients.has(id)) throw clientIdAlreadyExists();
  const client: ClientRecord = {
    id,
    createdAt: timestamp(),
    name: '',
    description: '',
    callbackURLs: [],
    logoutCallbackURLs: [],
    backchannelLogoutURL: '',
    imageType: null,
    darkImageType: null,
    isPublic: false,
    pkceEnabled: false,
    requiresReauthentication: false,
    requiresPushedAuthorizationRequests: false,
    skipConsent: false,
    federatedIdentities: [],
    secrets: [],
    launchURL: null,
    isGroupRestricted: false,
    pkceSupported: false,
    clientType: 'standard',
    accessTokenDurationMinutes: DEFAULT_ACCESS_TOKEN_MINUTES,
    refreshTokenDurationMinutes: DEFAULT_REFRESH_TOKEN_MINUTES,
    createdById: userId,
  };
  applyClientInput(client, input, federatedIdentities);
  const createdSecret = autoCreatesSecret(state, client) ? addSecret(client, randomString(32), null) : undefined;
  store.clients.set(id, client);
  applyLogoUrls(store, client, input);
  const answer = clientWithGroupsDto(store, client);
  return jsonResponse(201, createdSecret ? { ...answer, createdSecret } : answer);
}

export function getClient(ctx: RequestContext, { store }: ServerState): ApiResponse {
  return jsonResponse(200, clientWithGroupsDto(store, requireClient(store, ctx.params.id)));
}

export function getClientMeta(ctx: RequestContext, { store }: ServerState): ApiResponse {
  return jsonResponse(200, clientMetaDto(requireClient(store, ctx.params.id)));
}

export function updateClient(ctx: RequestContext, { store, release }: ServerState): ApiResponse {
  const input = readClientInput(ctx, release, false);
  const client = requireClient(store, ctx.params.id);
  applyClientInput(client, input, federatedIdentitiesOf(input));
  if (!input.isGroupRestricted) store.setAllowedGroupsOfClient(client.id, []);
  applyLogoUrls(store, client, input);
  return jsonResponse(200, clientWithGroupsDto(store, client));
}

export function deleteClient(ctx: RequestContext, { store }: ServerState): ApiResponse {
  requireClient(store, ctx.params.id);
  store.deleteClient(ctx.params.id);
  return emptyResponse(204);
}

/** Answers the plain client DTO (no allowedUserGroups), as Pocket-ID does; unknown group ids are dropped. */
export function updateAllowedUserGroups(ctx: RequestContext, { store }: ServerState): ApiResponse {
  const groupIds = readIdList(ctx, 'userGroupIds');
  const client = requireClient(store, ctx.params.id);
  store.setAllowedGroupsOfClient(client.id, groupIds.filter((id) => store.groups.has(id)));
  return jsonResponse(200, clientDto(client));
}

export function listClientSecrets(ctx: RequestContext, { store }: ServerState): ApiResponse {
  const client = requireClient(store, ctx.params.id);
  return jsonResponse(200, client.secrets.map((s) => secretDto(s)));
}

interface SecretInput {
  secret: string;
  expiresAt: string | null;
}

export function createClientSecret(ctx: RequestContext, { store }: ServerState): ApiResponse {
  const body = readOptionalJsonBody(ctx);
  const input = decodeStruct<SecretInput>({ secret: str, expiresAt: dateTime }, () => ({ secret: '', expiresAt: null }), body ?? null);
  new FieldChecks().optional('secret', input.secret, min(16), printAscii).throwIfFailed();
  if (input.expiresAt !== null && Date.parse(input.expiresAt) <= Date.now()) {
    throw validationMessage('The expiration date of a client secret must be in the future');
  }
  const client = requireClient(store, ctx.params.id);
  if (client.isPublic) throw validationMessage('Cannot create a secret for a public client');
  if (client.secrets.length >= MAX_CLIENT_SECRETS) throw validationMessage(`A client cannot have more than ${MAX_CLIENT_SECRETS} secrets`);
  return jsonResponse(201, addSecret(client, input.secret === '' ? randomString(32) : input.secret, input.expiresAt));
}

/** Stores a secret and answers it the one time its value is shown. */
function addSecret(client: ClientRecord, secret: string, expiresAt: string | null): object {
  const record = {
    id: newUuid(),
    secret,
    prefix: secret.length <= 4 ? '' : secret.slice(0, 4),
    createdAt: new Date().toISOString(),
    expiresAt,
  };
  client.secrets.push(record);
  return { ...secretDto(record), secret };
}

export function deleteClientSecret(ctx: RequestContext, { store }: ServerState): ApiResponse {
  const client = requireClient(store, ctx.params.id);
  const index = client.secrets.findIndex((s) => s.id === ctx.params.secretId);
  if (index < 0) throw notFound('Client secret');
  client.secrets.splice(index, 1);
  return emptyResponse(204);
}

export function getClientLogo(ctx: RequestContext, { store }: ServerState): ApiResponse {
  const client = requireClient(store, ctx.params.id);
  const useDark = !lightQuery(ctx) && client.darkImageType !== null;
  if (!useDark && client.imageType === null) throw imageNotFound();
  const logo = store.logos.get(logoKey(client.id, !useDark));
  if (!logo) throw imageNotFound();
  const headers = { 'Content-Type': IMAGE_MIME_TYPES[logo.extension], 'Cache-Control': 'public, max-age=900, stale-while-revalidate=43200' };
  return { status: 200, headers, body: logo.data };
}

export function uploadClientLogo(ctx: RequestContext, { store, release }: ServerState): ApiResponse {
  const file = uploadedLogo(ctx);
  const light = lightQuery(ctx);
  const extension = logoExtension(file.filename);
  // [peer] 2.15+: irashack internal/resources/client_logo_resource.go (see releases.ts)
  if (release.has('imagePixelLimit')) assertWithinPixelLimit(file.data);
  setLogo(store, requireClient(store, ctx.params.id), light, { extension, data: file.data });
  return emptyResponse(204);
}

export function deleteClientLogo(ctx: RequestContext, { store }: ServerState): ApiResponse {
  const client = requireClient(store, ctx.params.id);
  const light = lightQuery(ctx);
  if ((light ? client.imageType : client.darkImageType) === null) throw imageNotFound();
  if (light) client.imageType = null;
  else client.darkImageType = null;
  store.logos.delete(logoKey(client.id, light));
  return emptyResponse(204);
}
