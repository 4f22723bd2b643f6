import { ApiCall, callApi } from './api-calls';
import { PocketIdTestServer, startPocketIdTestServer } from './index';
import { ScimEndpoint } from '../support/scim-endpoint';

/**
 * The test server's SCIM service providers, against what a real Pocket-ID 2.14.0 answered (curl, and a
 * small SCIM endpoint on loopback recording its sync).
 */

let server: PocketIdTestServer;
let endpoint: ScimEndpoint;

function call(method: string, path: string, body?: unknown, contentType?: string): Promise<ApiCall> {
  return callApi(server, method, path, { body, contentType });
}

async function newClient(id: string): Promise<void> {
  expect((await call('POST', '/api/oidc/clients', { id, name: id })).status).toBe(201);
}

beforeAll(async () => {
  server = await startPocketIdTestServer({ rateLimit: false });
  endpoint = await ScimEndpoint.start();
});

afterAll(async () => {
  await endpoint.stop();
  await server.close();
});

beforeEach(() => {
  server.reset();
  endpoint.clear();
  endpoint.failWith = undefined;
});

describe('SCIM service providers', () => {
  test('validation: every failed field in one message, only its first letter capitalised', async () => {
    const empty = await call('POST', '/api/scim/service-provider', {});
    expect(empty.status).toBe(400);
    expect(empty.json).toMatchObject({ error: 'Endpoint is required, oidcClientId is required', code: 'validation_failed' });
    expect(empty.json.details.fields).toEqual([
      { field: 'endpoint', code: 'required', message: 'is required' },
      { field: 'oidcClientId', code: 'required', message: 'is required' },
    ]);
    expect((await call('POST', '/api/scim/service-provider', { endpoint: 'host/api', oidcClientId: 'a' })).json.error).toBe('Endpoint must be a valid URL');
    expect((await call('POST', '/api/scim/service-provider', { endpoint: 'http://h', oidcClientId: '' })).json.error).toBe('OidcClientId is required');
    expect((await call('POST', '/api/scim/service-provider', { endpoint: 5, oidcClientId: 'a' })).json.code).toBe('invalid_request_body');
    expect((await call('POST', '/api/scim/service-provider', {}, 'text/plain')).json.code).toBe('invalid_request_body');
    // No scheme restriction: ftp:// is a URL; the client is checked after the body.
    const noClient = await call('POST', '/api/scim/service-provider', { endpoint: 'ftp://h', oidcClientId: 'nope' });
    expect({ status: noClient.status, body: noClient.json }).toMatchObject({ status: 404, body: { error: 'OIDC client not found', details: { resource: 'OIDC client' } } });
  });

  test('the token in clear, an empty oidcClient, sub-second createdAt only in the create answer; a PUT without token clears it', async () => {
    await newClient('app');
    const created = await call('POST', '/api/scim/service-provider', { endpoint: 'http://h/scim', token: 'tok-abcdefgh', oidcClientId: 'app' });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ endpoint: 'http://h/scim', token: 'tok-abcdefgh', lastSyncedAt: null });
    expect(created.json.oidcClient).toEqual({ id: '', name: '', description: '', hasLogo: false, hasDarkLogo: false, launchURL: null, requiresReauthentication: false, clientType: '' });
    expect(created.json.createdAt).toMatch(/\.\d+Z$/);
    const read = await call('GET', '/api/oidc/clients/app/scim-service-provider');
    expect(read.json.createdAt).toMatch(/:\d\dZ$/);
    const put = await call('PUT', `/api/scim/service-provider/${created.json.id}`, { endpoint: 'http://h/other', oidcClientId: 'app' });
    expect(put.json).toMatchObject({ id: created.json.id, endpoint: 'http://h/other', token: '' });
  });

  test('PUT loads the provider before the client; DELETE and sync of an unknown id are 404; GET by client shows the lowest id', async () => {
    await newClient('app');
    const unknown = await call('PUT', '/api/scim/service-provider/nope', { endpoint: 'http://h', oidcClientId: 'nope' });
    expect(unknown.json.error).toBe('SCIM service provider not found');
    expect((await call('DELETE', '/api/scim/service-provider/nope')).json.error).toBe('SCIM service provider not found');
    expect((await call('POST', '/api/scim/service-provider/nope/sync')).json.error).toBe('SCIM service provider not found');
    expect((await call('GET', '/api/oidc/clients/nope/scim-service-provider')).json.error).toBe('SCIM service provider not found');
    const ids: string[] = [];
    for (const name of ['one', 'two', 'three']) ids.push((await call('POST', '/api/scim/service-provider', { endpoint: `http://h/${name}`, oidcClientId: 'app' })).json.id);
    expect((await call('GET', '/api/oidc/clients/app/scim-service-provider')).json.id).toBe([...ids].sort()[0]);
  });

  test('deleting the client deletes its providers', async () => {
    await newClient('app');
    const { id } = (await call('POST', '/api/scim/service-provider', { endpoint: 'http://h', oidcClientId: 'app' })).json;
    expect((await call('DELETE', '/api/oidc/clients/app')).status).toBe(204);
    expect((await call('DELETE', `/api/scim/service-provider/${id}`)).status).toBe(404);
  });

  test('sync: lists, then provisions each user with the bearer token; 200 with an empty body and lastSyncedAt set', async () => {
    await newClient('app');
    endpoint.expectedToken = 'sync-token-123';
    const created = await call('POST', '/api/scim/service-provider', { endpoint: endpoint.url, token: 'sync-token-123', oidcClientId: 'app' });
    const sync = await call('POST', `/api/scim/service-provider/${created.json.id}/sync`);
    expect({ status: sync.status, text: sync.text }).toEqual({ status: 200, text: '' });
    expect(endpoint.requests.map((r) => `${r.method} ${r.path}${r.query ? `?${r.query}` : ''}`)).toEqual([
      'GET /Users?count=1000&startIndex=1',
      'GET /Groups?count=1000&startIndex=1',
      'POST /Users',
    ]);
    expect(endpoint.requests.every((r) => r.authorized)).toBe(true);
    // The static API user, as a real 2.14.0 sent it: no familyName, no emails.
    expect(endpoint.requests[2].body).toEqual({
      externalId: '00000000-0000-0000-0000-000000000000',
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: expect.stringMatching(/^static-api-user-/),
      name: { givenName: 'Static API User' },
      displayName: 'Static API User',
      active: true,
    });
    expect((await call('GET', '/api/oidc/clients/app/scim-service-provider')).json.lastSyncedAt).not.toBeNull();
  });

  test('sync: a refused request makes it 500 internal_error, and lastSyncedAt stays', async () => {
    await newClient('app');
    endpoint.expectedToken = 'right-token-123';
    const created = await call('POST', '/api/scim/service-provider', { endpoint: endpoint.url, token: 'wrong-token-123', oidcClientId: 'app' });
    const sync = await call('POST', `/api/scim/service-provider/${created.json.id}/sync`);
    expect({ status: sync.status, error: sync.json.error, code: sync.json.code }).toEqual({ status: 500, error: 'Something went wrong', code: 'internal_error' });
    expect((await call('GET', '/api/oidc/clients/app/scim-service-provider')).json.lastSyncedAt).toBeNull();
  });
});
