/**
 * What a deploy would do to an entity that the previous synth had too: the properties that change,
 * old → new, and what follows from them in Pocket-ID. The consequences are the handler's
 * (lambda/resources/*.ts): a changed fixed id replaces the entity; at another base URL the handler
 * does not find the entity and creates it there.
 */
import { ReferenceNames } from './names';
import { Entity, ResourceType } from './template';

/** Properties that say nothing about the entity. */
const IGNORED_KEYS = new Set(['ServiceToken']);

/** The fixed-id property whose change replaces the entity. */
const IDENTITY_KEYS: Readonly<Record<string, string>> = {
  [ResourceType.OIDC_CLIENT]: 'ClientId',
  [ResourceType.USER]: 'UserId',
};

const KIND_NAMES: Readonly<Record<string, string>> = {
  [ResourceType.OIDC_CLIENT]: 'client',
  [ResourceType.USER]: 'user',
  [ResourceType.USER_GROUP]: 'group',
  [ResourceType.LOOKUP]: 'entity it looks up',
};

export interface EntityChanges {
  /** `= unchanged`, `~ update`, or `!` for what needs a decision: a replacement, a move to another URL. */
  readonly verb: string;
  readonly lines: string[];
}

export function describeChanges(before: Entity, after: Entity, names: ReferenceNames): EntityChanges {
  const changed = changedKeys(before.properties, after.properties);
  if (changed.length === 0) return { verb: '= unchanged', lines: [] };
  const identityKey = IDENTITY_KEYS[after.type];
  const replaced = identityKey !== undefined && changed.includes(identityKey);
  const moved = changed.includes('BaseUrl');
  const lines = [
    ...(replaced ? replacementLines(before, after, names) : []),
    ...(moved ? [baseUrlLine(before, after)] : []),
    ...changed.filter((key) => key !== 'BaseUrl' && !(replaced && key === identityKey)).flatMap((key) => propertyLines(key, before, after, names)),
  ];
  return { verb: replaced ? '! replace' : moved ? '! update' : '~ update', lines };
}

function changedKeys(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  return [...new Set([...Object.keys(before), ...Object.keys(after)])]
    .filter((key) => !IGNORED_KEYS.has(key) && JSON.stringify(before[key]) !== JSON.stringify(after[key]));
}

function replacementLines(before: Entity, after: Entity, names: ReferenceNames): string[] {
  return after.type === ResourceType.OIDC_CLIENT ? clientReplacementLines(before, after, names) : userReplacementLines(before, after);
}

function clientReplacementLines(before: Entity, after: Entity, names: ReferenceNames): string[] {
  const oldId = fixedId(before.properties.ClientId, 'the UUID chosen at create');
  const confidential = after.properties.IsPublic !== 'true';
  const secretLines = confidential ? [
    `the new client secret replaces the old one in ${names.secret(after.properties.SecretArn)}: `
      + 'apps must read it again, and any copy of the old secret stops working',
  ] : [];
  return [
    `clientId: ${oldId} → ${fixedId(after.properties.ClientId, 'a new UUID')}: a new client${confidential ? ', with a new client secret' : ''}; `
      + `the old client ${fateOfReplaced(before, 'is deleted once the deploy succeeded')}`,
    `reconfigure every app that uses ${theOldId('client id', before.properties.ClientId)}`,
    ...secretLines,
  ];
}

function userReplacementLines(before: Entity, after: Entity): string[] {
  const oldId = fixedId(before.properties.UserId, 'the UUID chosen at create');
  const username = after.properties.Username;
  return [
    `userId: ${oldId} → ${fixedId(after.properties.UserId, 'a new UUID')}: a new user, without the passkeys registered to the old one `
      + `(${username} registers one again); the old user ${fateOfReplaced(before, 'is deleted once the deploy succeeded, with its passkeys')}`,
    `reconfigure whatever knows ${theOldId('user id', before.properties.UserId)}: `
      + 'apps that keep users by the tokens\' sub claim, groups in other stacks that list it as a member',
    ...collisionLines(before, after),
  ];
}

/** Usernames and emails are unique in Pocket-ID: a replacement that keeps one collides with the old user. */
function collisionLines(before: Entity, after: Entity): string[] {
  const taken = [
    ...(String(after.properties.Username).toLowerCase() === String(before.properties.Username).toLowerCase() ? [`username "${after.properties.Username}"`] : []),
    ...(after.properties.Email !== undefined && after.properties.Email === before.properties.Email ? [`email "${after.properties.Email}"`] : []),
  ];
  if (taken.length === 0) return [];
  return [`the deploy fails: Pocket-ID creates the new user before the old one is deleted, and the old user still has ${taken.join(' and ')}: `
    + 'change username and email together with userId'];
}

function fixedId(id: unknown, otherwise: string): string {
  return typeof id === 'string' ? `"${id}"` : otherwise;
}

/** `the old client id "web-app"`, or `the old client id (the UUID chosen at create)` when it was not fixed. */
function theOldId(what: string, id: unknown): string {
  return `the old ${what} ${typeof id === 'string' ? `"${id}"` : '(the UUID chosen at create)'}`;
}

function fateOfReplaced(before: Entity, deleted: string): string {
  return before.updateReplacePolicy === 'Retain' ? 'stays in Pocket-ID (removalPolicy RETAIN)' : deleted;
}

/** The summary cannot know offline whether the new URL is another Pocket-ID or the same one renamed. */
function baseUrlLine(before: Entity, after: Entity): string {
  const from = before.properties.BaseUrl;
  const to = after.properties.BaseUrl;
  const kind = KIND_NAMES[after.type] ?? 'entity';
  return `baseUrl changes from ${from} to ${to}: if ${to} is another Pocket-ID, ${atAnotherInstance(before, after, from)}; `
    + `if it is the same Pocket-ID at a new URL, the ${kind} is updated in place`;
}

function atAnotherInstance(before: Entity, after: Entity, from: string): string {
  if (after.type === ResourceType.LOOKUP) return 'the lookup searches that one';
  const kind = KIND_NAMES[after.type] ?? 'entity';
  // The handler never deletes a user because a URL changed: it keeps the physical id, so no Delete comes.
  // Any other entity answers a new physical id, and CloudFormation deletes the old one, on the old instance.
  const onOldInstance = after.type === ResourceType.USER ? `kept on ${from} with its passkeys (a URL change never deletes a user)`
    : before.updateReplacePolicy === 'Retain' ? `kept on ${from} (removalPolicy RETAIN)` : `removed from ${from} once the deploy succeeded`;
  const sameId = after.type === ResourceType.USER || (after.type === ResourceType.OIDC_CLIENT && typeof after.properties.ClientId === 'string');
  const secret = after.type === ResourceType.OIDC_CLIENT && after.properties.IsPublic !== 'true' ? ', with a new client secret,' : '';
  return `the ${kind} is created there${sameId ? ' with the same id' : ''}${secret} and ${onOldInstance}`;
}

function propertyLines(key: string, before: Entity, after: Entity, names: ReferenceNames): string[] {
  if (key === 'MemberUserIds') return memberLines(before, after, names);
  if (key === 'AllowedUserGroupIds') return allowedGroupLines(before, after, names);
  return [`${lowerFirst(key)}: ${valueChange(before.properties[key], after.properties[key], names)}`];
}

function valueChange(before: unknown, after: unknown, names: ReferenceNames): string {
  if (!Array.isArray(before) || !Array.isArray(after)) return `${names.value(before)} → ${names.value(after)}`;
  const { added, removed } = listDifference(before, after);
  if (added.length === 0 && removed.length === 0) return 'the same items, reordered';
  return [
    ...(added.length > 0 ? [`+ ${added.map((item) => names.value(item)).join(', ')}`] : []),
    ...(removed.length > 0 ? [`- ${removed.map((item) => names.value(item)).join(', ')}`] : []),
  ].join('; ');
}

/**
 * A group's member list has one writer, the group's resource: members it declared before and no longer
 * does are removed from the group, even when it stops declaring members at all.
 */
function memberLines(before: Entity, after: Entity, names: ReferenceNames): string[] {
  const declared = listOrUndefined(after.properties.MemberUserIds);
  const { added, removed } = listDifference(listOrUndefined(before.properties.MemberUserIds) ?? [], declared ?? []);
  const becomesExclusive = after.properties.MembershipMode === 'exclusive' && before.properties.MembershipMode !== 'exclusive';
  return [
    ...(declared === undefined ? ['members: no longer declared; the group keeps the members added outside CDK'] : []),
    ...(removed.length > 0 ? [`members removed from the group: ${names.list(removed)}`] : []),
    ...(added.length > 0 ? [`members added: ${names.list(added)}`] : []),
    ...(becomesExclusive ? ['membership becomes exclusive: members added outside CDK are removed too'] : []),
  ];
}

/** An absent list leaves Pocket-ID's allowed groups alone; an empty one opens the client to every user. */
function allowedGroupLines(before: Entity, after: Entity, names: ReferenceNames): string[] {
  const previous = listOrUndefined(before.properties.AllowedUserGroupIds);
  const declared = listOrUndefined(after.properties.AllowedUserGroupIds);
  if (declared === undefined) return [`allowed groups: no longer managed; Pocket-ID keeps ${previous && previous.length > 0 ? names.list(previous) : 'the ones it has'}`];
  const { added, removed } = listDifference(previous ?? [], declared);
  return [
    ...(removed.length > 0 ? [`allowed groups removed: ${names.list(removed)} (their members lose access, unless another allowed group has them)`] : []),
    ...(added.length > 0 ? [`allowed groups added: ${names.list(added)}`] : []),
    ...(declared.length === 0 && previous !== undefined && previous.length > 0 ? ['the client is now open to every user'] : []),
  ];
}

function listOrUndefined(value: unknown): unknown[] | undefined {
  return Array.isArray(value) ? value : undefined;
}

function listDifference(before: readonly unknown[], after: readonly unknown[]): { added: unknown[]; removed: unknown[] } {
  const keysBefore = new Set(before.map((item) => JSON.stringify(item)));
  const keysAfter = new Set(after.map((item) => JSON.stringify(item)));
  return {
    added: after.filter((item) => !keysBefore.has(JSON.stringify(item))),
    removed: before.filter((item) => !keysAfter.has(JSON.stringify(item))),
  };
}

function lowerFirst(key: string): string {
  return key.charAt(0).toLowerCase() + key.slice(1);
}

