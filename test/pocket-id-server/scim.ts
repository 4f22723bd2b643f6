/**
 * SCIM service providers (backend/internal/scimsync, v2.14.0): handler.go, dto.go, service.go. Compared
 * with a real 2.14.0: validation messages, the token in clear, the empty `oidcClient`, the sub-second
 * createdAt of the create answer only, GET by client returning the first provider by id, the cascade
 * with the client, and the sync's requests (as a small SCIM endpoint recorded them).
 *
 * The sync really calls the endpoint, as service.go does: list /Users and /Groups, create or replace
 * each local user and group (users first: groups name their members by remote id), delete what the
 * endpoint has beyond them. Not played: the 429 retries, and the skip of a replace when the remote
 * `meta.lastModified` is newer than the local change (users and groups here keep no modification time,
 * so an existing remote resource is always replaced).
 */
import * as http from 'http';
import * as https from 'https';
import { posix } from 'path';
import { decodeStruct, str } from './decode';
import { internalError, notFound } from './errors';
import { ApiResponse, emptyResponse, jsonResponse, readJsonBody, RequestContext } from './http';
import { newUuid, timestamp } from './ids';
import { ServerState } from './state';
import { ClientRecord, ScimProviderRecord, Store, UserRecord } from './store';
import { FieldChecks, required, url } from './validation';

const SCIM_CONTENT_TYPE = 'application/scim+json';
const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
/** service.go scimErrorBodyLimit: how much of a refused request's answer the error keeps. */
const ERROR_BODY_LIMIT = 4096;

interface ProviderInput {
  endpoint: string;
  token: string;
  oidcClientId: string;
}

/** dto.OidcClientMetaDataDto of a client that was not preloaded: every field at its zero value. */
const EMPTY_CLIENT_META = {
  id: '',
  name: '',
  description: '',
  hasLogo: false,
  hasDarkLogo: false,
  launchURL: null,
  requiresReauthentication: false,
  clientType: '',
};

function providerDto(provider: ScimProviderRecord, createdAt = provider.createdAt) {
  return {
    id: provider.id,
    endpoint: provider.endpoint,
    token: provider.token,
    lastSyncedAt: provider.lastSyncedAt,
    oidcClient: EMPTY_CLIENT_META,
    createdAt,
  };
}

function readProviderInput(ctx: RequestContext): ProviderInput {
  const input = decodeStruct({ endpoint: str, token: str, oidcClientId: str }, () => ({ endpoint: '', token: '', oidcClientId: '' }), readJsonBody(ctx));
  new FieldChecks()
    .field('endpoint', input.endpoint, required, url)
    .field('oidcClientId', input.oidcClientId, required)
    .throwIfFailed();
  return input;
}

function requireProvider(store: Store, id: string): ScimProviderRecord {
  const provider = store.scimProviders.get(id);
  if (!provider) throw notFound('SCIM service provider');
  return provider;
}

function requireClientForProvider(store: Store, clientId: string): ClientRecord {
  const client = store.clients.get(clientId);
  if (!client) throw notFound('OIDC client');
  return client;
}

/** gorm's First: the lowest primary key among the client's providers. */
export function getProviderOfClient(ctx: RequestContext, { store }: ServerState): ApiResponse {
  const providers = [...store.scimProviders.values()].filter((p) => p.oidcClientId === ctx.params.id).sort((a, b) => (a.id < b.id ? -1 : 1));
  if (providers.length === 0) throw notFound('SCIM service provider');
  return jsonResponse(200, providerDto(providers[0]));
}

export function createProvider(ctx: RequestContext, { store }: ServerState): ApiResponse {
  const input = readProviderInput(ctx);
  requireClientForProvider(store, input.oidcClientId);
  const now = new Date();
  const provider: ScimProviderRecord = { id: newUuid(), createdAt: timestamp(now), lastSyncedAt: null, ...input };
  store.scimProviders.set(provider.id, provider);
  // The create answer shows the in-memory time (sub-second); reads show the stored, whole-second one
  return jsonResponse(201, providerDto(provider, now.toISOString()));
}

/** Loads the provider before it checks the client; replaces all three fields (a missing token clears it). */
export function updateProvider(ctx: RequestContext, { store }: ServerState): ApiResponse {
  const input = readProviderInput(ctx);
  const provider = requireProvider(store, ctx.params.id);
  requireClientForProvider(store, input.oidcClientId);
  Object.assign(provider, input);
  return jsonResponse(200, providerDto(provider));
}

export function deleteProvider(ctx: RequestContext, { store }: ServerState): ApiResponse {
  requireProvider(store, ctx.params.id);
  store.scimProviders.delete(ctx.params.id);
  return emptyResponse(204);
}

/** Runs inline: 200 with an empty body, or 500 internal_error when any request to the endpoint failed. */
export async function syncProvider(ctx: RequestContext, { store }: ServerState): Promise<ApiResponse> {
  const provider = requireProvider(store, ctx.params.id);
  const snapshot = snapshotFor(store, provider);
  const errors = await runSync({ ...provider }, snapshot);
  // Pocket-ID logs the errors ("SCIM request failed"); its answer says only that something went wrong.
  if (errors.length > 0) throw internalError();
  const stored = store.scimProviders.get(provider.id);
  if (!stored) throw notFound('SCIM service provider');
  stored.lastSyncedAt = timestamp();
  return emptyResponse(200);
}

interface LocalGroup {
  readonly id: string;
  readonly friendlyName: string;
  readonly memberIds: readonly string[];
}

interface Snapshot {
  readonly users: readonly UserRecord[];
  readonly groups: readonly LocalGroup[];
}

/** The client's users and groups: all of them, or for a group-restricted client its groups and their members. */
function snapshotFor(store: Store, provider: ScimProviderRecord): Snapshot {
  const client = store.clients.get(provider.oidcClientId);
  const restricted = client?.isGroupRestricted === true;
  const groupIds = restricted ? store.allowedGroupIdsOfClient(client!.id) : [...store.groups.keys()];
  const groups = groupIds.map((id) => store.groups.get(id)!)
    .map((g) => ({ id: g.id, friendlyName: g.friendlyName, memberIds: store.userIdsOfGroup(g.id) }));
  const users = restricted
    ? [...store.users.values()].filter((u) => groups.some((g) => g.memberIds.includes(u.id)))
    : [...store.users.values()];
  return { users, groups };
}

interface RemoteResource {
  readonly id: string;
  readonly externalId?: string;
}

class ScimFailure extends Error {}

async function runSync(provider: ScimProviderRecord, snapshot: Snapshot): Promise<string[]> {
  let remoteUsers: RemoteResource[];
  let remoteGroups: RemoteResource[];
  try {
    remoteUsers = await listResources(provider, '/Users');
    remoteGroups = await listResources(provider, '/Groups');
  } catch (error) {
    return [(error as Error).message];
  }
  const errors: string[] = [];
  const attempt = async (work: () => Promise<unknown>) => work().catch((error) => errors.push((error as Error).message));
  for (const user of snapshot.users) {
    const existing = remoteUsers.find((r) => r.externalId === user.id);
    await attempt(async () => {
      const written = await writeResource(provider, existing ? `/Users/${encodeURIComponent(existing.id)}` : '/Users', existing ? 'PUT' : 'POST', userPayload(user));
      if (!existing) remoteUsers.push(written);
    });
  }
  for (const remote of remoteUsers.filter((r) => !snapshot.users.some((u) => u.id === r.externalId))) {
    await attempt(() => deleteResource(provider, `/Users/${encodeURIComponent(remote.id)}`));
  }
  for (const group of snapshot.groups) {
    const existing = remoteGroups.find((r) => r.externalId === group.id);
    await attempt(async () => {
      const members = group.memberIds.map((userId) => {
        const remote = remoteUsers.find((r) => r.externalId === userId);
        if (!remote) throw new ScimFailure(`cannot sync group ${group.id}: user ${userId} is not provisioned in SCIM provider`);
        return { value: remote.id };
      });
      const payload = { externalId: group.id, schemas: [GROUP_SCHEMA], displayName: group.friendlyName, ...(members.length > 0 ? { members } : {}) };
      await writeResource(provider, existing ? `/Groups/${encodeURIComponent(existing.id)}` : '/Groups', existing ? 'PUT' : 'POST', payload);
    });
  }
  for (const remote of remoteGroups.filter((r) => !snapshot.groups.some((g) => g.id === r.externalId))) {
    await attempt(() => deleteResource(provider, `/Groups/${encodeURIComponent(remote.id)}`));
  }
  return errors;
}

/** dto.go ScimUser, in Go's field order; empty names and a missing email are left out (omitempty). */
function userPayload(user: UserRecord): Record<string, unknown> {
  const name: Record<string, string> = {};
  if (user.firstName) name.givenName = user.firstName;
  if (user.lastName) name.familyName = user.lastName;
  return {
    externalId: user.id,
    schemas: [USER_SCHEMA],
    userName: user.username,
    name,
    ...(user.displayName ? { displayName: user.displayName } : {}),
    active: !user.disabled,
    ...(user.email !== null ? { emails: [{ value: user.email, primary: true }] } : {}),
  };
}

/** Pages with startIndex/count until totalResults is reached or a page is empty. */
async function listResources(provider: ScimProviderRecord, path: string): Promise<RemoteResource[]> {
  const resources: RemoteResource[] = [];
  let startIndex = 1;
  for (;;) {
    const answer = await scimRequest(provider, 'GET', path, undefined, { startIndex: String(startIndex), count: '1000' });
    expectStatus(answer, [200]);
    const page = parseJson(answer.body, 'failed to decode SCIM list response') as { Resources?: RemoteResource[]; totalResults?: number; itemsPerPage?: number };
    const items = page.Resources ?? [];
    resources.push(...items);
    if (resources.length >= (page.totalResults ?? 0) || items.length === 0) return resources;
    startIndex += page.itemsPerPage ?? 0;
  }
}

async function writeResource(provider: ScimProviderRecord, path: string, method: 'POST' | 'PUT', payload: unknown): Promise<RemoteResource> {
  const answer = await scimRequest(provider, method, path, payload);
  expectStatus(answer, [200, 201]);
  return parseJson(answer.body, `failed to decode SCIM ${method === 'POST' ? 'create' : 'update'} response`) as RemoteResource;
}

async function deleteResource(provider: ScimProviderRecord, path: string): Promise<void> {
  const answer = await scimRequest(provider, 'DELETE', path);
  if (answer.status !== 404) expectStatus(answer, [200, 204]);
}

interface ScimAnswer {
  readonly status: number;
  readonly body: string;
}

function expectStatus(answer: ScimAnswer, allowed: number[]): void {
  if (!allowed.includes(answer.status)) {
    throw new ScimFailure(`scim request failed with status ${answer.status}: ${answer.body.slice(0, ERROR_BODY_LIMIT).trim()}`);
  }
}

function parseJson(text: string, failure: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ScimFailure(failure);
  }
}

/** scimURL: the endpoint's path joined with `path`, its query kept, the parameters added, keys sorted as Go encodes them. */
export function scimUrl(endpoint: string, path: string, query: Record<string, string> = {}): URL {
  const target = new URL(endpoint);
  target.pathname = posix.join(target.pathname.replace(/\/+$/, ''), path);
  for (const [key, value] of Object.entries(query)) target.searchParams.set(key, value);
  target.searchParams.sort();
  return target;
}

function scimRequest(
  provider: ScimProviderRecord,
  method: string,
  path: string,
  payload?: unknown,
  query?: Record<string, string>,
): Promise<ScimAnswer> {
  const target = scimUrl(provider.endpoint, path, query);
  const headers: Record<string, string> = { Accept: SCIM_CONTENT_TYPE };
  const body = payload === undefined ? undefined : JSON.stringify(payload);
  if (body !== undefined) headers['Content-Type'] = SCIM_CONTENT_TYPE;
  if (provider.token !== '') headers.Authorization = `Bearer ${provider.token}`;
  const transport = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = transport.request(target, { method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('error', (error) => reject(new ScimFailure(`${method} ${target.origin}${target.pathname}: ${error.message}`)));
    request.end(body);
  });
}
