import { emptyUserInput, nfc, nfcOrNull, readIdList, UserInput, userInputSchema } from './body-types';
import { decodeStruct } from './decode';
import { groupDto, userDto } from './dto';
import { alreadyInUse, internalError, missingField, userNotFound } from './errors';
import { ApiResponse, emptyResponse, jsonResponse, readJsonBody, RequestContext } from './http';
import { newUuid, timestamp } from './ids';
import { Columns, likeContains, paginateFilterAndSort, parseListOptions } from './list';
import { ServerState } from './state';
import { Store, UserRecord } from './store';
import { email, FieldChecks, max, min, required, username, uuid } from './validation';

const USER_COLUMNS: Columns<UserRecord> = {
  CreatedAt: { value: (u) => Date.parse(u.createdAt) / 1000, sortable: true },
  Username: { value: (u) => u.username, sortable: true, noCase: true },
  Email: { value: (u) => u.email, sortable: true },
  EmailVerified: { value: (u) => u.emailVerified, sortable: true, filterable: true },
  FirstName: { value: (u) => u.firstName, sortable: true },
  LastName: { value: (u) => u.lastName, sortable: true },
  DisplayName: { value: (u) => u.displayName, sortable: true },
  IsAdmin: { value: (u) => u.isAdmin, sortable: true, filterable: true },
  Disabled: { value: (u) => u.disabled, sortable: true, filterable: true },
};


export function requireUser(store: Store, id: string): UserRecord {
  const user = store.users.get(id);
  if (!user) throw userNotFound();
  return user;
}

function readUserInput(ctx: RequestContext, { store }: ServerState): UserInput {
  const input = decodeStruct(userInputSchema, emptyUserInput, readJsonBody(ctx));
  new FieldChecks()
    .optional('id', input.id, uuid)
    .field('username', input.username, required, username, min(1), max(50))
    .optionalPointer('email', input.email, email)
    .field('firstName', input.firstName, max(50))
    .field('lastName', input.lastName, max(50))
    .field('displayName', input.displayName, max(100))
    .throwIfFailed();
  if (store.appConfig.requireUserEmail && input.email === null) throw missingField('email');
  return {
    ...input,
    username: nfc(input.username),
    email: nfcOrNull(input.email),
    firstName: nfc(input.firstName),
    lastName: nfc(input.lastName),
    displayName: nfc(input.displayName),
  };
}

function sameUsername(a: string, b: string): boolean {
  const fold = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
  return fold(a) === fold(b);
}

/** checkDuplicatedFields: the email is checked before the username; the user itself is excluded. */
function conflictOf(store: Store, user: Pick<UserRecord, 'id' | 'username' | 'email'>) {
  const others = [...store.users.values()].filter((u) => u.id !== user.id);
  if (user.email !== null && others.some((u) => u.email === user.email)) return alreadyInUse('email');
  if (others.some((u) => sameUsername(u.username, user.username))) return alreadyInUse('username');
  return undefined;
}

function violatesUniqueness(store: Store, user: Pick<UserRecord, 'id' | 'username' | 'email'>, isNew: boolean): boolean {
  return (
    (isNew && store.users.has(user.id)) ||
    [...store.users.values()].some(
      (u) => u.id !== user.id && (sameUsername(u.username, user.username) || (user.email !== null && u.email === user.email)),
    )
  );
}

export function listUsers(ctx: RequestContext, { store }: ServerState): ApiResponse {
  const search = ctx.query.get('search') ?? '';
  const matching = [...store.users.values()].filter(
    (u) => search === '' || [u.email, u.firstName, u.lastName, u.username].some((v) => likeContains(v, search)),
  );
  const page = paginateFilterAndSort(matching, parseListOptions(ctx.query), USER_COLUMNS);
  return jsonResponse(200, { data: page.data.map((u) => userDto(store, u, { preloaded: true })), pagination: page.pagination });
}

export function getUser(ctx: RequestContext, { store }: ServerState): ApiResponse {
  return jsonResponse(200, userDto(store, requireUser(store, ctx.params.id), { preloaded: true }));
}

export function getCurrentUser(_ctx: RequestContext, { store }: ServerState, userId: string): ApiResponse {
  return jsonResponse(200, userDto(store, requireUser(store, userId), { preloaded: true }));
}

export function createUser(ctx: RequestContext, state: ServerState): ApiResponse {
  const { store } = state;
  const input = readUserInput(ctx, state);
  const user = insertUser(store, { ...input, id: input.id === '' ? newUuid() : input.id }, input.userGroupIds ?? []);
  // The answer carries the user's groups, but not the default claims (they were written after the
  // user was loaded), as a real 2.14.0 answers it.
  return jsonResponse(201, { ...userDto(store, user, { preloaded: true }), customClaims: [] });
}

/** The fields of a new user, as CreateUser takes them. */
export type NewUser = Omit<UserRecord, 'createdAt' | 'ldapId'>;

/**
 * user_service.go CreateUser (also behind self-signup): unknown group ids are dropped (Where "id IN ?");
 * the default groups join only when the request names none; the default claims are given to every new user.
 */
export function insertUser(store: Store, fields: NewUser, requestedGroups: readonly string[]): UserRecord {
  const user: UserRecord = {
    id: fields.id,
    createdAt: timestamp(),
    username: fields.username,
    email: fields.email,
    emailVerified: fields.emailVerified,
    firstName: fields.firstName,
    lastName: fields.lastName,
    displayName: fields.displayName,
    isAdmin: fields.isAdmin,
    locale: fields.locale,
    ldapId: null,
    disabled: fields.disabled,
  };
  if (violatesUniqueness(store, user, true)) {
    const conflict = conflictOf(store, user);
    // A clash on the id alone finds no duplicate field and then fails on the rolled-back transaction
    throw conflict ?? internalError();
  }
  store.users.set(user.id, user);
  const groupIds = requestedGroups.length > 0 ? requestedGroups : store.appConfig.signupDefaultUserGroupIds;
  store.setGroupsOfUser(user.id, groupIds.filter((id) => store.groups.has(id)));
  for (const claim of store.appConfig.signupDefaultCustomClaims) {
    store.claims.push({ id: newUuid(), key: claim.key, value: claim.value, userId: user.id, userGroupId: null });
  }
  return user;
}

/** A full replace; the answer lists no groups or claims because Pocket-ID does not load them there. */
export function updateUser(ctx: RequestContext, state: ServerState): ApiResponse {
  const { store } = state;
  const input = readUserInput(ctx, state);
  const user = requireUser(store, ctx.params.id);
  const updated: UserRecord = {
    ...user,
    firstName: input.firstName,
    lastName: input.lastName,
    displayName: input.displayName,
    username: input.username,
    locale: input.locale,
    email: input.email,
    isAdmin: input.isAdmin,
    emailVerified: input.emailVerified,
    disabled: input.disabled,
  };
  if (violatesUniqueness(store, updated, false)) throw conflictOf(store, updated)!;
  store.users.set(user.id, updated);
  return jsonResponse(200, userDto(store, updated, { preloaded: false }));
}

export function deleteUser(ctx: RequestContext, { store }: ServerState): ApiResponse {
  requireUser(store, ctx.params.id);
  store.deleteUser(ctx.params.id);
  return emptyResponse(204);
}

export function getUserGroups(ctx: RequestContext, { store }: ServerState): ApiResponse {
  const user = requireUser(store, ctx.params.id);
  const groups = store.groupIdsOfUser(user.id).map((id) => store.groups.get(id)!);
  return jsonResponse(200, groups.map((g) => groupDto(store, g, { preloaded: false })));
}

/** Replaces the user's groups; unknown group ids are dropped silently. */
export function updateUserGroups(ctx: RequestContext, { store }: ServerState): ApiResponse {
  const groupIds = readIdList(ctx, 'userGroupIds');
  const user = requireUser(store, ctx.params.id);
  store.setGroupsOfUser(user.id, groupIds.filter((id) => store.groups.has(id)));
  return jsonResponse(200, userDto(store, user, { preloaded: true }));
}
