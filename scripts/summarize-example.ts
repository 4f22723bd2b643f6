/**
 * The main job: synthesizes the example app in examples/web-app offline and prints the Pocket-ID
 * entities it declares, what a deploy would do to each compared with the previous run's synth (kept in
 * examples/web-app/cdk.out), and a check that no secret value sits in any template.
 * Nothing is deployed and no server is contacted.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createExampleApp } from '../examples/web-app/app';

const EXAMPLE_DIR = path.join(__dirname, '..', 'examples', 'web-app');
const OUTDIR = path.join(EXAMPLE_DIR, 'cdk.out');
const POCKET_ID_TYPE_PREFIX = 'Custom::PocketId';

const KIND_LABELS: Record<string, string> = {
  'Custom::PocketIdOidcClient': 'OIDC client',
  'Custom::PocketIdUser': 'user',
  'Custom::PocketIdUserGroup': 'group',
  'Custom::PocketIdLookup': 'existing',
};

type Resources = Record<string, { Type: string; Properties?: Record<string, any>; DeletionPolicy?: string }>;

interface Entity {
  readonly logicalId: string;
  readonly type: string;
  readonly properties: Record<string, any>;
  readonly deletionPolicy?: string;
}

function main(): void {
  const previous = readPreviousTemplates();
  const synthDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-pocket-id-example-'));
  const { app } = createExampleApp(synthDir);
  const assembly = app.synth();
  const lines: string[] = [
    'cdk-pocket-id: example app examples/web-app, synthesized offline (nothing deployed, no server contacted)',
    '',
  ];
  for (const stack of assembly.stacks) {
    const resources: Resources = stack.template.Resources ?? {};
    lines.push(...describeStack(stack.stackName, resources, previous.get(stack.stackName)));
    lines.push(`  template: ${Object.keys(resources).length} resources, ${(JSON.stringify(stack.template).length / 1024).toFixed(1)} KB`);
    lines.push('');
  }
  lines.push(secretCheck(synthDir));
  fs.rmSync(OUTDIR, { recursive: true, force: true });
  fs.cpSync(synthDir, OUTDIR, { recursive: true });
  fs.rmSync(synthDir, { recursive: true, force: true });
  console.log(lines.join('\n'));
}

function describeStack(stackName: string, resources: Resources, previous: Resources | undefined): string[] {
  const entities = pocketIdEntities(resources);
  const handlers = Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::Function' && r.Properties?.Handler === 'index.handler' && r.Properties?.Architectures);
  const lines = [`Stack ${stackName}: ${entities.length} Pocket-ID entities, served by ${handlers.length} handler Lambda`];
  lines.push(previous ? '  (changes are against the previous synth in examples/web-app/cdk.out)' : '  (no previous synth: everything would be created)');
  for (const [connection, group] of groupByInstance(entities)) {
    lines.push(`  Pocket-ID ${connection}`);
    for (const entity of group) lines.push(...describeEntity(entity, resources, previous));
  }
  for (const gone of removedEntities(resources, previous)) {
    lines.push(`    - delete ${label(gone)}${gone.deletionPolicy === 'Retain' ? ' (retained in Pocket-ID: removalPolicy RETAIN)' : ''}`);
  }
  return lines;
}

function describeEntity(entity: Entity, resources: Resources, previous: Resources | undefined): string[] {
  const before = previous?.[entity.logicalId];
  const changed = before ? changedKeys(before.Properties ?? {}, entity.properties) : [];
  const action = !before ? '+ create' : changed.length === 0 ? '= unchanged' : '~ update';
  const verb = entity.type === 'Custom::PocketIdLookup' ? action.replace('create', 'look up') : action;
  const lines = [`    ${verb} ${label(entity)}`];
  if (changed.length > 0) lines.push(`        changed: ${changed.join(', ')}`);
  const details = DETAILS[entity.type]?.(entity.properties, resources) ?? [];
  return [...lines, ...details.map((detail) => `        ${detail}`)];
}

const DETAILS: Record<string, (p: Record<string, any>, resources: Resources) => string[]> = {
  'Custom::PocketIdOidcClient': (p, resources) => [
    `${p.IsPublic === 'true' ? 'public (no secret)' : 'confidential'}${p.PkceEnabled === 'true' || p.IsPublic === 'true' ? ', PKCE' : ''}; `
      + `client id: ${p.ClientId ?? 'a UUID chosen at create'}`,
    ...(p.CallbackUrls ? [`callback URLs: ${p.CallbackUrls.join(', ')}`] : []),
    ...(p.LogoutCallbackUrls ? [`logout callback URLs: ${p.LogoutCallbackUrls.join(', ')}`] : []),
    ...(p.AccessTokenLifetimeMinutes ? [`access tokens live ${p.AccessTokenLifetimeMinutes} minutes`] : []),
    ...(p.AllowedUserGroupIds ? [`allowed groups: ${p.AllowedUserGroupIds.length === 0 ? 'none (open to every user)' : referenceNames(p.AllowedUserGroupIds, resources)}`] : []),
    ...(p.SecretArn ? [`client secret -> ${secretDescription(p.SecretArn, resources)} as JSON {clientId, clientSecret, issuer, discoveryUrl}`] : []),
  ],
  'Custom::PocketIdUser': (p, resources) => [
    [p.Email, [p.FirstName, p.LastName].filter(Boolean).join(' '), p.IsAdmin === 'true' ? 'admin' : undefined].filter(Boolean).join(', '),
    ...(p.CustomClaims ? [`custom claims: ${claims(p.CustomClaims)}`] : []),
    ...(p.LoginLinkSecretArn ? [`one-time login link (${Number(p.LoginLinkLifetimeSeconds) / 3600} h) -> ${secretDescription(p.LoginLinkSecretArn, resources)}`] : []),
    ...(p.EmailLoginLink === 'true' ? ['Pocket-ID emails a login link'] : []),
  ],
  'Custom::PocketIdUserGroup': (p, resources) => [
    `friendly name: ${p.FriendlyName}`,
    ...(p.CustomClaims ? [`custom claims: ${claims(p.CustomClaims)}`] : []),
    ...(p.MemberUserIds ? [`members (${p.MembershipMode ?? 'merge'}): ${p.MemberUserIds.length === 0 ? 'none' : referenceNames(p.MemberUserIds, resources)}`] : []),
  ],
  'Custom::PocketIdLookup': () => ['resolved by name at deploy time; nothing is created or deleted'],
};

function claims(list: Array<{ Key: string; Value: string }>): string {
  return list.map((claim) => `${claim.Key}=${claim.Value}`).join(', ');
}

/** Names the Pocket-ID entities that ids point at (GetAtt of another resource, or literal ids). */
function referenceNames(ids: unknown[], resources: Resources): string {
  return ids.map((id) => {
    const target = (id as any)?.['Fn::GetAtt']?.[0];
    const resource = target ? resources[target] : undefined;
    return resource ? `${resource.Properties?.Username ?? resource.Properties?.Name} [${target}]` : String(id);
  }).join(', ');
}

function secretDescription(secretArn: unknown, resources: Resources): string {
  const ref = (secretArn as { Ref?: string })?.Ref;
  if (!ref) return String(secretArn);
  const readers = Object.entries(resources)
    .filter(([, r]) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties?.PolicyDocument).includes(`"Ref":"${ref}"`))
    .flatMap(([, r]) => (r.Properties?.Roles ?? []).map((role: any) => role.Ref))
    .filter((role: string) => !role.startsWith('CdkPocketIdProvider'));
  return `Secrets Manager secret ${ref}${readers.length > 0 ? ` (readable by ${readers.join(', ')})` : ''}`;
}

function pocketIdEntities(resources: Resources): Entity[] {
  return Object.entries(resources)
    .filter(([, resource]) => resource.Type.startsWith(POCKET_ID_TYPE_PREFIX))
    .map(([logicalId, resource]) => ({
      logicalId,
      type: resource.Type,
      properties: resource.Properties ?? {},
      deletionPolicy: resource.DeletionPolicy,
    }));
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
  const joined = (value as any)?.['Fn::Join']?.[1];
  return Array.isArray(joined) ? joined.map((part: any) => (typeof part === 'string' ? part : '*')).join('') : JSON.stringify(value);
}

function label(entity: Entity): string {
  const kind = KIND_LABELS[entity.type] ?? entity.type.replace(POCKET_ID_TYPE_PREFIX, '');
  const name = entity.properties.Username ?? entity.properties.Name;
  const what = entity.type === 'Custom::PocketIdLookup' ? `${entity.properties.Kind} "${name}"` : `"${name}"`;
  return `${kind} ${what} [${entity.logicalId}]`;
}

function changedKeys(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  keys.delete('ServiceToken');
  return [...keys].filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]));
}

function readPreviousTemplates(): Map<string, Resources> {
  const templates = new Map<string, Resources>();
  if (!fs.existsSync(OUTDIR)) return templates;
  for (const file of fs.readdirSync(OUTDIR).filter((name) => name.endsWith('.template.json'))) {
    const template = JSON.parse(fs.readFileSync(path.join(OUTDIR, file), 'utf8'));
    templates.set(file.replace(/\.template\.json$/, ''), template.Resources ?? {});
  }
  return templates;
}

/** The API token and client secrets are never in a template: only ARNs and names. Shown, not assumed. */
function secretCheck(outdir: string): string {
  const suspicious = /"(SecretString|ClientSecret|ApiToken|Token)"\s*:\s*"[^"]{8,}"/;
  const templates = fs.readdirSync(outdir).filter((name) => name.endsWith('.template.json'));
  const hits = templates.filter((name) => suspicious.test(fs.readFileSync(path.join(outdir, name), 'utf8')));
  return hits.length === 0
    ? `Secret check: ${templates.length} template(s) scanned; no token or client secret value in any (only secret ARNs and names).`
    : `Secret check FAILED: a secret-looking value in ${hits.join(', ')}`;
}

main();
