import { ApiAttributes, ApiPermissionProperties, ApiProperties } from '../../lib/contract';
import { checkKeysDeclared, validateApi } from '../../lib/private/validation';
import { EarlierDelivery, notCreatedRecently, postOrAdopt } from '../adoption';
import { FieldTable, heldWithout } from '../fields';
import { entityResource, EntityKind, Made, PocketIdEntity, readEntity, readEntityOrFail } from '../lifecycle';
import { listOf, readBoolean, readString, shapeProblems } from '../properties';
import { Operation, OperationContext } from '../resource';

/** One permission as Pocket-ID returns it; `description` is absent when it has none. */
export interface PocketIdApiPermission {
  readonly id: string;
  readonly key: string;
  readonly name: string;
  readonly description?: string;
  readonly allowedForCimdClients?: boolean;
}

/** An API as Pocket-ID 2.14 returns it (apiResponseDto). */
export interface PocketIdApi extends PocketIdEntity {
  readonly name: string;
  readonly resource: string;
  readonly createdAt?: string;
  readonly permissions?: PocketIdApiPermission[] | null;
  readonly allowCimdClients?: boolean;
}

/** A permission as the PUT of the permissions takes it: a description left out is cleared. */
interface PermissionInput {
  readonly key: string;
  readonly name: string;
  readonly description: string | null;
}

const FIELD_LIST: FieldTable<ApiProperties>['fields'] = [
  { property: 'Name', api: 'name', read: readString, pocketIdDefault: undefined },
];

/** Fields of Pocket-ID's answer its API PUT does not take (the resource cannot change; permissions and CIMD access have their own endpoints). */
const READ_ONLY_FIELDS = ['id', 'resource', 'createdAt', 'permissions', 'allowCimdClients'];

/** The name: all Pocket-ID 2.14's PUT of an API takes. */
const FIELDS: FieldTable<ApiProperties> = { fields: FIELD_LIST, bodyOf: heldWithout(READ_ONLY_FIELDS) };

export const API_PLACE = { label: 'API', path: apiPath } as const;

const API: EntityKind<ApiProperties, PocketIdApi> = {
  label: 'API',
  idField: 'apiId',
  path: apiPath,
  fields: FIELDS,
  validate: validateProperties,
  // Pocket-ID keeps the resource for the API's life: a new one is a new API
  replaceOnChange: ['Resource'],
  onMove: 'new-entity',
  adoption: {
    key: (properties) => `the resource '${properties.Resource}'`,
    find: (properties, context) => findApiByResource(properties.Resource, context),
  },
  make: (request, operation) => postApi(request.properties, operation),
  reconcile: async (held, properties, previous, operation) => {
    const withPermissions = await reconcilePermissions(held, properties, operation);
    await reconcileCimdAccess(withPermissions, properties, previous, operation);
  },
  data: (apiId, properties) => {
    const data: ApiAttributes = { ApiId: apiId, Audience: properties.Resource };
    return { ...data };
  },
};

export const api = entityResource(API);

/** Creates the API, or takes over the one an earlier attempt or delivery of this Create made (Pocket-ID refuses a second API with the resource). */
function postApi(properties: ApiProperties, operation: Operation): Promise<Made<PocketIdApi>> {
  return postOrAdopt({
    label: 'API',
    collectionPath: '/api/apis',
    body: { name: properties.Name, resource: properties.Resource },
    isCreated: (answer) => isApi(answer) && answer.resource === properties.Resource,
    path: apiPath,
    delivery: earlierDelivery(properties, operation),
  }, operation);
}

/**
 * The API holding the resource is taken over only when an earlier delivery of this very Create could
 * have left it exactly so: the declared name, created within the adoption window, no permission this
 * resource does not declare, and no client with access yet (nothing could refer to it before this
 * resource reported its id).
 */
function earlierDelivery(properties: ApiProperties, context: OperationContext): EarlierDelivery<PocketIdApi> {
  return {
    noun: 'API',
    idField: 'apiId',
    taken: `the resource '${properties.Resource}'`,
    remedy: 'Choose another resource, set adoptExisting to take that API over, or refer to it with Api.fromResource()',
    find: () => findApiByResource(properties.Resource, context),
    whyNot: async (held) => {
      if (held.name !== properties.Name) return `its name is '${held.name}'`;
      const tooOld = notCreatedRecently(held.createdAt);
      if (tooOld) return tooOld;
      const declared = listOf<ApiPermissionProperties>(properties.Permissions).map((p) => p.Key);
      if (!permissionsOf(held).every((p) => declared.includes(p.key))) return 'it has permissions this resource does not declare';
      const clients = await context.api.list<unknown>('List the clients with access to the API', `${apiPath(held.id)}/clients`);
      return clients.length > 0 ? 'clients already have access to it' : undefined;
    },
  };
}

/** The API with exactly this resource (Pocket-ID's search matches parts of names and resources, ignoring case), read in full. */
export async function findApiByResource(resource: string, context: OperationContext): Promise<PocketIdApi | undefined> {
  const candidates = await context.api.list<PocketIdApi>('Find the API holding the resource', '/api/apis', { search: resource });
  const match = candidates.find((candidate) => candidate.resource === resource);
  return match ? readEntity<PocketIdApi>(context, API_PLACE, match.id) : undefined;
}

/**
 * Writes the whole permission set when it differs from Pocket-ID's. Pocket-ID matches permissions by
 * key: a kept key keeps its id and its grants; a removed one takes its grants with it (and the access
 * of every client left with no permission of that kind).
 */
async function reconcilePermissions(held: PocketIdApi, properties: ApiProperties, operation: Operation): Promise<PocketIdApi> {
  const current = permissionsOf(held).map(permissionInput);
  const wanted = declaredPermissions(properties);
  if (samePermissions(current, wanted)) return held;
  await keepGrantsOfRemovedPermissions(held, wanted, operation);
  operation.undo.add(`the previous permissions of API ${held.id}`, () => putPermissions(held.id, current, operation), {
    partOf: held.id,
    isUndone: async () => {
      const now = await readEntityOrFail<PocketIdApi>(operation, API_PLACE, held.id);
      return samePermissions(permissionsOf(now).map(permissionInput), current);
    },
  });
  const updated = await putPermissions(held.id, wanted, operation);
  if (!samePermissions(permissionsOf(updated).map(permissionInput), wanted)) {
    throw new Error(`API ${held.id}: Pocket-ID did not keep the declared permissions (PUT ${apiPath(held.id)}/permissions answered other ones)`);
  }
  operation.logger.info('set the API permissions', {
    apiId: held.id,
    added: wanted.filter((w) => !current.some((c) => c.key === w.key)).length,
    removed: current.filter((c) => !wanted.some((w) => w.key === c.key)).length,
  });
  return updated;
}

/** One client's grant on the API, by permission keys: what a restore writes back once the keys have ids again. */
interface GrantByKeys {
  readonly clientId: string;
  readonly userDelegatedAccess: boolean;
  readonly clientAccess: boolean;
  readonly userDelegatedKeys: string[];
  readonly clientKeys: string[];
}

interface ApiClientAccess {
  readonly client: { readonly id: string };
  readonly userDelegatedAccess: boolean;
  readonly clientAccess: boolean;
  readonly userDelegatedPermissionIds?: string[] | null;
  readonly clientPermissionIds?: string[] | null;
}

/**
 * Removing a permission takes its grants with it, and the access of every client left with no
 * permission of that kind: Pocket-ID cannot give them back. When this operation fails after the
 * permissions were written, the undo of the permissions makes the removed keys again (with new ids)
 * and this step, registered first so that it runs after that one, gives the clients their grants back.
 */
async function keepGrantsOfRemovedPermissions(held: PocketIdApi, wanted: readonly PermissionInput[], operation: Operation): Promise<void> {
  const removed = permissionsOf(held).filter((p) => !wanted.some((w) => w.key === p.key));
  if (removed.length === 0) return;
  const keyOf = (id: string) => permissionsOf(held).find((p) => p.id === id)?.key;
  const accesses = await operation.api.list<ApiClientAccess>('List the clients with access to the API', `${apiPath(held.id)}/clients`);
  const touched: GrantByKeys[] = accesses
    .filter((a) => [...listOf<string>(a.userDelegatedPermissionIds), ...listOf<string>(a.clientPermissionIds)]
      .some((id) => removed.some((p) => p.id === id)))
    .map((a) => ({
      clientId: a.client.id,
      userDelegatedAccess: a.userDelegatedAccess,
      clientAccess: a.clientAccess,
      userDelegatedKeys: listOf<string>(a.userDelegatedPermissionIds).map(keyOf).filter((key): key is string => key !== undefined),
      clientKeys: listOf<string>(a.clientPermissionIds).map(keyOf).filter((key): key is string => key !== undefined),
    }));
  if (touched.length === 0) return;
  operation.undo.add(`the previous grants of API ${held.id}`, () => restoreGrants(held.id, touched, operation), {
    partOf: held.id,
    requests: touched.length + 1,
    isUndone: () => grantsHeld(held.id, touched, operation),
  });
}

/** Whether every client holds its grant (by keys) on the API again. */
async function grantsHeld(apiId: string, grants: readonly GrantByKeys[], context: OperationContext): Promise<boolean> {
  const now = permissionsOf(await readEntityOrFail<PocketIdApi>(context, API_PLACE, apiId));
  const keysOf = (ids: string[] | null | undefined) => listOf<string>(ids).map((id) => now.find((p) => p.id === id)?.key).sort().join(',');
  const accesses = await context.api.list<ApiClientAccess>('List the clients with access to the API', `${apiPath(apiId)}/clients`);
  return grants.every((grant) => accesses.some((a) => a.client.id === grant.clientId && a.userDelegatedAccess === grant.userDelegatedAccess
    && a.clientAccess === grant.clientAccess && keysOf(a.userDelegatedPermissionIds) === [...grant.userDelegatedKeys].sort().join(',')
    && keysOf(a.clientPermissionIds) === [...grant.clientKeys].sort().join(',')));
}

async function restoreGrants(apiId: string, grants: readonly GrantByKeys[], context: OperationContext): Promise<void> {
  const now = permissionsOf(await readEntityOrFail<PocketIdApi>(context, API_PLACE, apiId));
  const idsOf = (keys: string[]) => keys.map((key) => now.find((p) => p.key === key)?.id).filter((id): id is string => id !== undefined);
  for (const grant of grants) {
    const body = {
      userDelegatedAccess: grant.userDelegatedAccess,
      clientAccess: grant.clientAccess,
      userDelegatedPermissionIds: idsOf(grant.userDelegatedKeys),
      clientPermissionIds: idsOf(grant.clientKeys),
    };
    const path = `${apiPath(apiId)}/clients/${encodeURIComponent(grant.clientId)}`;
    await context.api.put('Give a client its previous access to the API back', path, body, { expect: answersGrant });
  }
}

/**
 * The CIMD opt-in, when declared (or declared before: then Pocket-ID's default, off and no
 * permission, comes back). The keys are mapped to the permission ids Pocket-ID holds now.
 */
async function reconcileCimdAccess(
  held: PocketIdApi,
  properties: ApiProperties,
  previous: Partial<ApiProperties>,
  operation: Operation,
): Promise<void> {
  if (properties.CimdAccess === undefined && previous.CimdAccess === undefined) return;
  const enabled = readBoolean(properties.CimdAccess) ?? false;
  const wantedKeys = properties.CimdAccess === undefined ? [] : listOf<string>(properties.CimdPermissionKeys);
  const permissions = permissionsOf(held);
  const wantedIds = wantedKeys.map((key) => permissions.find((p) => p.key === key)!.id);
  const currentIds = permissions.filter((p) => p.allowedForCimdClients).map((p) => p.id);
  const currentEnabled = held.allowCimdClients === true;
  if (currentEnabled === enabled && sameIds(currentIds, wantedIds)) return;
  const cimdAsBefore = async () => {
    const now = await readEntityOrFail<PocketIdApi>(operation, API_PLACE, held.id);
    const flagged = permissionsOf(now).filter((p) => p.allowedForCimdClients).map((p) => p.id);
    return (now.allowCimdClients === true) === currentEnabled && sameIds(flagged, currentIds);
  };
  operation.undo.add(`the previous CIMD access of API ${held.id}`, () => putCimdAccess(held.id, currentEnabled, currentIds, operation), {
    partOf: held.id,
    isUndone: cimdAsBefore,
  });
  const updated = await putCimdAccess(held.id, enabled, wantedIds, operation);
  const kept = permissionsOf(updated).filter((p) => p.allowedForCimdClients).map((p) => p.id);
  if (updated.allowCimdClients !== enabled || !sameIds(kept, wantedIds)) {
    throw new Error(`API ${held.id}: Pocket-ID did not keep the declared CIMD access (PUT ${apiPath(held.id)}/cimd-access answered another one)`);
  }
  operation.logger.info('set the API\'s CIMD access', { apiId: held.id, enabled, permissions: wantedIds.length });
}

function putPermissions(apiId: string, permissions: readonly PermissionInput[], context: OperationContext): Promise<PocketIdApi> {
  const expect = (answer: unknown) => isApi(answer) && answer.id === apiId && (Array.isArray(answer.permissions) || answer.permissions === null);
  return context.api.put<PocketIdApi>('Set API permissions', `${apiPath(apiId)}/permissions`, { permissions }, { expect });
}

function putCimdAccess(apiId: string, enabled: boolean, permissionIds: readonly string[], context: OperationContext): Promise<PocketIdApi> {
  const expect = (answer: unknown) => isApi(answer) && answer.id === apiId;
  return context.api.put<PocketIdApi>('Set API CIMD access', `${apiPath(apiId)}/cimd-access`, { enabled, permissionIds }, { expect });
}

function declaredPermissions(properties: ApiProperties): PermissionInput[] {
  return listOf<ApiPermissionProperties>(properties.Permissions).map((p) => ({ key: p.Key, name: p.Name, description: p.Description ?? null }));
}

function permissionInput(permission: PocketIdApiPermission): PermissionInput {
  return { key: permission.key, name: permission.name, description: permission.description ?? null };
}

/** The same permissions, whatever their order (Pocket-ID inserts the new keys of one PUT in random order). */
function samePermissions(a: readonly PermissionInput[], b: readonly PermissionInput[]): boolean {
  const text = (list: readonly PermissionInput[]) => list.map((p) => JSON.stringify([p.key, p.name, p.description])).sort().join('\n');
  return text(a) === text(b);
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  return [...a].sort().join(',') === [...b].sort().join(',');
}

function answersGrant(answer: unknown): boolean {
  return typeof answer === 'object' && answer !== null && typeof (answer as { clientAccess?: unknown }).clientAccess === 'boolean';
}

export function permissionsOf(held: PocketIdApi): PocketIdApiPermission[] {
  return listOf<PocketIdApiPermission>(held.permissions);
}

export function isApi(answer: unknown): answer is PocketIdApi {
  return typeof answer === 'object' && answer !== null && typeof (answer as PocketIdApi).id === 'string' && typeof (answer as PocketIdApi).resource === 'string';
}

export function apiPath(apiId: string): string {
  return `/api/apis/${encodeURIComponent(apiId)}`;
}

function validateProperties(raw: Record<string, unknown>): string[] {
  const properties = raw as unknown as ApiProperties;
  const problems = shapeProblems(raw, {
    required: { Name: 'name', Resource: 'resource' },
    lists: { Permissions: 'permissions', CimdPermissionKeys: 'cimdAccess.permissions' },
    booleans: { CimdAccess: 'cimdAccess.enabled', AdoptExisting: 'adoptExisting' },
  });
  if (problems.length > 0) return problems;
  const permissions = listOf<ApiPermissionProperties>(properties.Permissions);
  const malformed = permissions.flatMap((p, i) => (typeof p === 'object' && p !== null && typeof p.Key === 'string' && typeof p.Name === 'string'
    && (p.Description === undefined || typeof p.Description === 'string') ? [] : [`permissions[${i}] must have a key and a name (strings) and at most a description`]));
  if (malformed.length > 0) return malformed;
  const declared = permissions.map((p) => ({ key: p.Key, name: p.Name, description: p.Description }));
  return [
    ...validateApi({
      name: properties.Name,
      resource: properties.Resource,
      issuer: properties.IssuerUrl ?? properties.BaseUrl,
      permissions: declared,
    }),
    ...checkKeysDeclared('cimdAccess.permissions', listOf<string>(properties.CimdPermissionKeys), declared),
  ];
}
