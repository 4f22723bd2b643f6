import { GroupInput, groupInputSchema, nfc, readIdList } from './body-types';
import { decodeStruct } from './decode';
import { groupDto, groupMinimalDto } from './dto';
import { alreadyInUse, notFound } from './errors';
import { ApiResponse, emptyResponse, jsonResponse, readJsonBody, RequestContext } from './http';
import { newUuid, timestamp } from './ids';
import { Columns, isValidSortDirection, likeContains, paginateFilterAndSort, parseListOptions, sortBy } from './list';
import { ServerState } from './state';
import { GroupRecord, Store } from './store';
import { FieldChecks, max, min, required } from './validation';

const GROUP_COLUMNS: Columns<GroupRecord> = {
  CreatedAt: { value: (g) => Date.parse(g.createdAt) / 1000, sortable: true },
  FriendlyName: { value: (g) => g.friendlyName, sortable: true },
  Name: { value: (g) => g.name, sortable: true },
};

export function requireGroup(store: Store, id: string): GroupRecord {
  const group = store.groups.get(id);
  if (!group) throw notFound('User group');
  return group;
}

function readGroupInput(ctx: RequestContext): GroupInput {
  const input = decodeStruct(groupInputSchema, () => ({ friendlyName: '', name: '' }), readJsonBody(ctx));
  new FieldChecks()
    .field('friendlyName', input.friendlyName, required, min(2), max(50))
    .field('name', input.name, required, min(2), max(255))
    .throwIfFailed();
  return { friendlyName: nfc(input.friendlyName), name: nfc(input.name) };
}

function nameTaken(store: Store, name: string, exceptId: string): boolean {
  return [...store.groups.values()].some((g) => g.id !== exceptId && g.name === name);
}

export function listGroups(ctx: RequestContext, { store }: ServerState): ApiResponse {
  const search = ctx.query.get('search') ?? '';
  const options = parseListOptions(ctx.query);
  let matching = [...store.groups.values()].filter((g) => search === '' || likeContains(g.name, search));
  // userCount is not a column: Pocket-ID orders a GROUP BY id join (ties in id order) before the regular sort/filter step
  if (options.sortColumn === 'userCount' && isValidSortDirection(options.sortDirection)) {
    matching = sortBy(sortBy(matching, (g) => g.id, 'asc'), (g) => store.userIdsOfGroup(g.id).length, options.sortDirection);
  }
  const page = paginateFilterAndSort(matching, options, GROUP_COLUMNS);
  return jsonResponse(200, { data: page.data.map((g) => groupMinimalDto(store, g, { preloaded: true })), pagination: page.pagination });
}

export function getGroup(ctx: RequestContext, { store }: ServerState): ApiResponse {
  return jsonResponse(200, groupDto(store, requireGroup(store, ctx.params.id), { preloaded: true }));
}

export function createGroup(ctx: RequestContext, { store }: ServerState): ApiResponse {
  const input = readGroupInput(ctx);
  if (nameTaken(store, input.name, '')) throw alreadyInUse('name');
  const now = new Date();
  const group: GroupRecord = { id: newUuid(), createdAt: timestamp(now), friendlyName: input.friendlyName, name: input.name, ldapId: null };
  store.groups.set(group.id, group);
  // The create answer shows the in-memory time (sub-second); reads show the stored, whole-second one
  return jsonResponse(201, { ...groupDto(store, group, { preloaded: true }), createdAt: now.toISOString() });
}

export function updateGroup(ctx: RequestContext, { store }: ServerState): ApiResponse {
  const input = readGroupInput(ctx);
  const group = requireGroup(store, ctx.params.id);
  if (nameTaken(store, input.name, group.id)) throw alreadyInUse('name');
  group.friendlyName = input.friendlyName;
  group.name = input.name;
  return jsonResponse(200, groupDto(store, group, { preloaded: true }));
}

export function deleteGroup(ctx: RequestContext, { store }: ServerState): ApiResponse {
  requireGroup(store, ctx.params.id);
  store.deleteGroup(ctx.params.id);
  return emptyResponse(204);
}

/** Replaces the members; unknown user ids are dropped silently. */
export function updateGroupUsers(ctx: RequestContext, { store }: ServerState): ApiResponse {
  const userIds = readIdList(ctx, 'userIds');
  const group = requireGroup(store, ctx.params.id);
  store.setUsersOfGroup(group.id, userIds.filter((id) => store.users.has(id)));
  return jsonResponse(200, groupDto(store, group, { preloaded: true }));
}

export function updateGroupAllowedClients(ctx: RequestContext, { store }: ServerState): ApiResponse {
  const clientIds = readIdList(ctx, 'oidcClientIds');
  const group = requireGroup(store, ctx.params.id);
  store.setAllowedClientsOfGroup(group.id, clientIds.filter((id) => store.clients.has(id)));
  return jsonResponse(200, groupDto(store, group, { preloaded: true }));
}
