/**
 * The main job's summary, from templates alone: the Pocket-ID entities each stack declares, what a
 * deploy would do to each compared with the previous synth, and a check that no secret value sits in
 * any template. Offline: nothing here resolves a reference or reads a secret.
 */
import { describeChanges } from './changes';
import { joinedText, ReferenceNames } from './names';
import { Entity, entityName, pocketIdEntities, POCKET_ID_TYPE_PREFIX, Resources, ResourceType, Template, Templates } from './template';

const KIND_LABELS: Readonly<Record<string, string>> = {
  [ResourceType.OIDC_CLIENT]: 'OIDC client',
  [ResourceType.USER]: 'user',
  [ResourceType.USER_GROUP]: 'group',
  [ResourceType.LOOKUP]: 'existing',
};

/** A property name whose string value of 8 characters or more would be a secret in a template. */
const SECRET_VALUE = /"(SecretString|ClientSecret|ApiToken|Token)"\s*:\s*"[^"]{8,}"/;

/**
 * What the current synth would do, stack by stack, against the previous synth (empty: there was none).
 * `previousSource` says where the previous synth came from.
 */
export function describeSynth(current: Templates, previous: Templates, previousSource: string): string[] {
  const everyTemplate = [...current.values(), ...previous.values()];
  return [
    ...[...current].flatMap(([stackName, template]) => [
      ...describeStack({ stackName, template, previous: previous.get(stackName), previousSource }, everyTemplate),
      `  template: ${Object.keys(template.Resources ?? {}).length} resources, ${(JSON.stringify(template).length / 1024).toFixed(1)} KB`,
      '',
    ]),
    secretCheck(current),
  ];
}

interface StackSynths {
  readonly stackName: string;
  readonly template: Template;
  readonly previous: Template | undefined;
  readonly previousSource: string;
}

function describeStack(stack: StackSynths, everyTemplate: Template[]): string[] {
  const resources = stack.template.Resources ?? {};
  const previous = stack.previous?.Resources;
  const names = new ReferenceNames([resources, previous ?? {}], everyTemplate);
  const entities = pocketIdEntities(resources);
  const lines = [
    `Stack ${stack.stackName}: ${entities.length} Pocket-ID entities, served by ${handlerCount(resources)} handler Lambda`,
    previous ? `  (changes are against ${stack.previousSource})` : '  (no previous synth: everything would be created)',
  ];
  for (const [connection, group] of groupByInstance(entities)) {
    lines.push(`  Pocket-ID ${connection}`);
    for (const entity of group) lines.push(...describeEntity(entity, previous, names));
  }
  lines.push(...removedEntities(resources, previous).map((gone) => `    ${removal(gone)}`));
  return lines;
}

function removal(gone: Entity): string {
  if (gone.type === ResourceType.LOOKUP) return `- forget ${label(gone)} (nothing is deleted in Pocket-ID)`;
  return `- delete ${label(gone)}${gone.deletionPolicy === 'Retain' ? ' (retained in Pocket-ID: removalPolicy RETAIN)' : ''}`;
}

function handlerCount(resources: Resources): number {
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::Lambda::Function' && r.Properties?.Handler === 'index.handler' && r.Properties?.Architectures)
    .length;
}

function describeEntity(entity: Entity, previous: Resources | undefined, names: ReferenceNames): string[] {
  const before = pocketIdEntities(previous ?? {}).find((candidate) => candidate.logicalId === entity.logicalId);
  const { verb, lines: changes } = before ? describeChanges(before, entity, names) : { verb: '+ create', lines: [] };
  const shownVerb = entity.type === ResourceType.LOOKUP ? verb.replace('create', 'look up') : verb;
  const details = DETAILS[entity.type]?.(entity.properties, names) ?? [];
  return [`    ${shownVerb} ${label(entity)}`, ...[...changes, ...details].map((line) => `        ${line}`)];
}

const DETAILS: Readonly<Record<string, (p: Record<string, any>, names: ReferenceNames) => string[]>> = {
  [ResourceType.OIDC_CLIENT]: (p, names) => [
    `${p.IsPublic === 'true' ? 'public (no secret)' : 'confidential'}${p.PkceEnabled === 'true' || p.IsPublic === 'true' ? ', PKCE' : ''}; `
      + `client id: ${p.ClientId ?? 'a UUID chosen at create'}`,
    ...(p.CallbackUrls ? [`callback URLs: ${p.CallbackUrls.join(', ')}`] : []),
    ...(p.LogoutCallbackUrls ? [`logout callback URLs: ${p.LogoutCallbackUrls.join(', ')}`] : []),
    ...(p.AccessTokenLifetimeMinutes ? [`access tokens live ${p.AccessTokenLifetimeMinutes} minutes`] : []),
    ...(p.AllowedUserGroupIds ? [`allowed groups: ${p.AllowedUserGroupIds.length === 0 ? 'none (open to every user)' : names.list(p.AllowedUserGroupIds)}`] : []),
    ...(p.SecretArn ? [`client secret -> ${names.secret(p.SecretArn)} as JSON {clientId, clientSecret, issuer, discoveryUrl}`] : []),
  ],
  [ResourceType.USER]: (p, names) => [
    [p.Email, [p.FirstName, p.LastName].filter(Boolean).join(' '), p.IsAdmin === 'true' ? 'admin' : undefined].filter(Boolean).join(', '),
    ...(p.CustomClaims ? [`custom claims: ${claims(p.CustomClaims)}`] : []),
    ...(p.LoginLinkSecretArn ? [`one-time login link (${Number(p.LoginLinkLifetimeSeconds) / 3600} h) -> ${names.secret(p.LoginLinkSecretArn)}`] : []),
    ...(p.EmailLoginLink === 'true' ? ['Pocket-ID emails a login link'] : []),
  ],
  [ResourceType.USER_GROUP]: (p, names) => [
    `friendly name: ${p.FriendlyName}`,
    ...(p.CustomClaims ? [`custom claims: ${claims(p.CustomClaims)}`] : []),
    ...(p.MemberUserIds ? [`members (${p.MembershipMode ?? 'merge'}): ${p.MemberUserIds.length === 0 ? 'none' : names.list(p.MemberUserIds)}`] : []),
  ],
  [ResourceType.LOOKUP]: () => ['resolved by name at deploy time; nothing is created or deleted'],
};

function claims(list: Array<{ Key: string; Value: string }>): string {
  return list.map((claim) => `${claim.Key}=${claim.Value}`).join(', ');
}

function removedEntities(resources: Resources, previous: Resources | undefined): Entity[] {
  return pocketIdEntities(previous ?? {}).filter((entity) => !resources[entity.logicalId]);
}

function groupByInstance(entities: Entity[]): Map<string, Entity[]> {
  const groups = new Map<string, Entity[]>();
  for (const entity of entities) {
    const key = `${entity.properties.BaseUrl} (API key from secret ${describeSecretRef(entity.properties.ApiTokenSecret)})`;
    groups.set(key, [...(groups.get(key) ?? []), entity]);
  }
  return groups;
}

function describeSecretRef(value: unknown): string {
  if (typeof value === 'string') return value;
  return joinedText(value) ?? JSON.stringify(value);
}

function label(entity: Entity): string {
  const kind = KIND_LABELS[entity.type] ?? entity.type.replace(POCKET_ID_TYPE_PREFIX, '');
  const name = entityName(entity.properties);
  const what = entity.type === ResourceType.LOOKUP ? `${entity.properties.Kind} "${name}"` : `"${name}"`;
  return `${kind} ${what} [${entity.logicalId}]`;
}

/** The API token and client secrets are never in a template: only ARNs and names. Shown, not assumed. */
function secretCheck(templates: Templates): string {
  const hits = [...templates].filter(([, template]) => SECRET_VALUE.test(JSON.stringify(template))).map(([stackName]) => stackName);
  return hits.length === 0
    ? `Secret check: ${templates.size} template(s) scanned; no token or client secret value in any (only secret ARNs and names).`
    : `Secret check FAILED: a secret-looking value in ${hits.join(', ')}`;
}
