/**
 * The reference of the `Custom::PocketId*` resource types for CloudFormation templates written by hand:
 * docs/cloudformation-reference.md and a JSON Schema per type in docs/schemas/, both generated from
 * lib/contract.ts (its interfaces, their doc comments, `@default` and `@rule` tags, and its value sets),
 * so that they are never written twice. `npx projen contract-reference` writes them;
 * test/docs/contract-reference.test.ts fails when the committed files are not what this produces.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import * as ts from 'typescript';

const ROOT = join(__dirname, '..');
const CONTRACT = join(ROOT, 'lib', 'contract.ts');
export const REFERENCE_FILE = join(ROOT, 'docs', 'cloudformation-reference.md');
export const SCHEMA_DIR = join(ROOT, 'docs', 'schemas');

/** Each resource type (a key of ResourceType) with its properties and its response Data (the `Fn::GetAtt` attributes). */
const TYPES: ReadonlyArray<{ key: string; properties: string; attributes?: string }> = [
  { key: 'OIDC_CLIENT', properties: 'OidcClientProperties', attributes: 'OidcClientAttributes' },
  { key: 'USER', properties: 'UserProperties', attributes: 'UserAttributes' },
  { key: 'USER_GROUP', properties: 'UserGroupProperties', attributes: 'UserGroupAttributes' },
  { key: 'LOOKUP', properties: 'LookupProperties', attributes: 'LookupAttributes' },
  { key: 'SCIM_SERVICE_PROVIDER', properties: 'ScimServiceProviderProperties', attributes: 'ScimServiceProviderAttributes' },
  { key: 'SIGNUP_TOKEN', properties: 'SignupTokenProperties', attributes: 'SignupTokenAttributes' },
  { key: 'API', properties: 'ApiProperties', attributes: 'ApiAttributes' },
  { key: 'API_GRANT', properties: 'ApiGrantProperties', attributes: 'ApiGrantAttributes' },
  { key: 'APPLICATION_CONFIGURATION', properties: 'ApplicationConfigurationProperties' },
  { key: 'APPLICATION_IMAGES', properties: 'ApplicationImagesProperties' },
];

interface Member {
  readonly name: string;
  readonly optional: boolean;
  readonly type: ts.TypeNode;
  readonly doc: string;
  readonly defaultText?: string;
  readonly rules: string[];
}

interface InterfaceInfo {
  readonly doc: string;
  readonly bases: string[];
  readonly members: Member[];
}

/** What lib/contract.ts declares: its interfaces, its value sets, its resource type names. */
interface Contract {
  readonly interfaces: ReadonlyMap<string, InterfaceInfo>;
  readonly valueSets: ReadonlyMap<string, string[]>;
  readonly resourceTypes: ReadonlyMap<string, string>;
}

export interface ContractReference {
  readonly markdown: string;
  /** By file name (`Custom-PocketIdUser.schema.json`): the schema's JSON text. */
  readonly schemas: Record<string, string>;
}

export function contractReference(source: string = readFileSync(CONTRACT, 'utf8')): ContractReference {
  const contract = readContract(source);
  const sections = TYPES.map((type) => describeType(contract, type));
  const schemas = Object.fromEntries(TYPES.map((type) => {
    const name = contract.resourceTypes.get(type.key)!;
    return [schemaFileName(name), `${JSON.stringify(schemaOf(contract, name, type.properties), null, 2)}\n`];
  }));
  return { markdown: [HEADER, ...sections].join('\n'), schemas };
}

export function schemaFileName(resourceType: string): string {
  return `${resourceType.replace('::', '-')}.schema.json`;
}

const HEADER = `# CloudFormation reference: the \`Custom::PocketId*\` resource types

Generated from \`lib/contract.ts\` by \`npx projen contract-reference\`: do not edit by hand. A JSON Schema of
each type's properties is in [schemas/](schemas/).

Every resource names the provider's \`ServiceToken\` (the export \`PocketIdServiceToken\` of the provider
stack, see the README's "Plain CloudFormation") and carries \`ContractVersion: "1"\` and the connection
properties. CloudFormation delivers every scalar as a string: booleans are \`"true"\` or \`"false"\`,
numbers are digit strings. An optional property left out means "not set": on update, what Pocket-ID
holds is kept unless the property was set before.
`;

function readContract(source: string): Contract {
  const file = ts.createSourceFile('contract.ts', source, ts.ScriptTarget.ES2020, true);
  const interfaces = new Map<string, InterfaceInfo>();
  const valueSets = new Map<string, string[]>();
  const resourceTypes = new Map<string, string>();
  for (const statement of file.statements) {
    if (ts.isInterfaceDeclaration(statement)) interfaces.set(statement.name.text, interfaceOf(statement));
    if (!ts.isVariableStatement(statement)) continue;
    for (const declaration of statement.declarationList.declarations) {
      const name = declaration.name.getText();
      const values = literalValues(declaration.initializer);
      if (name === 'ResourceType') for (const [key, value] of values) resourceTypes.set(key, value);
      else if (values.length > 0) valueSets.set(name, values.map(([, value]) => value));
    }
  }
  return { interfaces, valueSets, resourceTypes };
}

function interfaceOf(node: ts.InterfaceDeclaration): InterfaceInfo {
  const bases = (node.heritageClauses ?? []).flatMap((clause) => clause.types.map((type) => type.expression.getText()));
  const members = node.members.filter(ts.isPropertySignature).map((member): Member => {
    const tags = ts.getJSDocTags(member);
    return {
      name: member.name.getText(),
      optional: member.questionToken !== undefined,
      type: member.type!,
      doc: docOf(member),
      defaultText: tags.find((tag) => tag.tagName.text === 'default')?.comment?.toString(),
      rules: tags.filter((tag) => tag.tagName.text === 'rule').map((tag) => String(tag.comment ?? '')),
    };
  });
  return { doc: docOf(node), bases, members };
}

function docOf(node: ts.Node): string {
  const docs = (node as { jsDoc?: ts.JSDoc[] }).jsDoc ?? [];
  return docs.map((doc) => ts.getTextOfJSDocComment(doc.comment) ?? '').join(' ').replace(/\s+/g, ' ').trim();
}

/** The entries of `{ KEY: 'value', … } as const`, or of `['a', 'b'] as const` (keyed by value). */
function literalValues(initializer: ts.Expression | undefined): Array<[string, string]> {
  let node = initializer;
  while (node && (ts.isAsExpression(node) || ts.isParenthesizedExpression(node))) node = node.expression;
  if (node && ts.isObjectLiteralExpression(node)) {
    return node.properties.filter(ts.isPropertyAssignment)
      .filter((p) => ts.isStringLiteral(p.initializer))
      .map((p) => [p.name.getText(), (p.initializer as ts.StringLiteral).text]);
  }
  if (node && ts.isArrayLiteralExpression(node)) return node.elements.filter(ts.isStringLiteral).map((e) => [e.text, e.text]);
  return [];
}

/** The members of an interface, inherited ones first. */
function membersOf(contract: Contract, name: string): Member[] {
  const info = contract.interfaces.get(name);
  if (!info) throw new Error(`lib/contract.ts has no interface ${name}`);
  return [...info.bases.flatMap((base) => membersOf(contract, base)), ...info.members];
}

/** The value set a doc comment names ("One of MembershipMode's values", "One of LOG_LEVELS"), if any. */
function valueSetOf(contract: Contract, doc: string): string[] | undefined {
  const named = /One of (\w+)/.exec(doc)?.[1];
  return named ? contract.valueSets.get(named) : undefined;
}

/** A nested shape's interface name, when the type is one of the contract's interfaces (or a list of them). */
function nestedShape(contract: Contract, type: ts.TypeNode): string | undefined {
  const inner = ts.isArrayTypeNode(type) ? type.elementType : type;
  const name = ts.isTypeReferenceNode(inner) ? inner.typeName.getText() : undefined;
  return name && contract.interfaces.has(name) ? name : undefined;
}

/** The contract's booleans: their doc starts with what "true" means. */
function isBoolean(member: Member): boolean {
  return member.doc.startsWith('"true"');
}

function typeText(contract: Contract, member: Member): string {
  const { type } = member;
  if (isBoolean(member)) return 'String, `"true"` or `"false"`';
  const values = valueSetOf(contract, member.doc);
  if (values) return `String, one of ${values.map((v) => `\`${v}\``).join(', ')}`;
  if (ts.isArrayTypeNode(type)) {
    const nested = nestedShape(contract, type);
    return nested ? `List of [${nested}](#${nested.toLowerCase()})` : 'List of String';
  }
  const nested = nestedShape(contract, type);
  if (nested) return `[${nested}](#${nested.toLowerCase()})`;
  if (ts.isTypeReferenceNode(type) && type.typeName.getText() === 'Record') return 'Map of String to String';
  return 'String';
}

/** The default: the `@default` tag, else what the doc says an absent property means. */
function defaultOf(member: Member): string {
  if (!member.optional) return '(required)';
  if (member.defaultText) return member.defaultText.replace(/\s+/g, ' ').trim();
  const absent = /Absent:? ([^.]*)\./i.exec(member.doc)?.[1];
  return absent ? absent.trim() : 'not set';
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

function describeType(contract: Contract, type: { key: string; properties: string; attributes?: string }): string {
  const name = contract.resourceTypes.get(type.key)!;
  const info = contract.interfaces.get(type.properties)!;
  const members = membersOf(contract, type.properties);
  const nested = [...new Set(members.map((m) => nestedShape(contract, m.type)).filter((n): n is string => n !== undefined))];
  const lines = [
    `## ${name}`,
    '',
    info.doc,
    '',
    `Schema: [schemas/${schemaFileName(name)}](schemas/${schemaFileName(name)})`,
    '',
    ...propertyTable(contract, members),
    ...nested.flatMap((shape) => ['', `### ${shape}`, '', contract.interfaces.get(shape)!.doc, '', ...propertyTable(contract, membersOf(contract, shape))]),
    '',
    '### Fn::GetAtt attributes',
    '',
    ...attributeList(contract, type.attributes),
    '',
  ];
  return lines.join('\n');
}

function propertyTable(contract: Contract, members: Member[]): string[] {
  return [
    '| Property | Type | Default | Description and rules |',
    '| --- | --- | --- | --- |',
    ...members.map((m) => {
      const rules = m.rules.map((rule) => ` Rule: ${rule.replace(/\s+/g, ' ').trim()}`).join('');
      return `| \`${m.name}\` | ${cell(typeText(contract, m))} | ${cell(defaultOf(m))} | ${cell(`${m.doc}${rules}`.trim() || '—')} |`;
    }),
  ];
}

function attributeList(contract: Contract, attributes: string | undefined): string[] {
  if (!attributes) return ['None: the resource answers no Data.'];
  return membersOf(contract, attributes).map((m) => `- \`${m.name}\` (String)${m.doc ? `: ${m.doc}` : ''}`);
}

type Schema = Record<string, unknown>;

function schemaOf(contract: Contract, resourceType: string, interfaceName: string): Schema {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: `${resourceType} properties`,
    description: contract.interfaces.get(interfaceName)!.doc,
    ...objectSchema(contract, membersOf(contract, interfaceName), { ServiceToken: { type: 'string', description: 'The provider\'s ServiceToken.' } }),
  };
}

function objectSchema(contract: Contract, members: Member[], extra: Record<string, Schema> = {}): Schema {
  const properties: Record<string, Schema> = { ...extra };
  for (const member of members) properties[member.name] = memberSchema(contract, member);
  const required = [...Object.keys(extra), ...members.filter((m) => !m.optional).map((m) => m.name)];
  return { type: 'object', required, properties, additionalProperties: false };
}

function memberSchema(contract: Contract, member: Member): Schema {
  const description = [member.doc, ...member.rules.map((rule) => `Rule: ${rule}`)].filter(Boolean).join(' ').replace(/\s+/g, ' ').trim();
  const described = (schema: Schema): Schema => (description ? { ...schema, description } : schema);
  if (isBoolean(member)) return described({ type: 'string', enum: ['true', 'false'] });
  const values = valueSetOf(contract, member.doc);
  if (values) return described({ type: 'string', enum: values });
  const { type } = member;
  const nested = nestedShape(contract, type);
  if (ts.isArrayTypeNode(type)) return described({ type: 'array', items: nested ? objectSchema(contract, membersOf(contract, nested)) : { type: 'string' } });
  if (nested) return described(objectSchema(contract, membersOf(contract, nested)));
  if (ts.isTypeReferenceNode(type) && type.typeName.getText() === 'Record') return described({ type: 'object', additionalProperties: { type: 'string' } });
  return described({ type: 'string' });
}

export function writeContractReference(): void {
  const { markdown, schemas } = contractReference();
  writeFileSync(REFERENCE_FILE, markdown);
  mkdirSync(SCHEMA_DIR, { recursive: true });
  for (const [file, text] of Object.entries(schemas)) writeFileSync(join(SCHEMA_DIR, file), text);
}

if (require.main === module) writeContractReference();
