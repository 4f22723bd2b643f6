/**
 * APIs (OAuth resource servers), their permissions and the clients' grants on them, as Pocket-ID 2.14
 * serves them (backend/internal/api: handler.go, dto.go, service.go). Checked against a real 2.14:
 * new permissions of one PUT land in random (Go map) order, unknown permission ids are dropped without
 * a word, a public client's client-credentials access is dropped without a word, and removing a
 * client's last permission of a subject type on an API removes its access of that type too.
 */
import { nfc } from './body-types';
import { arrayOf, bool, decodeStruct, nullableStr, str, strArray, struct } from './decode';
import { alreadyInUse, ApiError, FieldError, notFound } from './errors';
import { parseGoUrl } from './go-url';
import { ApiResponse, emptyResponse, jsonResponse, readJsonBody, RequestContext } from './http';
import { newUuid, timestamp } from './ids';
import { Columns, paginateFilterAndSort, parseListOptions, likeContains, sortBy } from './list';
import { ServerState } from './state';
import { apiRow, ApiRecord, ApiSubject, ClientRecord, splitApiRow, Store } from './store';
import { FieldChecks, max, min, required, Rule } from './validation';

const API_COLUMNS: Columns<ApiRecord> = {
  Name: { value: (a) => a.name, sortable: true },
  Audience: { value: (a) => a.audience, sortable: true },
  // service.go:61-63: sort[column]=resource is rewritten to audience
  Resource: { value: (a) => a.audience, sortable: true },
  CreatedAt: { value: (a) => Date.parse(a.createdAt) / 1000, sortable: true },
};

const CLIENT_COLUMNS: Columns<ClientRecord> = {
  Name: { value: (c) => c.name, sortable: true },
  CreatedAt: { value: (c) => Date.parse(c.createdAt) / 1000, sortable: true },
};

const NO_IDS = null as string[] | null;
const NO_CIMD_GRANT = { cimdGrantedAccess: false, cimdGrantedPermissionIds: [] } as const;

/** service.go:24-31, compared ignoring case. */
const RESERVED_KEYS = ['openid', 'profile', 'email', 'email_verified', 'groups', 'offline_access'];

/** fosite IsValidResourceIndicatorURI (validations.go:199-208). */
const resourceUri: Rule = (value) => {
  const text = String(value);
  const url = text === '' || text.includes('#') || /\s/u.test(text) ? undefined : parseGoUrl(text);
  const valid = url !== undefined && url.scheme !== '' && !['javascript', 'data'].includes(url.scheme.toLowerCase());
  return valid ? undefined : { code: 'invalid_format', message: 'must be an absolute URI without whitespace or a fragment' };
};

/** fosite IsValidScopeToken: 0x21, 0x23-0x5B, 0x5D-0x7E. */
function isScopeToken(key: string): boolean {
  return /^[\x21\x23-\x5B\x5D-\x7E]+$/.test(key);
}

export function requireApi(store: Store, id: string): ApiRecord {
  const found = store.apis.get(id);
  if (!found) throw notFound('API');
  return found;
}

function requireClient(store: Store, id: string): ClientRecord {
  const found = store.clients.get(id);
  if (!found) throw notFound('OIDC client');
  return found;
}

function apiDto(a: ApiRecord): Record<string, unknown> {
  return {
    id: a.id,
    name: a.name,
    resource: a.audience,
    createdAt: a.createdAt,
    permissions: a.permissions.map((p) => ({
      id: p.id,
      key: p.key,
      name: p.name,
      ...(p.description === null ? {} : { description: p.description }),
      allowedForCimdClients: p.allowedForCimdClients,
    })),
    allowCimdClients: a.allowCimdClients,
  };
}

export function listApis(ctx: RequestContext, { store }: ServerState): ApiResponse {
  const search = ctx.query.get('search') ?? '';
  const matching = [...store.apis.values()].filter((a) => search === '' || likeContains(a.name, search) || likeContains(a.audience, search));
  const page = paginateFilterAndSort(matching, parseListOptions(ctx.query), API_COLUMNS);
  return jsonResponse(200, { data: page.data.map(apiDto), pagination: page.pagination });
}

export function getApi(ctx: RequestContext, { store }: ServerState): ApiResponse {
  return jsonResponse(200, apiDto(requireApi(store, ctx.params.id)));
}

export function createApi(ctx: RequestContext, state: ServerState): ApiResponse {
  const { store } = state;
  const input = decodeStruct({ name: str, resource: str }, () => ({ name: '', resource: '' }), readJsonBody(ctx));
  new FieldChecks()
    .field('name', input.name, required, min(1), max(50))
    .field('resource', input.resource, required, resourceUri, max(350))
    .throwIfFailed();
  const resource = nfc(input.resource).replace(/\/+$/, '');
  const issuer = state.appUrl().toLowerCase().replace(/\/+$/, '');
  if (resource.toLowerCase() === issuer) {
    throw fieldFailure('resource', 'reserved', 'is reserved by Pocket ID and cannot be used for a custom API');
  }
  if ([...store.apis.values()].some((a) => a.audience === resource)) throw alreadyInUse('resource');
  const now = new Date();
  const created: ApiRecord = {
    id: newUuid(), createdAt: timestamp(now), name: nfc(input.name), audience: resource, allowCimdClients: false, permissions: [],
  };
  store.apis.set(created.id, created);
  // The create answer shows the in-memory time (sub-second); reads show the stored, whole-second one
  return jsonResponse(201, { ...apiDto(created), createdAt: now.toISOString() });
}

export function updateApi(ctx: RequestContext, { store }: ServerState): ApiResponse {
  // apiUpdateDto has only the name: a resource sent along is ignored like any unknown key
  const input = decodeStruct({ name: str }, () => ({ name: '' }), readJsonBody(ctx));
  new FieldChecks().field('name', input.name, required, min(1), max(50)).throwIfFailed();
  const held = requireApi(store, ctx.params.id);
  held.name = nfc(input.name);
  return jsonResponse(200, apiDto(held));
}

export function deleteApi(ctx: RequestContext, { store }: ServerState): ApiResponse {
  const held = requireApi(store, ctx.params.id);
  deletePermissions(store, held, held.permissions.map((p) => p.id));
  store.apis.delete(held.id);
  // The foreign key cascade removes every access row left, access-only ones included
  for (const row of [...store.apiAccess]) if (splitApiRow(row).id === held.id) store.apiAccess.delete(row);
  return emptyResponse(204);
}

interface PermissionInput {
  key: string;
  name: string;
  description: string | null;
}

const permissionInput = struct<PermissionInput>({ key: str, name: str, description: nullableStr });

export function updatePermissions(ctx: RequestContext, { store }: ServerState): ApiResponse {
  const input = decodeStruct({ permissions: arrayOf(permissionInput, { key: '', name: '', description: null }) }, () => ({ permissions: null as PermissionInput[] | null }), readJsonBody(ctx));
  const checks = new FieldChecks();
  // dive reports struct elements by their leaf field name
  for (const p of input.permissions ?? []) {
    checks.field('key', p.key, required, min(1), max(128)).field('name', p.name, required, min(1), max(50)).optionalPointer('description', p.description, max(200));
  }
  checks.throwIfFailed();
  const wanted = (input.permissions ?? []).map((p) => ({ key: nfc(p.key), name: nfc(p.name), description: p.description }));
  const held = requireApi(store, ctx.params.id);
  checkKeys(wanted.map((p) => p.key));
  const removed = held.permissions.filter((p) => !wanted.some((w) => w.key === p.key));
  deletePermissions(store, held, removed.map((p) => p.id));
  for (const kept of held.permissions) {
    const update = wanted.find((w) => w.key === kept.key)!;
    kept.name = update.name;
    kept.description = update.description;
  }
  // service.go:218-240 inserts the new keys iterating a Go map: their order is random
  const added = shuffled(wanted.filter((w) => !held.permissions.some((p) => p.key === w.key)));
  held.permissions.push(...added.map((w) => ({ id: newUuid(), key: w.key, name: w.name, description: w.description, allowedForCimdClients: false })));
  return jsonResponse(200, apiDto(held));
}

/** service.go:180-194: the first failing key, in request order. */
function checkKeys(keys: string[]): void {
  keys.forEach((key, i) => {
    const field = `permissions[${i}].key`;
    if (!isScopeToken(key)) throw fieldFailure(field, 'invalid_format', 'contains characters that are not valid in an OAuth scope');
    if (RESERVED_KEYS.includes(key.toLowerCase())) throw fieldFailure(field, 'reserved', 'is reserved by Pocket ID');
    if (keys.indexOf(key) < i) throw fieldFailure(field, 'duplicate', 'is listed more than once');
  });
}

/**
 * service.go:1051-1109: the grant rows of the permissions go by the cascade, and every (client,
 * subject) left with no permission on the API loses its access row too.
 */
function deletePermissions(store: Store, held: ApiRecord, ids: string[]): void {
  const touched = [...store.apiPermissionGrants].map(splitApiRow).filter((row) => ids.includes(row.id));
  for (const row of touched) store.apiPermissionGrants.delete(apiRow(row.clientId, row.id, row.subject));
  held.permissions = held.permissions.filter((p) => !ids.includes(p.id));
  for (const { clientId, subject } of touched) {
    if (permissionIdsOf(store, held, clientId, subject).length === 0) store.apiAccess.delete(apiRow(clientId, held.id, subject));
  }
}

export function updateCimdAccess(ctx: RequestContext, { store }: ServerState): ApiResponse {
  const zero = () => ({ enabled: false, permissionIds: null as string[] | null });
  const input = decodeStruct({ enabled: bool, permissionIds: strArray }, zero, readJsonBody(ctx));
  new FieldChecks().eachOptional('permissionIds', input.permissionIds, required).throwIfFailed();
  const held = requireApi(store, ctx.params.id);
  for (const p of held.permissions) p.allowedForCimdClients = (input.permissionIds ?? []).includes(p.id);
  held.allowCimdClients = input.enabled;
  return jsonResponse(200, apiDto(held));
}

interface Grant {
  userDelegatedAccess: boolean;
  clientAccess: boolean;
  userDelegatedPermissionIds: string[];
  clientPermissionIds: string[];
}

function grantOf(store: Store, held: ApiRecord, clientId: string): Grant {
  return {
    userDelegatedAccess: store.apiAccess.has(apiRow(clientId, held.id, 'user')),
    clientAccess: store.apiAccess.has(apiRow(clientId, held.id, 'client')),
    userDelegatedPermissionIds: permissionIdsOf(store, held, clientId, 'user'),
    clientPermissionIds: permissionIdsOf(store, held, clientId, 'client'),
  };
}

function permissionIdsOf(store: Store, held: ApiRecord, clientId: string, subject: ApiSubject): string[] {
  return held.permissions.filter((p) => store.apiPermissionGrants.has(apiRow(clientId, p.id, subject))).map((p) => p.id);
}

function hasAnyRow(store: Store, held: ApiRecord, clientId: string): boolean {
  const grant = grantOf(store, held, clientId);
  return grant.userDelegatedAccess || grant.clientAccess || grant.userDelegatedPermissionIds.length > 0 || grant.clientPermissionIds.length > 0;
}

function clientDto(c: ClientRecord): Record<string, unknown> {
  return { id: c.id, name: c.name, clientType: c.clientType, isPublic: c.isPublic, hasLogo: !!c.imageType, hasDarkLogo: !!c.darkImageType };
}

export function listApiClients(ctx: RequestContext, { store }: ServerState): ApiResponse {
  const held = requireApi(store, ctx.params.id);
  const search = ctx.query.get('search') ?? '';
  const options = parseListOptions(ctx.query);
  let matching = [...store.clients.values()].filter((c) => hasAnyRow(store, held, c.id) && (search === '' || likeContains(c.name, search)));
  // service.go:598-602: name ascending when no sort column is given
  if (options.sortColumn === '') matching = sortBy(matching, (c) => c.name, 'asc');
  const page = paginateFilterAndSort(matching, options, CLIENT_COLUMNS);
  // No CIMD clients in the test server: the CIMD opt-in never grants anything here
  const data = page.data.map((c) => ({ client: clientDto(c), ...grantOf(store, held, c.id), ...NO_CIMD_GRANT }));
  return jsonResponse(200, { data, pagination: page.pagination });
}

export function setClientAccess(ctx: RequestContext, { store }: ServerState): ApiResponse {
  const input = decodeStruct(
    { userDelegatedAccess: bool, clientAccess: bool, userDelegatedPermissionIds: strArray, clientPermissionIds: strArray },
    () => ({ userDelegatedAccess: false, clientAccess: false, userDelegatedPermissionIds: NO_IDS, clientPermissionIds: NO_IDS }),
    readJsonBody(ctx),
  );
  new FieldChecks()
    .eachOptional('userDelegatedPermissionIds', input.userDelegatedPermissionIds, required)
    .eachOptional('clientPermissionIds', input.clientPermissionIds, required)
    .throwIfFailed();
  const held = requireApi(store, ctx.params.id);
  const client = requireClient(store, ctx.params.clientId);
  // Only this API's permission ids are kept, in the API's order; a public client gets no client access
  const keep = (ids: string[] | null) => held.permissions.map((p) => p.id).filter((id) => (ids ?? []).includes(id));
  const userIds = keep(input.userDelegatedPermissionIds);
  const clientIds = client.isPublic ? [] : keep(input.clientPermissionIds);
  const applied: Grant = {
    userDelegatedAccess: input.userDelegatedAccess || userIds.length > 0,
    clientAccess: !client.isPublic && (input.clientAccess || clientIds.length > 0),
    userDelegatedPermissionIds: userIds,
    clientPermissionIds: clientIds,
  };
  removeClientRows(store, held, client.id);
  if (applied.userDelegatedAccess) store.apiAccess.add(apiRow(client.id, held.id, 'user'));
  if (applied.clientAccess) store.apiAccess.add(apiRow(client.id, held.id, 'client'));
  for (const id of userIds) store.apiPermissionGrants.add(apiRow(client.id, id, 'user'));
  for (const id of clientIds) store.apiPermissionGrants.add(apiRow(client.id, id, 'client'));
  return jsonResponse(200, applied);
}

export function removeClientAccess(ctx: RequestContext, { store }: ServerState): ApiResponse {
  const held = requireApi(store, ctx.params.id);
  const client = requireClient(store, ctx.params.clientId);
  removeClientRows(store, held, client.id);
  return emptyResponse(204);
}

function removeClientRows(store: Store, held: ApiRecord, clientId: string): void {
  for (const subject of ['user', 'client'] as const) {
    store.apiAccess.delete(apiRow(clientId, held.id, subject));
    for (const p of held.permissions) store.apiPermissionGrants.delete(apiRow(clientId, p.id, subject));
  }
}

/** GET /api-access/:clientId/apis: a bare array, ordered by API name. */
export function listClientApis(ctx: RequestContext, { store }: ServerState): ApiResponse {
  const client = requireClient(store, ctx.params.clientId);
  const reachable = sortBy([...store.apis.values()].filter((a) => hasAnyRow(store, a, client.id)), (a) => a.name, 'asc');
  return jsonResponse(200, reachable.map((a) => ({ api: apiDto(a), ...grantOf(store, a, client.id), ...NO_CIMD_GRANT })));
}

function fieldFailure(field: string, code: string, message: string): ApiError {
  const fields: FieldError[] = [{ field, code, message }];
  return new ApiError(400, 'validation_failed', `${field} ${message}`, {}, fields);
}

function shuffled<T>(items: T[]): T[] {
  const result = [...items];
  for (let i = result.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [result[i], result[j]] = [result[j], result[i]];
  }
  return result;
}

/** Every API with its permissions and the grants on it (keys, sorted), for assertions and state comparisons. */
export function apiStates(store: Store): Array<Record<string, unknown>> {
  return [...store.apis.values()].map((held) => {
    const keyOf = (id: string) => held.permissions.find((p) => p.id === id)?.key ?? id;
    const clientIds = [...store.clients.keys()].filter((clientId) => hasAnyRow(store, held, clientId)).sort();
    const grants = clientIds.map((clientId) => {
      const grant = grantOf(store, held, clientId);
      return {
        clientId,
        userDelegatedAccess: grant.userDelegatedAccess,
        clientAccess: grant.clientAccess,
        userDelegatedPermissions: grant.userDelegatedPermissionIds.map(keyOf).sort(),
        clientPermissions: grant.clientPermissionIds.map(keyOf).sort(),
      };
    });
    return JSON.parse(JSON.stringify({ ...apiDto(held), grants }));
  });
}
