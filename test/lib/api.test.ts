import { existsSync, readFileSync } from 'fs';
import { join } from 'path';
import { RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Api, ApiGrant, OidcClient } from '../../lib';
import { stackWithPocketId } from './support/fixture';
import { scanSynthesizedTemplates } from '../support/template-exposure';

// Every template this file synthesizes is scanned for sentinel secrets (test-reports/reliability/exposure/).
scanSynthesizedTemplates();

const ORDERS = { name: 'Orders', resource: 'https://orders.example.com' };
const PERMISSIONS = [{ key: 'orders:read', name: 'Read orders', description: 'See every order' }, { key: 'orders:write', name: 'Write orders' }];

function logicalIdOf(template: Template, type: string, pattern: RegExp): string {
  return Object.keys(template.findResources(type)).find((id) => pattern.test(id))!;
}

describe('Api', () => {
  test('name, resource and the whole permission set; attributes come from the resource', () => {
    const { stack, pocketId } = stackWithPocketId();
    const orders = new Api(stack, 'Orders', { pocketId, ...ORDERS, permissions: PERMISSIONS });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('Custom::PocketIdApi', {
      Name: 'Orders',
      Resource: 'https://orders.example.com',
      Permissions: [{ Key: 'orders:read', Name: 'Read orders', Description: 'See every order' }, { Key: 'orders:write', Name: 'Write orders' }],
      CimdAccess: Match.absent(),
      CimdPermissionKeys: Match.absent(),
      ContractVersion: '1',
    });
    template.hasResource('Custom::PocketIdApi', { DeletionPolicy: 'Delete' });
    const apiLogicalId = logicalIdOf(template, 'Custom::PocketIdApi', /^Orders/);
    expect(stack.resolve(orders.apiId)).toEqual({ 'Fn::GetAtt': [apiLogicalId, 'ApiId'] });
    expect(stack.resolve(orders.audience)).toEqual({ 'Fn::GetAtt': [apiLogicalId, 'Audience'] });
    expect(orders.permissionKeys).toEqual(['orders:read', 'orders:write']);
  });

  test('no permissions writes an empty set; cimdAccess and removalPolicy are passed on', () => {
    const { stack, pocketId } = stackWithPocketId();
    new Api(stack, 'Plain', { pocketId, ...ORDERS, removalPolicy: RemovalPolicy.RETAIN });
    new Api(stack, 'Cimd', { pocketId, name: 'Cimd', resource: 'urn:example:cimd', permissions: PERMISSIONS, cimdAccess: { enabled: true, permissions: ['orders:read'] } });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('Custom::PocketIdApi', { Name: 'Orders', Permissions: [] });
    template.hasResource('Custom::PocketIdApi', { DeletionPolicy: 'Retain' });
    template.hasResourceProperties('Custom::PocketIdApi', { Name: 'Cimd', CimdAccess: 'true', CimdPermissionKeys: ['orders:read'] });
  });

  test.each([
    [{ name: '' }, /name must not be empty/],
    [{ name: 'x'.repeat(51) }, /name must be at most 50 characters \(got 51\)/],
    [{ resource: 'orders.example.com/api' }, /resource must be an absolute URI with a scheme/],
    [{ resource: 'https://orders.example.com/' }, /resource must not end with '\/': Pocket-ID removes trailing slashes, so tokens would carry 'https:\/\/orders.example.com'/],
    [{ resource: 'https://orders.example.com/#x' }, /resource must not have a fragment/],
    [{ resource: 'https://orders example.com' }, /resource must not contain whitespace/],
    [{ resource: 'javascript:alert(1)' }, /resource must not use the javascript: scheme/],
    [{ resource: `https://x.example.com/${'a'.repeat(330)}` }, /resource must be at most 350 characters/],
    [{ resource: 'https://AUTH.example.com' }, /resource must not be Pocket-ID's own issuer URL/],
    [{ permissions: [{ key: 'a b', name: 'x' }] }, /permissions\[0\]\.key may contain only printable ASCII characters other than space/],
    [{ permissions: [{ key: 'OpenID', name: 'x' }] }, /permissions\[0\]\.key 'OpenID' is a scope Pocket-ID keeps for itself/],
    [{ permissions: [{ key: 'k'.repeat(129), name: 'x' }] }, /permissions\[0\]\.key must be at most 128 characters/],
    [{ permissions: [{ key: 'a', name: 'x' }, { key: 'a', name: 'y' }] }, /permissions\[1\]\.key 'a' is declared more than once/],
    [{ permissions: [{ key: 'a', name: '' }] }, /permissions\[0\]\.name must not be empty/],
    [{ permissions: [{ key: 'a', name: 'x', description: 'd'.repeat(201) }] }, /permissions\[0\]\.description must be at most 200 characters/],
    [{ cimdAccess: { enabled: true, permissions: ['nope'] } }, /cimdAccess\.permissions\[0\] 'nope' is not a permission of the API/],
  ])('%j fails synth naming the field and the rule', (override, message) => {
    const { stack, pocketId } = stackWithPocketId();
    expect(() => new Api(stack, 'Bad', { pocketId, ...ORDERS, ...override } as any)).toThrow(message);
  });

  test('wrong types from other jsii languages are named', () => {
    const { stack, pocketId } = stackWithPocketId();
    expect(() => new Api(stack, 'Bad', { pocketId, ...ORDERS, permissions: 'orders:read' } as any)).toThrow(/permissions must be a list/);
    expect(() => new Api(stack, 'Bad2', { pocketId, ...ORDERS, permissions: [{ key: 1, name: 'x' }] } as any)).toThrow(/permissions\[0\]\.key must be a string/);
  });

  test('the same resource twice for one Pocket-ID fails synth naming both constructs', () => {
    const { stack, pocketId } = stackWithPocketId();
    new Api(stack, 'First', { pocketId, ...ORDERS });
    expect(() => new Api(stack, 'Second', { pocketId, ...ORDERS, name: 'Other' })).toThrow(/resource 'https:\/\/orders.example.com' is already declared by 'Stack\/First'.*API resources unique/);
  });

  test('fromApiId references by id; fromResource looks the API up by its resource at deploy time', () => {
    const { stack, pocketId } = stackWithPocketId();
    const byId = Api.fromApiId(stack, 'ById', pocketId, '7d6f0a52-3d1e-4b8a-9c1f-0e2d3c4b5a69');
    const byResource = Api.fromResource(stack, 'ByResource', pocketId, 'https://billing.example.com');
    expect(byId.apiId).toBe('7d6f0a52-3d1e-4b8a-9c1f-0e2d3c4b5a69');
    const template = Template.fromStack(stack);
    template.hasResourceProperties('Custom::PocketIdLookup', { Kind: 'Api', Name: 'https://billing.example.com' });
    const lookupId = logicalIdOf(template, 'Custom::PocketIdLookup', /ByResource/);
    expect(stack.resolve(byResource.apiId)).toEqual({ 'Fn::GetAtt': [lookupId, 'Id'] });
    expect(() => Api.fromResource(stack, 'Slash', pocketId, 'https://billing.example.com/')).toThrow(/resource must not end with '\/'/);
  });
});

describe('ApiGrant', () => {
  test('grantAccess writes one grant of keys, referring to the API and the client', () => {
    const { stack, pocketId } = stackWithPocketId();
    const orders = new Api(stack, 'Orders', { pocketId, ...ORDERS, permissions: PERMISSIONS });
    const worker = new OidcClient(stack, 'Worker', { pocketId, name: 'worker' });
    const grant = orders.grantAccess(worker, { clientPermissions: ['orders:write'], userDelegatedAccess: true, userDelegatedPermissions: ['orders:read'] });
    expect(grant).toBeInstanceOf(ApiGrant);
    const template = Template.fromStack(stack);
    const apiId = logicalIdOf(template, 'Custom::PocketIdApi', /^Orders/);
    const clientId = logicalIdOf(template, 'Custom::PocketIdOidcClient', /^Worker/);
    template.hasResourceProperties('Custom::PocketIdApiGrant', {
      ApiId: { 'Fn::GetAtt': [apiId, 'ApiId'] },
      ClientId: { 'Fn::GetAtt': [clientId, 'ClientId'] },
      UserDelegatedAccess: 'true',
      UserDelegatedPermissionKeys: ['orders:read'],
      ClientAccess: Match.absent(),
      ClientPermissionKeys: ['orders:write'],
    });
  });

  test('a grant can be made directly, on an API referenced by id, for a client referenced by id', () => {
    const { stack, pocketId } = stackWithPocketId();
    const api = Api.fromApiId(stack, 'Billing', pocketId, '7d6f0a52-3d1e-4b8a-9c1f-0e2d3c4b5a69');
    const client = OidcClient.fromClientId(stack, 'App', pocketId, 'app');
    new ApiGrant(stack, 'Grant', { api, client, clientAccess: true, clientPermissions: ['anything'] });
    Template.fromStack(stack).hasResourceProperties('Custom::PocketIdApiGrant', { ApiId: '7d6f0a52-3d1e-4b8a-9c1f-0e2d3c4b5a69', ClientId: 'app', ClientAccess: 'true' });
  });

  test('a second grant for the same client and API fails synth, through grantAccess or directly', () => {
    const { stack, pocketId } = stackWithPocketId();
    const orders = new Api(stack, 'Orders', { pocketId, ...ORDERS, permissions: PERMISSIONS });
    const worker = new OidcClient(stack, 'Worker', { pocketId, name: 'worker' });
    orders.grantAccess(worker, { clientAccess: true });
    expect(() => orders.grantAccess(worker, { userDelegatedAccess: true })).toThrow(/client 'Stack\/Worker' already has a grant on this API.*into that one grantAccess\(\) call/);
    expect(() => new ApiGrant(stack, 'Again', { api: orders, client: worker, userDelegatedAccess: true }))
      .toThrow(/grant 'of API construct Stack\/Orders to client construct Stack\/Worker' is already declared by 'Stack\/Orders\/Grant/);
  });

  test.each([
    [{ clientPermissions: ['orders:delete'] }, /clientPermissions\[0\] 'orders:delete' is not a permission of the API \(it declares: orders:read, orders:write\)/],
    [{ userDelegatedPermissions: ['orders:read', 'orders:read'] }, /userDelegatedPermissions\[1\] 'orders:read' is listed more than once/],
    [{}, /the grant gives nothing/],
    [{ clientAccess: false, userDelegatedAccess: false }, /the grant gives nothing/],
  ])('%j fails synth naming the field', (options, message) => {
    const { stack, pocketId } = stackWithPocketId();
    const orders = new Api(stack, 'Orders', { pocketId, ...ORDERS, permissions: PERMISSIONS });
    const worker = new OidcClient(stack, 'Worker', { pocketId, name: 'worker' });
    expect(() => orders.grantAccess(worker, options)).toThrow(message);
  });

  test('client-credentials access for a public client fails synth; user-delegated access is fine', () => {
    const { stack, pocketId } = stackWithPocketId();
    const orders = new Api(stack, 'Orders', { pocketId, ...ORDERS, permissions: PERMISSIONS });
    const spa = new OidcClient(stack, 'Spa', { pocketId, name: 'spa', isPublic: true });
    expect(() => orders.grantAccess(spa, { clientPermissions: ['orders:read'] })).toThrow(/need a confidential client: Pocket-ID gives a public client \(isPublic: true\) no client-credentials access/);
    const otherSpa = new OidcClient(stack, 'OtherSpa', { pocketId, name: 'other-spa', isPublic: true });
    expect(() => orders.grantAccess(otherSpa, { userDelegatedPermissions: ['orders:read'] })).not.toThrow();
  });

  test('the public API has no union types (jsii)', () => {
    const manifest = join(__dirname, '..', '..', '.jsii');
    // The manifest is written by the jsii compile (npx projen compile), which runs before the tests in the build
    expect(existsSync(manifest)).toBe(true);
    const types = JSON.parse(readFileSync(manifest, 'utf8')).types as Record<string, unknown>;
    const ours = Object.entries(types).filter(([fqn]) => /\.(I?Api|ApiGrant|ApiPermission|ApiCimdAccess|ApiProps|ApiGrantProps|ApiGrantOptions)$/.test(fqn));
    expect(ours.length).toBe(8);
    expect(JSON.stringify(ours)).not.toContain('"union"');
  });
});
