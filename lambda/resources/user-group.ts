import { MembershipMode, UserGroupAttributes, UserGroupProperties } from '../../lib/contract';
import { validateUserGroup } from '../../lib/private/validation';
import { checkClaims, claimsOf, claimsRecord, CustomClaim, declaredClaims, reconcileClaims } from '../custom-claims';
import { PocketIdApiError } from '../errors';
import { FieldTable, heldWithout } from '../fields';
import { isUncertain } from '../http-client';
import { ADOPTION_WINDOW_MS, entityResource, EntityKind, Made, PocketIdEntity, readEntity, readEntityOrFail } from '../lifecycle';
import { listIds, listOf, readString, sameSet, shapeProblems } from '../properties';
import { checkIdList, desiredMembers, readIdList } from '../relations';
import { Operation, OperationContext } from '../resource';

/** What the previous properties declared; a new group has nothing declared before. */
type PreviouslyDeclared = Pick<UserGroupProperties, 'CustomClaims' | 'MemberUserIds'>;

/** A group as Pocket-ID returns it; `users` and `allowedOidcClients` only come with GET /:id. */
interface PocketIdGroup extends PocketIdEntity {
  readonly name: string;
  readonly friendlyName: string;
  readonly customClaims?: CustomClaim[] | null;
  readonly users?: ReadonlyArray<{ readonly id: string }> | null;
  readonly allowedOidcClients?: ReadonlyArray<unknown> | null;
  readonly ldapId?: string | null;
  readonly createdAt?: string;
}

const MEMBERSHIP_MODES: readonly string[] = Object.values(MembershipMode);

const FIELD_LIST: FieldTable<UserGroupProperties>['fields'] = [
  { property: 'Name', api: 'name', read: readString, pocketIdDefault: undefined },
  { property: 'FriendlyName', api: 'friendlyName', read: readString, pocketIdDefault: undefined },
];

/** Fields of Pocket-ID's answer that its group PUT does not take (members, claims and clients have their own endpoints). */
const READ_ONLY_FIELDS = ['id', 'customClaims', 'userCount', 'ldapId', 'createdAt', 'users', 'allowedOidcClients'];

/**
 * The name and friendly name: what Pocket-ID 2.14's PUT of a group takes. A rename keeps the id,
 * members, claims and clients. The PUT body is the group as Pocket-ID holds it, so that fields of
 * newer releases are kept.
 */
const FIELDS: FieldTable<UserGroupProperties> = { fields: FIELD_LIST, bodyOf: heldWithout(READ_ONLY_FIELDS) };

const GROUP: EntityKind<UserGroupProperties, PocketIdGroup> = {
  label: 'user group',
  idField: 'groupId',
  path: groupPath,
  fields: FIELDS,
  validate: validateProperties,
  onMove: 'new-entity',
  make: (request, operation) => postGroup(request.properties, operation),
  reconcile: async (group, properties, previous, operation) => {
    await reconcileGroupClaims(group, properties, previous, operation);
    await reconcileMembers(group, properties, previous, operation);
  },
  data: (groupId, properties) => {
    const data: UserGroupAttributes = { GroupId: groupId, GroupName: properties.Name };
    return { ...data };
  },
  explainWriteError: (error, groupId) => explainLdapRefusal(error, groupId),
};

export const userGroup = entityResource(GROUP);

/**
 * Creates the group, or finds the one an earlier attempt or delivery of this Create made; either is
 * removed again if the Create fails. The POST is repeated like a PUT: Pocket-ID refuses a second group
 * with the name, and the conflict leads to the group the first attempt made.
 */
async function postGroup(properties: UserGroupProperties, operation: Operation): Promise<Made<PocketIdGroup>> {
  const body = { name: properties.Name, friendlyName: properties.FriendlyName };
  const isCreatedGroup = (answer: unknown) => isGroup(answer) && answer.name === properties.Name;
  let created: Made<PocketIdGroup>;
  try {
    created = { entity: await operation.api.post<PocketIdGroup>('Create user group', '/api/user-groups', body, { repeatable: true, expect: isCreatedGroup }), adopted: false };
  } catch (error) {
    if (isNameTaken(error)) created = { entity: await adoptEarlierDelivery(properties, operation, error), adopted: true };
    else created = { entity: await findLostGroup(properties, operation, error), adopted: false };
  }
  const groupId = created.entity.id;
  operation.undo.add(`user group ${groupId}`, () => operation.api.delete('Remove the partly created user group', groupPath(groupId)), {
    requests: 2,
    removes: groupId,
    isUndone: () => operation.api.isGone(groupPath(groupId)),
  });
  return created;
}

/**
 * After a POST whose answer was lost or garbled, the group Pocket-ID may have made all the same: the
 * group holding the name, when it could only be this Create's work. Otherwise the POST's error stands.
 */
async function findLostGroup(properties: UserGroupProperties, context: OperationContext, error: unknown): Promise<PocketIdGroup> {
  if (!isUncertain(error)) throw error;
  const made = await findGroupNamed(properties.Name, context).catch(() => undefined);
  if (!made || whyNotFromThisCreate(made, properties, Date.now())) throw error;
  context.logger.info('the answer to the POST was lost, but Pocket-ID made the group: taking it over', { groupId: made.id });
  return made;
}

function isNameTaken(error: unknown): error is PocketIdApiError {
  return error instanceof PocketIdApiError && error.status === 409 && error.code === 'already_in_use';
}

/**
 * Pocket-ID takes no caller-chosen group id, so a repeated delivery cannot be recognised by its id the
 * way a client is; it is recognised by what it left instead. The group holding the name is taken
 * over only when an earlier delivery of this very Create could have left it exactly so: the declared
 * friendly name, created within ADOPTION_WINDOW_MS, no claims or members beyond the declared ones, no
 * client admitting it yet (nothing could refer to it before this resource reported its id) and not
 * synced from LDAP. Anything else belongs to someone else: the Create fails and touches nothing. The
 * same rule lets a Create whose first attempt lost the POST's answer pick up the orphan it left.
 */
async function adoptEarlierDelivery(properties: UserGroupProperties, context: OperationContext, conflict: PocketIdApiError): Promise<PocketIdGroup> {
  const existing = await findGroupNamed(properties.Name, context);
  if (!existing) throw conflict;
  const reason = whyNotFromThisCreate(existing, properties, Date.now());
  if (reason) {
    const requestId = conflict.requestId ?? conflict.body?.request_id;
    throw new Error(`Create user group: POST /api/user-groups returned 409 already_in_use: the name '${properties.Name}' belongs to the group `
      + `${existing.id}, which this resource did not create (${reason}). Choose another name, or refer to the existing group through a lookup`
      + `${requestId ? ` (Pocket-ID request id ${requestId})` : ''}`);
  }
  context.logger.info('the group an earlier delivery of this Create made exists: taking it over', { groupId: existing.id });
  return existing;
}

/** Why the group cannot be the work of an earlier delivery of this Create, or undefined when it can. */
function whyNotFromThisCreate(group: PocketIdGroup, properties: UserGroupProperties, now: number): string | undefined {
  const createdAt = Date.parse(group.createdAt ?? '');
  if (group.ldapId) return 'it is synced from LDAP';
  if (group.friendlyName !== properties.FriendlyName) return `its friendly name is '${group.friendlyName}'`;
  if (Number.isNaN(createdAt) || Math.abs(now - createdAt) > ADOPTION_WINDOW_MS) {
    return `it was created at ${group.createdAt ?? 'an unknown time'}, not within the last ${ADOPTION_WINDOW_MS / 60_000} minutes`;
  }
  const declared = declaredClaims(properties.CustomClaims) ?? [];
  if (!claimsOf(group).every((claim) => declared.some((d) => d.key === claim.key && d.value === claim.value))) {
    return 'it has custom claims this resource does not declare';
  }
  const declaredMembers = readIdList(properties.MemberUserIds) ?? [];
  if (!memberIdsOf(group).every((id) => declaredMembers.includes(id))) return 'it has members this resource does not declare';
  if (listOf(group.allowedOidcClients).length > 0) return 'OIDC clients already admit it';
  return undefined;
}

/** The group with exactly this name (Pocket-ID's search matches parts of names, ignoring case), read in full. */
async function findGroupNamed(name: string, context: OperationContext): Promise<PocketIdGroup | undefined> {
  const candidates = await context.api.list<PocketIdGroup>('Find the user group holding the name', '/api/user-groups', { search: name });
  const match = candidates.find((group) => group.name === name);
  return match ? readEntity<PocketIdGroup>(context, GROUP, match.id) : undefined;
}

function reconcileGroupClaims(group: PocketIdGroup, properties: UserGroupProperties, previous: PreviouslyDeclared, operation: Operation) {
  const owner = { kind: 'user-group', id: group.id, description: `user group ${group.id}`, place: GROUP } as const;
  return reconcileClaims(owner, claimsOf(group), declaredClaims(properties.CustomClaims), previous.CustomClaims !== undefined, operation);
}

/**
 * Writes the member list this resource wants, when it differs from Pocket-ID's, and checks that
 * Pocket-ID kept every id: it drops unknown user ids without a word.
 */
async function reconcileMembers(group: PocketIdGroup, properties: UserGroupProperties, previous: PreviouslyDeclared, operation: Operation) {
  const current = memberIdsOf(group);
  const declared = readIdList(properties.MemberUserIds);
  const wanted = desiredMembers(current, declared, readIdList(previous.MemberUserIds), membershipModeOf(properties));
  if (wanted === undefined || sameSet(current, wanted)) return;
  operation.undo.add(`the previous members of user group ${group.id}`, () => putMembers(group.id, current, operation), {
    partOf: group.id,
    isUndone: async () => sameSet(memberIdsOf(await readGroupOrFail(group.id, operation)), current),
  });
  const kept = memberIdsOf(await putMembers(group.id, wanted, operation));
  const unknown = wanted.filter((id) => !kept.includes(id));
  if (unknown.length > 0) {
    throw new Error(`User group '${properties.Name}' (${group.id}): these members are not Pocket-ID users, so Pocket-ID left them out: `
      + `${listIds(unknown)}. Was a user deleted outside CloudFormation? Create the user again, or remove its id from the members`);
  }
  operation.logger.info('set the user group members', {
    groupId: group.id,
    added: wanted.filter((id) => !current.includes(id)).length,
    removed: current.filter((id) => !wanted.includes(id)).length,
  });
}

/** Pocket-ID answers with the group and its members. */
async function putMembers(groupId: string, userIds: readonly string[], context: OperationContext): Promise<PocketIdGroup> {
  const hasMembers = (answer: unknown) => isGroup(answer) && answer.id === groupId && (Array.isArray(answer.users) || answer.users === null);
  return context.api.put<PocketIdGroup>('Set user group members', `${groupPath(groupId)}/users`, { userIds }, { expect: hasMembers });
}

function isGroup(answer: unknown): answer is PocketIdGroup {
  return typeof answer === 'object' && answer !== null && typeof (answer as PocketIdGroup).id === 'string';
}

/** LDAP-synced groups can be neither changed nor deleted while Pocket-ID's LDAP sync is on. */
function explainLdapRefusal(error: unknown, groupId: string): unknown {
  if (!(error instanceof PocketIdApiError && error.code === 'ldap_user_group_update')) return error;
  return new Error(`User group ${groupId} is synced from LDAP: Pocket-ID refuses to change or delete it while its LDAP sync is on `
    + `(${error.request.method} ${error.request.path} returned 403 ldap_user_group_update). Change the group in the LDAP directory, or `
    + 'turn off Pocket-ID\'s LDAP sync; to stop managing it here, remove it from the stack with a RETAIN removal policy');
}

function validateProperties(raw: Record<string, unknown>): string[] {
  const properties = raw as unknown as UserGroupProperties;
  const problems = shapeProblems(raw, { required: { Name: 'name', FriendlyName: 'friendlyName' } });
  const claims = checkClaims(properties.CustomClaims, problems);
  problems.push(...validateUserGroup({
    name: readString(properties.Name),
    friendlyName: readString(properties.FriendlyName),
    customClaims: claimsRecord(claims),
  }));
  problems.push(...checkMembershipMode(properties.MembershipMode));
  problems.push(...checkIdList(properties.MemberUserIds, 'members', 'user id'));
  return problems;
}

function checkMembershipMode(mode: unknown): string[] {
  if (mode === undefined || mode === null || MEMBERSHIP_MODES.includes(mode as string)) return [];
  return [`membershipMode must be one of ${MEMBERSHIP_MODES.map((m) => `'${m}'`).join(', ')} (got ${JSON.stringify(mode)})`];
}

function membershipModeOf(properties: UserGroupProperties): string {
  return properties.MembershipMode ?? MembershipMode.MERGE;
}

function readGroupOrFail(groupId: string, context: OperationContext): Promise<PocketIdGroup> {
  return readEntityOrFail<PocketIdGroup>(context, GROUP, groupId);
}

function memberIdsOf(group: PocketIdGroup): string[] {
  return listOf<{ id: string }>(group.users).map((user) => user.id);
}

function groupPath(groupId: string): string {
  return `/api/user-groups/${encodeURIComponent(groupId)}`;
}
