import { ApiCall, ApiCallOptions, callApi } from './api-calls';
import { PocketIdTestServer, startPocketIdTestServer } from './index';

/**
 * The test server's APIs (resource servers) and client grants, against what a real Pocket-ID 2.14
 * answered to the same requests (curl, recorded in the expectations: messages, codes, shapes).
 */

let server: PocketIdTestServer;

function call(method: string, path: string, options: ApiCallOptions = {}): Promise<ApiCall> {
  return callApi(server, method, path, options);
}

async function createApi(name: string, resource: string): Promise<any> {
  const res = await call('POST', '/api/apis', { body: { name, resource } });
  expect(res.status).toBe(201);
  return res.json;
}

async function setPermissions(apiId: string, permissions: unknown[]): Promise<any> {
  const res = await call('PUT', `/api/apis/${apiId}/permissions`, { body: { permissions } });
  expect(res.status).toBe(200);
  return res.json;
}

async function createClient(id: string, isPublic: boolean): Promise<void> {
  const res = await call('POST', '/api/oidc/clients', { body: { id, name: id, isPublic, callbackURLs: ['https://x/cb'] } });
  expect(res.status).toBe(201);
}

function idOf(api: any, key: string): string {
  return api.permissions.find((p: any) => p.key === key).id;
}

beforeAll(async () => {
  server = await startPocketIdTestServer({ rateLimit: false });
});

afterAll(async () => {
  await server.close();
});

beforeEach(() => {
  server.reset();
  server.clearFaults();
});

describe('APIs', () => {
  test('create trims trailing slashes, answers 201 with [] permissions; a second API with the resource is 409', async () => {
    const made = await createApi('Orders', 'https://orders.test/');
    expect(made).toMatchObject({ name: 'Orders', resource: 'https://orders.test', permissions: [], allowCimdClients: false });
    expect(Object.keys(made)).toEqual(['id', 'name', 'resource', 'createdAt', 'permissions', 'allowCimdClients']);
    const again = await call('POST', '/api/apis', { body: { name: 'Orders', resource: 'https://orders.test' } });
    expect(again.status).toBe(409);
    expect(again.json).toMatchObject({ error: 'Resource is already in use', code: 'already_in_use', details: { property: 'resource' } });
  });

  test('validation reports every field; the issuer, ignoring case and trailing slashes, is reserved', async () => {
    const bad = await call('POST', '/api/apis', { body: { name: '', resource: 'bad res' } });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({
      error: 'Name is required, resource must be an absolute URI without whitespace or a fragment',
      code: 'validation_failed',
      details: { fields: [{ field: 'name', code: 'required', message: 'is required' }, { field: 'resource', code: 'invalid_format', message: 'must be an absolute URI without whitespace or a fragment' }] },
    });
    const issuer = server.baseUrl.toUpperCase();
    const reserved = await call('POST', '/api/apis', { body: { name: 'x', resource: `${issuer}//` } });
    expect(reserved.json).toMatchObject({
      error: 'Resource is reserved by Pocket ID and cannot be used for a custom API',
      details: { fields: [{ field: 'resource', code: 'reserved', message: 'is reserved by Pocket ID and cannot be used for a custom API' }] },
    });
  });

  test('rename keeps the resource (a resource sent along is ignored); unknown ids are 404 API not found', async () => {
    const made = await createApi('Orders', 'https://orders.test');
    const renamed = await call('PUT', `/api/apis/${made.id}`, { body: { name: 'Renamed', resource: 'https://other' } });
    expect(renamed.json).toMatchObject({ name: 'Renamed', resource: 'https://orders.test' });
    const missing = await call('GET', '/api/apis/nope');
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ error: 'API not found', code: 'not_found', details: { resource: 'API' } });
  });

  test('permissions: leaf field names in binding errors, then the key rules in request order; description absent is omitted', async () => {
    const made = await createApi('Orders', 'https://orders.test');
    const empty = await call('PUT', `/api/apis/${made.id}/permissions`, { body: { permissions: [{ key: '', name: 'x' }] } });
    expect(empty.json).toMatchObject({ error: 'Key is required', details: { fields: [{ field: 'key', code: 'required', message: 'is required' }] } });
    const scope = await call('PUT', `/api/apis/${made.id}/permissions`, { body: { permissions: [{ key: 'a b', name: 'x' }, { key: 'OpenID', name: 'x' }] } });
    expect(scope.json).toMatchObject({
      error: 'Permissions[0].key contains characters that are not valid in an OAuth scope',
      details: { fields: [{ field: 'permissions[0].key', code: 'invalid_format' }] },
    });
    const reserved = await call('PUT', `/api/apis/${made.id}/permissions`, { body: { permissions: [{ key: 'ok', name: 'x' }, { key: 'OpenID', name: 'x' }] } });
    expect(reserved.json).toMatchObject({ error: 'Permissions[1].key is reserved by Pocket ID', details: { fields: [{ code: 'reserved' }] } });
    const twice = await call('PUT', `/api/apis/${made.id}/permissions`, { body: { permissions: [{ key: 'ok', name: 'x' }, { key: 'ok', name: 'x' }] } });
    expect(twice.json).toMatchObject({ error: 'Permissions[1].key is listed more than once', details: { fields: [{ field: 'permissions[1].key', code: 'duplicate' }] } });
    const set = await setPermissions(made.id, [{ key: 'w', name: 'W' }, { key: 'r', name: 'R', description: '' }]);
    expect(set.permissions.find((p: any) => p.key === 'w')).not.toHaveProperty('description');
    expect(set.permissions.find((p: any) => p.key === 'r')).toMatchObject({ description: '', allowedForCimdClients: false });
    const cleared = await call('PUT', `/api/apis/${made.id}/permissions`, { body: null });
    expect(cleared.json.permissions).toEqual([]);
  });

  test('CIMD access: an empty id is refused by name; unknown ids are dropped', async () => {
    const made = await createApi('Orders', 'https://orders.test');
    const empty = await call('PUT', `/api/apis/${made.id}/cimd-access`, { body: { enabled: true, permissionIds: [''] } });
    expect(empty.json).toMatchObject({ error: 'PermissionIds[0] is required', details: { fields: [{ field: 'permissionIds[0]', code: 'required' }] } });
    const set = await call('PUT', `/api/apis/${made.id}/cimd-access`, { body: { enabled: true, permissionIds: ['bogus'] } });
    expect(set.json).toMatchObject({ allowCimdClients: true, permissions: [] });
  });
});

describe('grants', () => {
  test('the applied grant: unknown ids dropped, a permission implies access, the API\'s permission order; API checked before client', async () => {
    const api = await setPermissions((await createApi('Orders', 'https://orders.test')).id, [{ key: 'a', name: 'A' }, { key: 'b', name: 'B' }]);
    await createClient('conf1', false);
    const ids = [idOf(api, 'b'), idOf(api, 'a'), 'bogus'];
    const applied = await call('PUT', `/api/apis/${api.id}/clients/conf1`, { body: { clientPermissionIds: ids, userDelegatedAccess: true } });
    const order = api.permissions.map((p: any) => p.id);
    expect(applied.json).toEqual({ userDelegatedAccess: true, clientAccess: true, userDelegatedPermissionIds: [], clientPermissionIds: order });
    expect((await call('PUT', '/api/apis/nope/clients/nope', { body: {} })).json).toMatchObject({ error: 'API not found' });
    expect((await call('PUT', `/api/apis/${api.id}/clients/nope`, { body: {} })).json).toMatchObject({ error: 'OIDC client not found', details: { resource: 'OIDC client' } });
    const empty = await call('PUT', `/api/apis/${api.id}/clients/conf1`, { body: { clientPermissionIds: [''] } });
    expect(empty.json).toMatchObject({ error: 'ClientPermissionIds[0] is required' });
  });

  test('a public client\'s client-credentials access is dropped without an error', async () => {
    const api = await setPermissions((await createApi('Orders', 'https://orders.test')).id, [{ key: 'a', name: 'A' }]);
    await createClient('pub1', true);
    const applied = await call('PUT', `/api/apis/${api.id}/clients/pub1`, { body: { clientAccess: true, clientPermissionIds: [idOf(api, 'a')] } });
    expect(applied.status).toBe(200);
    expect(applied.json).toEqual({ userDelegatedAccess: false, clientAccess: false, userDelegatedPermissionIds: [], clientPermissionIds: [] });
    expect(await call('GET', '/api/api-access/pub1/apis').then((r) => r.json)).toEqual([]);
  });

  test('removing a client\'s last permission of a kind removes that access; explicit access of the other kind stays', async () => {
    const api = await setPermissions((await createApi('Orders', 'https://orders.test')).id, [{ key: 'a', name: 'A' }, { key: 'b', name: 'B' }]);
    await createClient('conf1', false);
    await call('PUT', `/api/apis/${api.id}/clients/conf1`, { body: { clientPermissionIds: [idOf(api, 'b')], userDelegatedAccess: true } });
    await setPermissions(api.id, [{ key: 'a', name: 'A2' }]);
    const listed = await call('GET', `/api/apis/${api.id}/clients`);
    expect(listed.json.data).toEqual([{
      client: { id: 'conf1', name: 'conf1', clientType: 'standard', isPublic: false, hasLogo: false, hasDarkLogo: false },
      userDelegatedAccess: true,
      clientAccess: false,
      userDelegatedPermissionIds: [],
      clientPermissionIds: [],
      cimdGrantedAccess: false,
      cimdGrantedPermissionIds: [],
    }]);
  });

  test('DELETE is 204 even with no grant; deleting the client or the API cascades its rows', async () => {
    const api = await createApi('Orders', 'https://orders.test');
    await createClient('conf1', false);
    expect((await call('DELETE', `/api/apis/${api.id}/clients/conf1`)).status).toBe(204);
    expect((await call('DELETE', `/api/apis/${api.id}/clients/nope`)).json).toMatchObject({ error: 'OIDC client not found' });
    await call('PUT', `/api/apis/${api.id}/clients/conf1`, { body: { clientAccess: true } });
    expect((await call('DELETE', '/api/oidc/clients/conf1')).status).toBe(204);
    expect((await call('GET', `/api/apis/${api.id}/clients`)).json.data).toEqual([]);
    await createClient('conf2', false);
    await call('PUT', `/api/apis/${api.id}/clients/conf2`, { body: { clientAccess: true } });
    expect((await call('DELETE', `/api/apis/${api.id}`)).status).toBe(204);
    expect((await call('GET', '/api/api-access/conf2/apis')).json).toEqual([]);
  });
});
