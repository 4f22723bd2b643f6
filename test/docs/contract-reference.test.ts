/**
 * The CloudFormation reference and its JSON Schemas are generated from lib/contract.ts: the committed
 * files must be what the generator writes now, and the schemas must accept what the constructs
 * synthesize (so a template written by hand after them is one the constructs would write).
 */
import { existsSync, readFileSync } from 'fs';
import { join } from 'path';
import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import {
  Api, ApplicationConfiguration, ApplicationImage, ApplicationImages, ClientLogo, OidcClient, ScimServiceProvider, SignupToken, User, UserGroup,
} from '../../lib';
import { ResourceType } from '../../lib/contract';
import { contractReference, REFERENCE_FILE, SCHEMA_DIR, schemaFileName } from '../../scripts/contract-reference';
import { stackWithPocketId } from '../lib/support/fixture';
import { schemaProblems } from '../support/json-schema';

const generated = contractReference();
const schemaOfType = (type: string) => JSON.parse(generated.schemas[schemaFileName(type)]);

test('the committed reference and schemas are what lib/contract.ts generates (npx projen contract-reference)', () => {
  expect(readFileSync(REFERENCE_FILE, 'utf8')).toBe(generated.markdown);
  for (const [file, text] of Object.entries(generated.schemas)) {
    expect(existsSync(join(SCHEMA_DIR, file)) && readFileSync(join(SCHEMA_DIR, file), 'utf8')).toBe(text);
  }
});

test.each(Object.values(ResourceType))('%s has a section, a schema and its attributes', (type) => {
  expect(generated.markdown).toContain(`## ${type}\n`);
  const schema = schemaOfType(type);
  expect(schema.required).toEqual(expect.arrayContaining(['ServiceToken', 'ContractVersion', 'BaseUrl', 'ApiTokenSecret']));
  expect(schema.additionalProperties).toBe(false);
});

test('booleans, value sets, defaults and rules come from the contract', () => {
  const client = schemaOfType(ResourceType.OIDC_CLIENT).properties;
  expect(client.IsPublic.enum).toEqual(['true', 'false']);
  expect(client.AdoptedSecrets.enum).toEqual(['keep', 'revoke']);
  expect(client.LogLevel.enum).toEqual(['debug', 'info', 'warn', 'error']);
  expect(client.Name.description).toMatch(/Rule: 1 to 50 characters/);
  expect(schemaOfType(ResourceType.USER_GROUP).properties.MembershipMode.enum).toEqual(['merge', 'exclusive']);
  expect(generated.markdown).toMatch(/\| `SecretLifetimeSeconds` \| String \| secrets never expire \|/);
});

test('the schemas accept the properties every construct synthesizes, and refuse a misspelt one', () => {
  const { stack, pocketId } = stackWithPocketId();
  const team = new UserGroup(stack, 'Team', { pocketId, name: 'team', friendlyName: 'Team', customClaims: { tier: 'gold' } });
  new User(stack, 'Ada', { pocketId, username: 'ada', email: 'ada@example.com', groups: [team], loginLink: {} });
  const web = new OidcClient(stack, 'Web', {
    pocketId, name: 'web', callbackUrls: ['https://web.example.com/cb'], allowedUserGroups: [team], logo: ClientLogo.fromUrl('https://web.example.com/logo.png'),
  });
  new OidcClient(stack, 'Spa', { pocketId, name: 'spa', isPublic: true, allowedUserGroups: [UserGroup.fromGroupName(stack, 'Readers', pocketId, 'readers')] });
  const orders = new Api(stack, 'Orders', { pocketId, name: 'orders', resource: 'https://orders.example.com', permissions: [{ key: 'orders:read', name: 'Read' }] });
  orders.grantAccess(web, { clientPermissions: ['orders:read'] });
  new SignupToken(stack, 'Invite', { pocketId, lifetime: Duration.days(7), usageLimit: 10, userGroups: [team] });
  new ScimServiceProvider(stack, 'Scim', {
    client: web, endpoint: 'https://web.example.com/scim', token: secretsmanager.Secret.fromSecretNameV2(stack, 'ScimToken', 'scim-token'),
  });
  new ApplicationConfiguration(stack, 'Config', { pocketId, applicationName: 'Acme', sessionDuration: Duration.hours(2) });
  new ApplicationImages(stack, 'Images', { pocketId, logo: ApplicationImage.fromUrl('https://cdn.example.com/logo.svg') });

  const resources = Object.values(Template.fromStack(stack).toJSON().Resources) as Array<{ Type: string; Properties: Record<string, unknown> }>;
  const ours = resources.filter((resource) => resource.Type.startsWith('Custom::PocketId'));
  expect(new Set(ours.map((resource) => resource.Type))).toEqual(new Set(Object.values(ResourceType)));
  for (const resource of ours) {
    const problems = schemaProblems(schemaOfType(resource.Type), resource.Properties);
    expect({ type: resource.Type, problems }).toEqual({ type: resource.Type, problems: [] });
  }
  const client = ours.find((resource) => resource.Type === ResourceType.OIDC_CLIENT)!;
  expect(schemaProblems(schemaOfType(client.Type), { ...client.Properties, CallbackUrl: ['https://web.example.com/cb'] }))
    .toEqual(['CallbackUrl: not a property of this type']);
});
