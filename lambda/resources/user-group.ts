import { MembershipMode, UserGroupAttributes, UserGroupProperties } from '../../lib/contract';
import { validateUserGroup } from '../../lib/private/validation';
import { EarlierDelivery, notCreatedRecently, postOrAdopt } from '../adoption';
import { checkClaims, claimsOf, claimsRecord, CustomClaim, declaredClaims, reconcileClaims } from '../custom-claims';
import { PocketIdApiError } from '../errors';
import { FieldTable, heldWithout } from '../fields';
import { entityResource, EntityKind, Made, PocketIdEntity, readEntity, readEntityOrFail } from '../lifecycle';
import { listIds, listOf, readString, sameSet, shapeProblems } from '../properties';
import { checkIdList, wantedRelationIds, readIdList } from '../relations';
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
  adoption: {
    key: (properties) => `the name '${properties.Name}'`,
    find: (properties, context) => findGroupNamed(properties.Name, context),
    refuse: (group) => (group.ldapId ? 'it is synced from LDAP, which owns its name and members' : undefined),
  },
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

/** Creates the group, or takes over the one an earlier attempt or delivery of this Create made (Pocket-ID refuses a second group with the name). */
function postGroup(properties: UserGroupProperties, operation: Operation): Promise<Made<PocketIdGroup>> {
  return postOrAdopt({
    label: 'user group',
    collectionPath: '/api/user-groups',
    body: { name: properties.Name, friendlyName: properties.FriendlyName },
    isCreated: (answer) => isGroup(answer) && answer.name === properties.Name,
    path: groupPath,
    delivery: earlierDelivery(properties, operation),
  }, operation);
}

/**
 * The group holding the name is taken over only when an earlier delivery of this very Create could
 * have left it exactly so: the declared friendly name, created within the adoption window, no claims
 * or members beyond the declared ones, no client admitting it yet (nothing could refer to it before
 * this resource reported its id) and not synced from LDAP. The same rule lets a Create whose first
 * attempt lost the POST's answer pick up the orphan it left.
 */
function earlierDelivery(properties: UserGroupProperties, context: OperationContext): EarlierDelivery<PocketIdGroup> {
  return {
    noun: 'group',
    idField: 'groupId',
    taken: `the name '${properties.Name}'`,
    remedy: 'Choose another name, set adoptExisting to take that group over, or refer to it through a lookup',
    find: () => findGroupNamed(properties.Name, context),
    whyNot: (group) => whyNotFromThisCreate(group, properties),
  };
}

/** Why the group cannot be the work of an earlier delivery of this Create, or undefined when it can. */
function whyNotFromThisCreate(group: PocketIdGroup, properties: UserGroupProperties): string | undefined {
  if (group.ldapId) return 'it is synced from LDAP';
  if (group.friendlyName !== properties.FriendlyName) return `its friendly name is '${group.friendlyName}'`;
  const tooOld = notCreatedRecently(group.createdAt);
  if (tooOld) return tooOld;
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
  const wanted = wantedRelationIds(current, declared, readIdList(previous.MemberUserIds), membershipModeOf(properties));
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
  const problems = shapeProblems(raw, { required: { Name: 'name', FriendlyName: 'friendlyName' }, booleans: { AdoptExisting: 'adoptExisting' } });
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
