/**
 * APIs (resource servers) and client grants, end to end: the bundled handler, in its own Node.js
 * process, receives the events CloudFormation sends; it talks HTTP to Pocket-ID (the test server, or a
 * real Pocket-ID when POCKETID_BASE_URL and POCKETID_API_TOKEN are set) and the AWS SDK to moto's
 * Secrets Manager for the API key. After each step the API and the grants are read back over HTTP.
 */
import { randomBytes } from 'crypto';
import { LookupKind, ResourceType } from '../../lib/contract';
import { AcceptanceRun, requestsLogged } from '../support/acceptance';
import { CloudFormationSimulator, Step } from '../support/cloudformation';
import { PocketIdDirectory } from '../support/pocket-id-directory';
import { isRealPocketId, PocketIdTarget } from '../support/pocket-id-target';

const acceptance = new AcceptanceRun(ResourceType.API);
const { run, properties, expectSucceeded, expectFailed } = acceptance;
let target: PocketIdTarget;
let directory: PocketIdDirectory;
let cfn: CloudFormationSimulator;
/** A confidential client (client credentials) and a public one (a SPA), made over HTTP. */
let worker: string;
let spa: string;
const made: string[] = [];

const resource = (name: string) => `https://${name}-${run}.example.test`;
const READ = { Key: 'orders:read', Name: 'Read orders', Description: 'See every order' };
const WRITE = { Key: 'orders:write', Name: 'Write orders' };
/** A grant that gives nothing, to compare others as changes of it. */
const NOTHING = { userDelegatedAccess: false, clientAccess: false, userDelegatedPermissions: [], clientPermissions: [] };

beforeAll(async () => {
  ({ target, directory, cfn } = await acceptance.start());
  worker = await directory.createConfidentialClient(`api-worker-${run}`);
  spa = await directory.createClient(`api-spa-${run}`);
});

afterAll(async () => {
  if (directory) {
    const leftovers = (await directory.listAll('/api/apis', run)).map((api) => api.id);
    await directory.deleteApis([...new Set([...made, ...leftovers])]);
    await directory.deleteClients([worker, spa].filter(Boolean));
  }
  await acceptance.stop();
});

function grantEvent(requestType: string, extra: Record<string, unknown>): Promise<Step> {
  return cfn.send({ ResourceType: ResourceType.API_GRANT, RequestType: requestType, ...extra });
}

const grant = {
  create: (logicalId: string, props: Record<string, unknown>) => grantEvent('Create', { LogicalResourceId: logicalId, ResourceProperties: props }),
  update: (logicalId: string, physicalId: string, props: Record<string, unknown>, old: Record<string, unknown>) =>
    grantEvent('Update', { LogicalResourceId: logicalId, PhysicalResourceId: physicalId, ResourceProperties: props, OldResourceProperties: old }),
  delete: (logicalId: string, physicalId: string, props: Record<string, unknown>) =>
    grantEvent('Delete', { LogicalResourceId: logicalId, PhysicalResourceId: physicalId, ResourceProperties: props }),
};

/** Creates an API through the handler; returns its id. */
async function createApi(logicalId: string, props: Record<string, unknown>): Promise<string> {
  const step = await cfn.create(logicalId, props);
  await expectSucceeded(step);
  made.push(step.response.PhysicalResourceId);
  return step.response.PhysicalResourceId;
}

function keysOf(api: any): string[] {
  return api.permissions.map((p: { key: string }) => p.key).sort();
}

describe('an API with permissions', () => {
  const logicalId = 'Orders';
  let apiId: string;
  let props: Record<string, unknown>;

  test('Create makes the API with its permissions; Data has its id and audience', async () => {
    props = properties({ Name: 'Orders', Resource: resource('orders'), Permissions: [READ, WRITE] });
    const step = await cfn.create(logicalId, props);
    await expectSucceeded(step);
    apiId = step.response.PhysicalResourceId;
    made.push(apiId);
    expect(step.response.Data).toEqual({ ApiId: apiId, Audience: resource('orders') });
    const api = await directory.api(apiId);
    expect(api).toMatchObject({ id: apiId, name: 'Orders', resource: resource('orders'), allowCimdClients: false });
    expect(keysOf(api)).toEqual(['orders:read', 'orders:write']);
    expect(api.permissions.find((p: any) => p.key === 'orders:read').description).toBe('See every order');
    expect(api.permissions.find((p: any) => p.key === 'orders:write')).not.toHaveProperty('description');
  });

  test('Update renames the API and changes its permissions in place: a kept key keeps its id', async () => {
    const before = await directory.api(apiId);
    const readId = before.permissions.find((p: any) => p.key === 'orders:read').id;
    const next = { ...props, Name: 'Orders v2', Permissions: [{ ...READ, Name: 'Read all orders', Description: undefined }, { Key: 'orders:ship', Name: 'Ship' }] };
    const step = await cfn.update(logicalId, apiId, next, props);
    await expectSucceeded(step);
    expect(step.response.PhysicalResourceId).toBe(apiId);
    props = next;
    const api = await directory.api(apiId);
    expect(api.name).toBe('Orders v2');
    expect(keysOf(api)).toEqual(['orders:read', 'orders:ship']);
    const read = api.permissions.find((p: any) => p.key === 'orders:read');
    expect(read).toMatchObject({ id: readId, name: 'Read all orders' });
    expect(read).not.toHaveProperty('description');
  });

  test('an Update that changes nothing sends no write', async () => {
    const step = await cfn.update(logicalId, apiId, props, props);
    await expectSucceeded(step);
    expect(requestsLogged(step).filter((request) => request.method !== 'GET')).toEqual([]);
  });

  test('CIMD access is set from permission keys, and back to Pocket-ID\'s default when no longer declared', async () => {
    const next = { ...props, CimdAccess: 'true', CimdPermissionKeys: ['orders:read'] };
    await expectSucceeded(await cfn.update(logicalId, apiId, next, props));
    let api = await directory.api(apiId);
    expect(api.allowCimdClients).toBe(true);
    expect(api.permissions.filter((p: any) => p.allowedForCimdClients).map((p: any) => p.key)).toEqual(['orders:read']);
    await expectSucceeded(await cfn.update(logicalId, apiId, props, next));
    api = await directory.api(apiId);
    expect(api.allowCimdClients).toBe(false);
    expect(api.permissions.filter((p: any) => p.allowedForCimdClients)).toEqual([]);
  });

  test('a new resource replaces the API: a new id, the old API stays until CloudFormation deletes it', async () => {
    const next = { ...props, Resource: resource('orders-new') };
    const step = await cfn.update(logicalId, apiId, next, props);
    await expectSucceeded(step);
    const newId = step.response.PhysicalResourceId;
    made.push(newId);
    expect(newId).not.toBe(apiId);
    expect(step.response.Data).toEqual({ ApiId: newId, Audience: resource('orders-new') });
    expect(keysOf(await directory.api(newId))).toEqual(['orders:read', 'orders:ship']);
    expect(await directory.api(apiId)).toBeDefined();
    await expectSucceeded(await cfn.delete(logicalId, apiId, props));
    expect(await directory.api(apiId)).toBeUndefined();
    apiId = newId;
    props = next;
  });

  test('Delete removes the API; a second Delete finds it gone and succeeds', async () => {
    await expectSucceeded(await cfn.delete(logicalId, apiId, props));
    expect(await directory.api(apiId)).toBeUndefined();
    await expectSucceeded(await cfn.delete(logicalId, apiId, props));
  });
});

describe('adopt-or-create', () => {
  test('a repeated delivery of the same Create takes over the API the first one made', async () => {
    const props = properties({ Name: 'Twice', Resource: resource('twice'), Permissions: [READ] });
    const requestId = `request-${randomBytes(4).toString('hex')}`;
    const first = await cfn.create('Twice', props, requestId);
    await expectSucceeded(first);
    made.push(first.response.PhysicalResourceId);
    const again = await cfn.create('Twice', props, requestId);
    await expectSucceeded(again);
    expect(again.response.PhysicalResourceId).toBe(first.response.PhysicalResourceId);
    expect(await directory.apisWithResource(resource('twice'))).toHaveLength(1);
    await expectSucceeded(await cfn.delete('Twice', first.response.PhysicalResourceId, props));
  });

  test('an API someone else made with the resource is refused and left alone', async () => {
    const theirs = await directory.createApi('Theirs', resource('theirs'), [{ key: 'their:scope', name: 'Theirs' }]);
    made.push(theirs.id);
    const step = await cfn.create('Mine', properties({ Name: 'Mine', Resource: resource('theirs') }));
    expectFailed(step, new RegExp(`409 already_in_use: the resource '${resource('theirs').replace(/\./g, '\\.')}' belongs to the API ${theirs.id}, which this resource `
      + 'did not create \\(its name is \'Theirs\'\\)\\. Choose another resource, set adoptExisting to take that API over, or refer to it with Api\\.fromResource\\(\\)'));
    expect(keysOf(await directory.api(theirs.id))).toEqual(['their:scope']);
  });

  test('a resource with a trailing slash is refused before anything is sent', async () => {
    const step = await cfn.create('Slash', properties({ Name: 'Slash', Resource: `${resource('slash')}/` }));
    expectFailed(step, /resource must not end with '\/': Pocket-ID removes trailing slashes/);
    expect(await directory.apisWithResource(resource('slash'))).toEqual([]);
  });
});

describe('grants', () => {
  let apiId: string;
  let apiProps: Record<string, unknown>;
  let grantProps: Record<string, unknown>;
  let physicalId: string;

  beforeAll(async () => {
    apiProps = properties({ Name: 'Billing', Resource: resource('billing'), Permissions: [READ, WRITE] });
    apiId = await createApi('Billing', apiProps);
  });

  test('Create gives the client access with the declared permissions', async () => {
    grantProps = properties({ ApiId: apiId, ClientId: worker, ClientPermissionKeys: ['orders:write'], UserDelegatedAccess: 'true' });
    const step = await grant.create('WorkerGrant', grantProps);
    await expectSucceeded(step);
    physicalId = step.response.PhysicalResourceId;
    expect(physicalId).toBe(`${apiId}/${worker}`);
    expect(step.response.Data).toEqual({ ApiId: apiId, ClientId: worker });
    expect(await directory.grantOf(apiId, worker)).toEqual({ userDelegatedAccess: true, clientAccess: true, userDelegatedPermissions: [], clientPermissions: ['orders:write'] });
  });

  test('Update replaces the whole grant; an Update that changes nothing sends no write', async () => {
    const next = properties({ ApiId: apiId, ClientId: worker, ClientPermissionKeys: ['orders:read', 'orders:write'], UserDelegatedPermissionKeys: ['orders:read'] });
    await expectSucceeded(await grant.update('WorkerGrant', physicalId, next, grantProps));
    grantProps = next;
    expect(await directory.grantOf(apiId, worker)).toEqual({
      userDelegatedAccess: true, clientAccess: true, userDelegatedPermissions: ['orders:read'], clientPermissions: ['orders:read', 'orders:write'],
    });
    const same = await grant.update('WorkerGrant', physicalId, grantProps, grantProps);
    await expectSucceeded(same);
    expect(requestsLogged(same).filter((request) => request.method !== 'GET')).toEqual([]);
  });

  test('a permission the API does not have fails naming the field; nothing changes', async () => {
    const failing = { ...grantProps, ClientPermissionKeys: ['orders:delete'] };
    const step = await grant.update('WorkerGrant', physicalId, failing, grantProps);
    expectFailed(step, /clientPermissions\[0\] 'orders:delete' is not a permission of API .* it has: orders:(read|write), orders:(read|write)/);
    expect((await directory.grantOf(apiId, worker))!.clientPermissions).toEqual(['orders:read', 'orders:write']);
  });

  test('the API drops a permission in the same deploy: Pocket-ID ends the access it implied, the grant\'s Update gives it back', async () => {
    // The grant holds orders:write alone for client credentials, and keeps client access declared without it
    const onlyWrite = properties({ ApiId: apiId, ClientId: worker, ClientPermissionKeys: ['orders:write'] });
    await expectSucceeded(await grant.update('WorkerGrant', physicalId, onlyWrite, grantProps));
    const apiNext = { ...apiProps, Permissions: [READ] };
    await expectSucceeded(await cfn.update('Billing', apiId, apiNext, apiProps));
    // CloudFormation updates the API first (the grant refers to it): Pocket-ID took the client's access away with its last permission
    expect(await directory.grantOf(apiId, worker)).toBeUndefined();
    const grantNext = properties({ ApiId: apiId, ClientId: worker, ClientAccess: 'true' });
    await expectSucceeded(await grant.update('WorkerGrant', physicalId, grantNext, onlyWrite));
    expect(await directory.grantOf(apiId, worker)).toEqual({ ...NOTHING, clientAccess: true });
    apiProps = apiNext;
    grantProps = grantNext;
  });

  test('Delete takes the access away; a second Delete succeeds', async () => {
    await expectSucceeded(await grant.delete('WorkerGrant', physicalId, grantProps));
    expect(await directory.grantOf(apiId, worker)).toBeUndefined();
    await expectSucceeded(await grant.delete('WorkerGrant', physicalId, grantProps));
  });

  test('client-credentials access for a public client fails with a clear message, and the grant made in the UI is put back', async () => {
    const before = { userDelegatedAccess: true, clientAccess: false, userDelegatedPermissions: ['orders:read'], clientPermissions: [] };
    await directory.setGrant(apiId, spa, before);
    const step = await grant.create('SpaGrant', properties({ ApiId: apiId, ClientId: spa, ClientPermissionKeys: ['orders:read'], UserDelegatedAccess: 'true' }));
    expectFailed(step, new RegExp(`OIDC client ${spa} is public: Pocket-ID gives a public client no client-credentials access.*Make the client confidential`));
    expect(await directory.grantOf(apiId, spa)).toEqual(before);
  });

  test('a grant made in the UI is taken over by the Create', async () => {
    const props = properties({ ApiId: apiId, ClientId: spa, UserDelegatedAccess: 'true' });
    const step = await grant.create('SpaGrant', props);
    await expectSucceeded(step);
    expect(await directory.grantOf(apiId, spa)).toEqual({ ...NOTHING, userDelegatedAccess: true });
    await expectSucceeded(await grant.delete('SpaGrant', step.response.PhysicalResourceId, props));
    expect(await directory.grantOf(apiId, spa)).toBeUndefined();
  });

  test('a grant whose API was deleted first deletes as done', async () => {
    const props = properties({ ApiId: apiId, ClientId: worker, ClientAccess: 'true' });
    const step = await grant.create('Late', props);
    await expectSucceeded(step);
    await expectSucceeded(await cfn.delete('Billing', apiId, apiProps));
    await expectSucceeded(await grant.delete('Late', step.response.PhysicalResourceId, props));
  });

  test('a grant on an API that does not exist fails naming it', async () => {
    const ghost = '7d6f0a52-3d1e-4b8a-9c1f-0e2d3c4b5a69';
    const step = await grant.create('Ghost', properties({ ApiId: ghost, ClientId: worker, ClientAccess: 'true' }));
    expectFailed(step, new RegExp(`API ${ghost} does not exist in Pocket-ID`));
  });
});

describe('lookups', () => {
  test('an API is found by its exact resource; a near miss fails saying how it compares', async () => {
    const apiId = await createApi('Lookup', properties({ Name: 'Lookup', Resource: resource('lookup') }));
    const found = await cfn.send({ ResourceType: ResourceType.LOOKUP, RequestType: 'Create', LogicalResourceId: 'Find', ResourceProperties: properties({ Kind: LookupKind.API, Name: resource('lookup') }) });
    await expectSucceeded(found);
    expect(found.response).toMatchObject({ PhysicalResourceId: apiId, Data: { Id: apiId, Name: resource('lookup') } });
    const missed = await cfn.send({ ResourceType: ResourceType.LOOKUP, RequestType: 'Create', LogicalResourceId: 'Miss', ResourceProperties: properties({ Kind: LookupKind.API, Name: resource('look') }) });
    expectFailed(missed, /no API has the resource .* \(compared: the resource, exactly\)/);
  });
});

(isRealPocketId() ? describe.skip : describe)('test server only: failures a real server cannot be made to show', () => {
  test('a Create whose POST answer was lost finds the API Pocket-ID made', async () => {
    target.testServer!.injectFault({ method: 'POST', path: '/api/apis', afterHandling: true, resetConnection: true });
    const props = properties({ Name: 'Lost', Resource: resource('lost'), Permissions: [READ] });
    const lost = await cfn.create('Lost', props);
    await expectSucceeded(lost);
    const [api] = await directory.apisWithResource(resource('lost'));
    expect(lost.response.PhysicalResourceId).toBe(api.id);
    expect(keysOf(api)).toEqual(['orders:read']);
    await expectSucceeded(await cfn.delete('Lost', api.id, props));
  });

  test('an Update that removed a permission and then fails gives the clients their grants on it back', async () => {
    const old = properties({ Name: 'Undo', Resource: resource('undo'), Permissions: [READ, WRITE] });
    const apiId = await createApi('Undo', old);
    await directory.setGrant(apiId, worker, { ...NOTHING, clientAccess: true, clientPermissions: ['orders:write'] });
    target.testServer!.injectFault({ method: 'PUT', path: /^\/api\/apis\/[^/]+\/cimd-access$/, status: 500, body: '{"error":"Something went wrong","code":"internal_error"}' });
    const failed = await cfn.update('Undo', apiId, { ...old, Permissions: [READ], CimdAccess: 'true' }, old);
    expectFailed(failed, /Set API CIMD access: PUT \/api\/apis\/[^/]+\/cimd-access returned 500 internal_error/);
    expect(keysOf(await directory.api(apiId))).toEqual(['orders:read', 'orders:write']);
    expect(await directory.grantOf(apiId, worker)).toEqual({ ...NOTHING, clientAccess: true, clientPermissions: ['orders:write'] });
  });

  test('a Create whose permission write fails removes the API it made', async () => {
    target.testServer!.injectFault({ method: 'PUT', path: /^\/api\/apis\/[^/]+\/permissions$/, status: 500, body: '{"error":"Something went wrong","code":"internal_error"}' });
    const step = await cfn.create('Fault', properties({ Name: 'Fault', Resource: resource('fault'), Permissions: [READ] }));
    expectFailed(step, /Set API permissions: PUT \/api\/apis\/[^/]+\/permissions returned 500 internal_error/);
    expect(await directory.apisWithResource(resource('fault'))).toEqual([]);
  });
});
