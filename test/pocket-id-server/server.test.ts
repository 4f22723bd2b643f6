import { ApiCall, ApiCallOptions, callApi } from './api-calls';
import { PocketIdTestServer, startPocketIdTestServer } from './index';

/** The test server's own behaviour, checked against Pocket-ID 2.14's documented and observed rules. */

let server: PocketIdTestServer;

/** A request to the test server under test, or to `options.on`. */
function call(method: string, path: string, options: ApiCallOptions & { on?: PocketIdTestServer } = {}): Promise<ApiCall> {
  return callApi(options.on ?? server, method, path, options);
}

async function createClient(body: Record<string, unknown>): Promise<any> {
  const res = await call('POST', '/api/oidc/clients', { body });
  expect(res.status).toBe(201);
  return res.json;
}

async function createUser(body: Record<string, unknown>): Promise<any> {
  const res = await call('POST', '/api/users', { body });
  expect(res.status).toBe(201);
  return res.json;
}

async function createGroup(name: string): Promise<any> {
  const res = await call('POST', '/api/user-groups', { body: { friendlyName: name, name } });
  expect(res.status).toBe(201);
  return res.json;
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
  server.clearRequests();
});

describe('basics', () => {
  test('healthz answers 204 without auth', async () => {
    const res = await call('GET', '/healthz', { key: null });
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
  });

  test('version/current needs a signed-in caller and reports the configured version', async () => {
    expect((await call('GET', '/api/version/current')).json).toEqual({ currentVersion: '2.14.0' });
    expect((await call('GET', '/api/version/current', { key: null })).status).toBe(401);

    const other = await startPocketIdTestServer({ version: '2.15.1', rateLimit: false });
    try {
      expect((await call('GET', '/api/version/current', { on: other })).json).toEqual({ currentVersion: '2.15.1' });
    } finally {
      await other.close();
    }
  });

  test('every response carries X-Request-ID, equal to request_id in error bodies', async () => {
    const ok = await call('GET', '/healthz');
    expect(ok.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const err = await call('GET', '/api/oidc/clients/missing');
    expect(err.json.request_id).toBe(err.headers.get('x-request-id'));
  });

  test('discovery: issuer is the app URL, endpoints hang off it', async () => {
    const res = await call('GET', '/.well-known/openid-configuration', { key: null });
    expect(res.status).toBe(200);
    expect(res.json.issuer).toBe(server.baseUrl);
    expect(res.json.authorization_endpoint).toBe(`${server.baseUrl}/authorize`);
    expect(res.json.token_endpoint).toBe(`${server.baseUrl}/api/oidc/token`);
    expect(res.json.jwks_uri).toBe(`${server.baseUrl}/.well-known/jwks.json`);
    expect(res.json.token_endpoint_auth_methods_supported).toEqual(['client_secret_basic', 'client_secret_post', 'none']);

    const other = await startPocketIdTestServer({ appUrl: 'https://ID.example.com/', rateLimit: false });
    try {
      expect((await call('GET', '/.well-known/openid-configuration', { on: other })).json.issuer).toBe('https://id.example.com');
    } finally {
      await other.close();
    }
  });
});

describe('the instance\'s identity', () => {
  test('each instance publishes its own signing key: its JWKS tells it apart from another', async () => {
    const other = await startPocketIdTestServer({ rateLimit: false });
    try {
      const kids = async (on: PocketIdTestServer) => (await call('GET', '/.well-known/jwks.json', { key: null, on })).json.keys.map((key: any) => key.kid);
      expect(await kids(server)).toEqual(await kids(server));
      expect(await kids(other)).not.toEqual(await kids(server));
    } finally {
      await other.close();
    }
  });
});

describe('authentication', () => {
  test.each([
    ['missing', null],
    ['wrong', 'not-the-token'],
  ])('%s API key → 401 not_signed_in', async (_name, key) => {
    const res = await call('GET', '/api/oidc/clients', { key });
    expect(res.status).toBe(401);
    expect(res.json).toEqual({ error: 'You are not signed in', code: 'not_signed_in', request_id: expect.any(String) });
  });

  test('the header name is case-insensitive; a Bearer token is not accepted', async () => {
    expect((await call('GET', '/api/oidc/clients', { key: null, headers: { 'x-api-key': server.apiToken } })).status).toBe(200);
    expect((await call('GET', '/api/oidc/clients', { key: null, headers: { Authorization: `Bearer ${server.apiToken}` } })).status).toBe(401);
  });

  test('client metadata is public', async () => {
    await createClient({ id: 'meta-client', name: 'Meta', launchURL: 'https://app.example.com' });
    const res = await call('GET', '/api/oidc/clients/meta-client/meta', { key: null });
    expect(res.json).toEqual({
      id: 'meta-client',
      name: 'Meta',
      description: '',
      hasLogo: false,
      hasDarkLogo: false,
      launchURL: 'https://app.example.com',
      requiresReauthentication: false,
      clientType: 'standard',
    });
  });

  test('the static API user appears in the user list once the key was used', async () => {
    const res = await call('GET', '/api/users');
    expect(res.json.pagination.totalItems).toBe(1);
    expect(res.json.data[0]).toMatchObject({ id: '00000000-0000-0000-0000-000000000000', isAdmin: true, email: null, firstName: 'Static API User' });
    expect(res.json.data[0].username).toMatch(/^static-api-user-[A-Za-z0-9]{6}$/);
  });
});

describe('unknown routes', () => {
  test('without the frontend: plain-text 404 "404 page not found"', async () => {
    const res = await call('GET', '/api/nope');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('text/plain');
    expect(res.text).toBe('404 page not found');
    // the pre-2.14 single-secret route is gone
    expect((await call('POST', '/api/oidc/clients/x/secret', { body: {} })).text).toBe('404 page not found');
  });

  test('with the frontend: JSON {"error":"API endpoint not found"} without a code', async () => {
    const other = await startPocketIdTestServer({ frontend: true, rateLimit: false });
    try {
      const res = await call('GET', '/api/nope', { on: other });
      expect(res.status).toBe(404);
      expect(res.json).toEqual({ error: 'API endpoint not found' });
    } finally {
      await other.close();
    }
  });

  test('a structured not-found is distinguishable: code not_found with details.resource', async () => {
    const res = await call('GET', '/api/oidc/clients/missing');
    expect(res.status).toBe(404);
    expect(res.json).toEqual({ error: 'OIDC client not found', code: 'not_found', details: { resource: 'OIDC client' }, request_id: expect.any(String) });
    const user = await call('GET', '/api/users/missing');
    expect(user.json).toEqual({ error: 'User not found', code: 'user_not_found', request_id: expect.any(String) });
  });

  test('a trailing slash redirects like Gin', async () => {
    const res = await call('GET', '/api/users/');
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe('/api/users');
  });

  test('on a CORS path the 404 has the CORS headers, and a preflight is 204 without CSP or request id', async () => {
    const res = await call('GET', '/api/oidc/token');
    expect(res.status).toBe(404);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const preflight = await call('OPTIONS', '/api/oidc/token');
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-methods')).toBe('GET, POST');
    expect(preflight.headers.get('cache-control')).toBe('private, no-store');
    expect(preflight.headers.get('content-security-policy')).toBeNull();
    expect(preflight.headers.get('x-request-id')).toBeNull();
  });
});

describe('request bodies', () => {
  test('Content-Type application/json is required', async () => {
    for (const contentType of [null, 'text/plain']) {
      const res = await call('POST', '/api/oidc/clients', { body: { name: 'x' }, contentType });
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({ error: 'Request body is invalid', code: 'invalid_request_body' });
    }
    expect((await call('POST', '/api/oidc/clients', { body: { name: 'x' }, contentType: 'application/merge-patch+json' })).status).toBe(201);
  });

  test('malformed JSON, empty bodies and wrong types are invalid_request_body', async () => {
    for (const raw of ['{', '', '{"name":"x","isPublic":"yes"}', '{"name":"x","accessTokenDurationMinutes":"60"}']) {
      const res = await call('POST', '/api/oidc/clients', { raw });
      expect(res.status).toBe(400);
      expect(res.json.code).toBe('invalid_request_body');
    }
  });

  test('validation errors list every failed field, joined into one message', async () => {
    const res = await call('POST', '/api/oidc/clients', { body: { name: 'n'.repeat(51), callbackURLs: ['javascript:alert(1)'], id: 'bad id!' } });
    expect(res.status).toBe(400);
    expect(res.json).toEqual({
      error: 'Name must be at most 50 characters long, callbackURLs[0] is invalid, id is invalid',
      code: 'validation_failed',
      details: {
        fields: [
          { field: 'name', code: 'too_long', message: 'must be at most 50 characters long' },
          { field: 'callbackURLs[0]', code: 'callback_url_pattern', message: 'is invalid' },
          { field: 'id', code: 'client_id', message: 'is invalid' },
        ],
      },
      request_id: expect.any(String),
    });
  });

  test.each([
    [{ name: '' }, 'name', 'required'],
    [{ name: 'x', description: 'd'.repeat(151) }, 'description', 'too_long'],
    [{ name: 'x', id: 'a' }, 'id', 'too_short'],
    [{ name: 'x', launchURL: 'not a url' }, 'launchURL', 'invalid_format'],
    [{ name: 'x', launchURL: '' }, 'launchURL', 'invalid_format'],
    [{ name: 'x', logoutCallbackURLs: ['data:text/html,hi'] }, 'logoutCallbackURLs[0]', 'callback_url_pattern'],
    [{ name: 'x', callbackURLs: ['no-scheme.example.com/cb'] }, 'callbackURLs[0]', 'callback_url_pattern'],
    [{ name: 'x', accessTokenDurationMinutes: 525601 }, 'accessTokenDurationMinutes', 'token_duration'],
    [{ name: 'x', refreshTokenDurationMinutes: -1 }, 'refreshTokenDurationMinutes', 'token_duration'],
  ])('client %j → %s %s', async (body, field, code) => {
    const res = await call('POST', '/api/oidc/clients', { body });
    expect(res.status).toBe(400);
    expect(res.json.details.fields).toEqual([expect.objectContaining({ field, code })]);
  });

  test('wildcards and custom schemes are valid callback URLs', async () => {
    const client = await createClient({ name: 'x', callbackURLs: ['*', 'https://*.example.com/**', 'http://localhost:*/cb', 'myapp://callback'] });
    expect(client.callbackURLs).toHaveLength(4);
  });
});

describe('OIDC clients', () => {
  test('create: defaults, a generated id, no secret, empty groups', async () => {
    const client = await createClient({ name: 'min-client', callbackURLs: ['https://app.example.com/cb'] });
    expect(client).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'min-client',
      description: '',
      hasLogo: false,
      hasDarkLogo: false,
      launchURL: null,
      requiresReauthentication: false,
      clientType: 'standard',
      callbackURLs: ['https://app.example.com/cb'],
      logoutCallbackURLs: [],
      isPublic: false,
      pkceEnabled: false,
      requiresPushedAuthorizationRequests: false,
      skipConsent: false,
      credentials: { secrets: [] },
      isGroupRestricted: false,
      accessTokenDurationMinutes: 60,
      refreshTokenDurationMinutes: 43200,
      allowedUserGroups: [],
    });
    expect(server.clientSecrets(client.id)).toEqual([]);
  });

  test('a public client gets PKCE forced on; PAR with public is accepted', async () => {
    const client = await createClient({ name: 'spa', isPublic: true, pkceEnabled: false, requiresPushedAuthorizationRequests: true });
    expect(client).toMatchObject({ isPublic: true, pkceEnabled: true, requiresPushedAuthorizationRequests: true });
  });

  test('duplicate id → 409 client_id_already_exists', async () => {
    await createClient({ id: 'dup', name: 'one' });
    const res = await call('POST', '/api/oidc/clients', { body: { id: 'dup', name: 'two' } });
    expect(res.status).toBe(409);
    expect(res.json).toEqual({ error: 'Client ID is already in use', code: 'client_id_already_exists', request_id: expect.any(String) });
  });

  test('PUT is a full replace: omitted fields fall back to defaults, an id in the body is ignored', async () => {
    const group = await createGroup('admins');
    await createClient({
      id: 'full',
      name: 'Full',
      description: 'desc',
      launchURL: 'https://app.example.com',
      pkceEnabled: true,
      skipConsent: true,
      isGroupRestricted: true,
      accessTokenDurationMinutes: 30,
      credentials: { federatedIdentities: [{ issuer: 'https://issuer.example.com', subject: 'sub', replayProtection: true }] },
    });
    await call('PUT', '/api/oidc/clients/full/allowed-user-groups', { body: { userGroupIds: [group.id] } });
    expect(server.client('full').allowedUserGroupIds).toEqual([group.id]);

    const res = await call('PUT', '/api/oidc/clients/full', { body: { name: 'Renamed', id: 'changed' } });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      id: 'full',
      name: 'Renamed',
      description: '',
      launchURL: null,
      pkceEnabled: false,
      skipConsent: false,
      isGroupRestricted: false,
      accessTokenDurationMinutes: 60,
      credentials: { secrets: [] },
      allowedUserGroups: [],
    });
    expect(res.json.credentials.federatedIdentities).toBeUndefined();
    expect(server.client('full').allowedUserGroupIds).toEqual([]);
  });

  test('PUT on an unknown client → 404; DELETE → 204 then 404', async () => {
    expect((await call('PUT', '/api/oidc/clients/nope', { body: { name: 'x' } })).status).toBe(404);
    await createClient({ id: 'gone', name: 'x' });
    expect((await call('DELETE', '/api/oidc/clients/gone')).status).toBe(204);
    expect((await call('DELETE', '/api/oidc/clients/gone')).json.code).toBe('not_found');
  });

  test('allowed-user-groups drops unknown ids and answers the client without allowedUserGroups', async () => {
    const group = await createGroup('devs');
    await createClient({ id: 'restricted', name: 'r', isGroupRestricted: true });
    const res = await call('PUT', '/api/oidc/clients/restricted/allowed-user-groups', { body: { userGroupIds: [group.id, 'no-such-group'] } });
    expect(res.status).toBe(200);
    expect(res.json.allowedUserGroups).toBeUndefined();
    const got = await call('GET', '/api/oidc/clients/restricted');
    expect(got.json.allowedUserGroups).toEqual([
      { id: group.id, friendlyName: 'devs', name: 'devs', customClaims: [], userCount: 0, ldapId: null, createdAt: expect.any(String) },
    ]);
    const missing = await call('PUT', '/api/oidc/clients/restricted/allowed-user-groups', { body: {} });
    expect(missing.json.details.fields).toEqual([{ field: 'userGroupIds', code: 'required', message: 'is required' }]);
  });

  test('list items carry allowedUserGroupsCount; search matches the name case-insensitively', async () => {
    await createClient({ id: 'app-a', name: 'Alpha App' });
    await createClient({ id: 'app-b', name: 'Beta' });
    const res = await call('GET', '/api/oidc/clients?search=ALPHA');
    expect(res.json.data.map((c: any) => c.id)).toEqual(['app-a']);
    expect(res.json.data[0].allowedUserGroupsCount).toBe(0);
    expect(res.json.data[0].allowedUserGroups).toBeUndefined();
    expect((await call('GET', '/api/oidc/clients?search=A')).json.data.map((c: any) => c.id)).toEqual(['app-a', 'app-b']);
    expect((await call('GET', '/api/oidc/clients?search=app-')).json.data).toEqual([]);
  });
});

describe('client secrets', () => {
  test('POST shows the value once; GET lists without it', async () => {
    await createClient({ id: 'conf', name: 'conf' });
    const created = await call('POST', '/api/oidc/clients/conf/secrets', { contentType: null });
    expect(created.status).toBe(201);
    expect(created.json).toEqual({
      id: expect.any(String),
      prefix: created.json.secret.slice(0, 4),
      createdAt: expect.any(String),
      expiresAt: null,
      isActive: true,
      secret: expect.stringMatching(/^[A-Za-z0-9]{32}$/),
    });
    const listed = await call('GET', '/api/oidc/clients/conf/secrets');
    const { id, prefix, createdAt } = created.json;
    expect(listed.json).toEqual([{ id, prefix, createdAt, expiresAt: null, isActive: true }]);
    expect(server.clientSecrets('conf')[0].secret).toBe(created.json.secret);
  });

  test('own value and expiry; validation of both', async () => {
    await createClient({ id: 'conf', name: 'conf' });
    const own = await call('POST', '/api/oidc/clients/conf/secrets', { body: { secret: 'my-own-secret-value-1234', expiresAt: '2099-01-01T00:00:00Z' } });
    expect(own.json).toMatchObject({ prefix: 'my-o', expiresAt: '2099-01-01T00:00:00Z', secret: 'my-own-secret-value-1234' });
    const short = await call('POST', '/api/oidc/clients/conf/secrets', { body: { secret: 'short' } });
    expect(short.json.details.fields).toEqual([{ field: 'secret', code: 'too_short', message: 'must be at least 16 characters long' }]);
    const past = await call('POST', '/api/oidc/clients/conf/secrets', { body: { expiresAt: '2020-01-01T00:00:00Z' } });
    expect(past.status).toBe(400);
    expect(past.json).toEqual({ error: 'The expiration date of a client secret must be in the future', code: 'validation_failed', request_id: expect.any(String) });
  });

  test('a public client cannot have secrets → 400', async () => {
    await createClient({ id: 'spa', name: 'spa', isPublic: true });
    const res = await call('POST', '/api/oidc/clients/spa/secrets', { body: {} });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error: 'Cannot create a secret for a public client', code: 'validation_failed' });
    expect(res.json.details).toBeUndefined();
  });

  test('at most 20 secrets per client', async () => {
    await createClient({ id: 'many', name: 'many' });
    for (let i = 0; i < 20; i++) expect((await call('POST', '/api/oidc/clients/many/secrets', { body: {} })).status).toBe(201);
    const res = await call('POST', '/api/oidc/clients/many/secrets', { body: {} });
    expect(res.status).toBe(400);
    expect(res.json.error).toBe('A client cannot have more than 20 secrets');
  });

  test('DELETE one secret → 204, unknown → 404 "Client secret not found"', async () => {
    await createClient({ id: 'conf', name: 'conf' });
    const { json } = await call('POST', '/api/oidc/clients/conf/secrets', { body: {} });
    expect((await call('DELETE', `/api/oidc/clients/conf/secrets/${json.id}`)).status).toBe(204);
    const again = await call('DELETE', `/api/oidc/clients/conf/secrets/${json.id}`);
    expect(again.json).toMatchObject({ error: 'Client secret not found', code: 'not_found', details: { resource: 'Client secret' } });
    expect((await call('GET', '/api/oidc/clients/nope/secrets')).json.details).toEqual({ resource: 'OIDC client' });
  });
});

describe('pagination', () => {
  beforeEach(() => {
    server.seedGroups(25);
  });

  test('default limit 20; totals', async () => {
    const res = await call('GET', '/api/user-groups');
    expect(res.json.data).toHaveLength(20);
    expect(res.json.pagination).toEqual({ totalPages: 2, totalItems: 25, currentPage: 1, itemsPerPage: 20 });
  });

  test('a page past the end returns the last page again', async () => {
    const last = await call('GET', '/api/user-groups?pagination[page]=3&pagination[limit]=10');
    const past = await call('GET', '/api/user-groups?pagination[page]=99&pagination[limit]=10');
    expect(past.json.pagination).toEqual({ totalPages: 3, totalItems: 25, currentPage: 3, itemsPerPage: 10 });
    expect(past.json.data).toEqual(last.json.data);
    expect(past.json.data).toHaveLength(5);
  });

  test('limit is capped at 100; invalid values fall back to defaults', async () => {
    expect((await call('GET', '/api/user-groups?pagination[limit]=1000')).json.pagination.itemsPerPage).toBe(100);
    expect((await call('GET', '/api/user-groups?pagination[limit]=0')).json.pagination.itemsPerPage).toBe(20);
    expect((await call('GET', '/api/user-groups?pagination[page]=abc')).json.pagination.currentPage).toBe(1);
  });

  test('zero items: data [] and totalPages 1', async () => {
    server.reset();
    const res = await call('GET', '/api/user-groups');
    expect(res.json).toEqual({ data: [], pagination: { totalPages: 1, totalItems: 0, currentPage: 1, itemsPerPage: 20 } });
  });

  test('sort and search', async () => {
    const desc = await call('GET', '/api/user-groups?sort[column]=friendlyName&sort[direction]=desc&pagination[limit]=3');
    expect(desc.json.data.map((g: any) => g.friendlyName)).toEqual(['group 9', 'group 8', 'group 7']);
    const found = await call('GET', '/api/user-groups?search=GROUP-25');
    expect(found.json.data).toHaveLength(1);
  });
});

describe('users', () => {
  test('email is required by default; "" is not an email', async () => {
    const missing = await call('POST', '/api/users', { body: { username: 'alice', email: null } });
    expect(missing.json).toMatchObject({ error: 'Email is required', details: { fields: [{ field: 'email', code: 'required', message: 'is required' }] } });
    const empty = await call('POST', '/api/users', { body: { username: 'alice', email: '' } });
    expect(empty.json.details.fields).toEqual([{ field: 'email', code: 'invalid_format', message: 'must be a valid email address' }]);
    server.setAppConfig({ requireUserEmail: false });
    expect((await call('POST', '/api/users', { body: { username: 'alice', email: null } })).status).toBe(201);
  });

  test('username is unique ignoring case, email case-sensitively → 409 already_in_use', async () => {
    await createUser({ username: 'bob', email: 'bob@example.com' });
    const username = await call('POST', '/api/users', { body: { username: 'BOB', email: 'other@example.com' } });
    expect(username.status).toBe(409);
    expect(username.json).toMatchObject({ error: 'Username is already in use', code: 'already_in_use', details: { property: 'username' } });
    const email = await call('POST', '/api/users', { body: { username: 'bob2', email: 'bob@example.com' } });
    expect(email.json.details).toEqual({ property: 'email' });
    expect((await call('POST', '/api/users', { body: { username: 'bob3', email: 'BOB@example.com' } })).status).toBe(201);
  });

  test('username rules', async () => {
    const res = await call('POST', '/api/users', { body: { username: '-bad-', email: 'x@example.com' } });
    expect(res.json.details.fields[0]).toMatchObject({ field: 'username', code: 'invalid_format' });
  });

  test('PUT is a full replace and its answer lists no groups or claims', async () => {
    const group = await createGroup('staff');
    const user = await createUser({
      username: 'carol',
      email: 'carol@example.com',
      firstName: 'Carol',
      lastName: 'C',
      isAdmin: true,
      emailVerified: true,
      userGroupIds: [group.id],
    });
    expect(user.userGroups.map((g: any) => g.id)).toEqual([group.id]);
    const res = await call('PUT', `/api/users/${user.id}`, { body: { username: 'carol', email: 'carol@example.com', firstName: 'Caro' } });
    expect(res.json).toMatchObject({ firstName: 'Caro', lastName: '', isAdmin: false, emailVerified: false, locale: null, userGroups: [], customClaims: [] });
    expect((await call('GET', `/api/users/${user.id}`)).json.userGroups.map((g: any) => g.id)).toEqual([group.id]);
  });

  test('membership from either side; unknown ids are dropped', async () => {
    const user = await createUser({ username: 'dave', email: 'dave@example.com' });
    const group = await createGroup('ops');
    const byGroup = await call('PUT', `/api/user-groups/${group.id}/users`, { body: { userIds: [user.id, 'nobody'] } });
    expect(byGroup.json.users.map((u: any) => u.id)).toEqual([user.id]);
    const byUser = await call('PUT', `/api/users/${user.id}/user-groups`, { body: { userGroupIds: [] } });
    expect(byUser.json.userGroups).toEqual([]);
    expect(server.groups()[0].userIds).toEqual([]);
  });

  test('signup defaults, as a real 2.14.0 applies them to an API-created user: the groups only when the request names none, unknown group ids dropped, the claims always but missing from the answer', async () => {
    const everyone = await createGroup('everyone');
    server.setAppConfig({ signupDefaultUserGroupIds: [everyone.id], signupDefaultCustomClaims: [{ key: 'tier', value: 'free' }] });
    const defaulted = await createUser({ username: 'eve', email: 'eve@example.com', userGroupIds: [] });
    expect(defaulted.userGroups.map((g: any) => g.id)).toEqual([everyone.id]);
    expect(defaulted.customClaims).toEqual([]);
    expect((await call('GET', `/api/users/${defaulted.id}`)).json.customClaims).toEqual([{ key: 'tier', value: 'free' }]);
    const unknownGroup = await createUser({ username: 'frank', email: 'frank@example.com', userGroupIds: ['00000000-0000-0000-0000-000000000000'] });
    expect(unknownGroup.userGroups).toEqual([]);
    expect((await call('GET', `/api/users/${unknownGroup.id}`)).json).toMatchObject({ userGroups: [], customClaims: [{ key: 'tier', value: 'free' }] });
  });

  test('group name is unique → 409 property name; both names need 2+ characters', async () => {
    await createGroup('admins');
    const dup = await call('POST', '/api/user-groups', { body: { friendlyName: 'Admins', name: 'admins' } });
    expect(dup.json).toMatchObject({ code: 'already_in_use', details: { property: 'name' } });
    const short = await call('POST', '/api/user-groups', { body: { friendlyName: 'A', name: 'a' } });
    expect(short.json.error).toBe('FriendlyName must be at least 2 characters long, name must be at least 2 characters long');
  });
});

describe('custom claims', () => {
  test('replace the whole set; [] clears', async () => {
    const user = await createUser({ username: 'erin', email: 'erin@example.com' });
    const path = `/api/custom-claims/user/${user.id}`;
    expect((await call('PUT', path, { body: [{ key: 'a', value: '1' }, { key: 'b', value: '2' }] })).json).toEqual([{ key: 'a', value: '1' }, { key: 'b', value: '2' }]);
    expect((await call('PUT', path, { body: [{ key: 'c', value: '3' }, { key: 'b', value: '9' }] })).json).toEqual([{ key: 'b', value: '9' }, { key: 'c', value: '3' }]);
    expect((await call('PUT', path, { body: [] })).json).toEqual([]);
  });

  test('reserved and duplicate keys are rejected', async () => {
    const group = await createGroup('claims');
    const path = `/api/custom-claims/user-group/${group.id}`;
    const reserved = await call('PUT', path, { body: [{ key: 'email', value: 'x' }] });
    expect(reserved.json).toMatchObject({
      error: "Claim email is reserved and can't be used",
      code: 'reserved_claim',
      details: { fields: [{ field: 'key', code: 'reserved', message: 'is reserved' }], key: 'email' },
    });
    const duplicate = await call('PUT', path, { body: [{ key: 'a', value: '1' }, { key: 'a', value: '2' }] });
    expect(duplicate.json).toMatchObject({ code: 'duplicate_claim', details: { key: 'a' } });
    expect((await call('PUT', '/api/custom-claims/user/nobody', { body: [] })).json.code).toBe('user_not_found');
  });
});

describe('one-time access', () => {
  test('token length follows the TTL; TTL limits are enforced', async () => {
    const user = await createUser({ username: 'fay', email: 'fay@example.com' });
    const path = `/api/users/${user.id}/one-time-access-token`;
    const short = await call('POST', path, { body: {} });
    expect(short.status).toBe(201);
    expect(short.json.token).toHaveLength(6);
    expect((await call('POST', path, { body: { ttl: '1h' } })).json.token).toHaveLength(12);
    expect((await call('POST', path, { body: { ttl: 3600 } })).json.token).toHaveLength(12);
    const tooLong = await call('POST', path, { body: { ttl: '1000h' } });
    expect(tooLong.json).toMatchObject({ error: 'Ttl is invalid', details: { fields: [{ field: 'ttl', code: 'ttl', message: 'is invalid' }] } });
    expect(server.oneTimeTokens(user.id)).toHaveLength(3);
  });

  test('a token works once', async () => {
    const user = await createUser({ username: 'gus', email: 'gus@example.com' });
    const { json } = await call('POST', `/api/users/${user.id}/one-time-access-token`, { body: {} });
    expect((await call('POST', `/api/one-time-access-token/${json.token}`, { key: null })).json.id).toBe(user.id);
    expect((await call('POST', `/api/one-time-access-token/${json.token}`, { key: null })).json.code).toBe('token_invalid_or_expired');
  });

  test('emails are off by default, recorded once enabled', async () => {
    const user = await createUser({ username: 'hal', email: 'hal@example.com' });
    const path = `/api/users/${user.id}/one-time-access-email`;
    expect((await call('POST', path, { body: {} })).json.code).toBe('one_time_access_disabled');
    server.setAppConfig({ emailOneTimeAccessAsAdminEnabled: true });
    expect((await call('POST', path, { body: { ttl: '2h' } })).status).toBe(204);
    expect(server.sentEmails()).toEqual([
      { userId: user.id, to: 'hal@example.com', token: expect.any(String), loginLink: expect.stringMatching(/\/lc\/[A-Za-z0-9]{12}$/), ttlSeconds: 7200 },
    ]);
  });
});

describe('rate limiting', () => {
  test('429 with Retry-After once the bucket is empty; /healthz is never limited', async () => {
    const limited = await startPocketIdTestServer({ rateLimit: { perSecond: 1, burst: 2 } });
    try {
      expect((await call('GET', '/api/users', { on: limited })).status).toBe(200);
      expect((await call('GET', '/api/users', { on: limited, key: 'wrong' })).status).toBe(401);
      const res = await call('GET', '/api/users', { on: limited });
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(res.json).toEqual({ error: 'Too many requests', code: 'rate_limited', request_id: res.headers.get('x-request-id') });
      expect((await call('GET', '/healthz', { on: limited })).status).toBe(204);
      expect((await call('GET', '/.well-known/openid-configuration', { on: limited })).status).toBe(429);
    } finally {
      await limited.close();
    }
  });

  test('login-related routes have their own, stricter limits on top', async () => {
    const limited = await startPocketIdTestServer();
    try {
      const exchange = async () => call('POST', '/api/one-time-access-token/abcdef', { on: limited, key: null });
      for (let i = 0; i < 5; i++) expect((await exchange()).status).toBe(401);
      const tooMany = await exchange();
      expect(tooMany.status).toBe(429);
      expect(tooMany.headers.get('retry-after')).toBe('10');

      const email = async () => call('POST', '/api/one-time-access-email', { on: limited, key: null, body: { email: 'x@example.com' } });
      for (let i = 0; i < 5; i++) expect((await email()).json.code).toBe('one_time_access_disabled');
      expect((await email()).headers.get('retry-after')).toBe('300');
    } finally {
      await limited.close();
    }
  });
});

describe('fault injection and request log', () => {
  test('a status fault replaces the answer the given number of times', async () => {
    server.injectFault({ method: 'GET', path: '/api/users', status: 503, body: 'upstream down', times: 2 });
    expect((await call('GET', '/api/users')).status).toBe(503);
    expect((await call('GET', '/api/users')).text).toBe('upstream down');
    expect((await call('GET', '/api/users')).status).toBe(200);
  });

  test('afterHandling applies the change, then loses the answer', async () => {
    server.injectFault({ method: 'POST', path: /^\/api\/oidc\/clients$/, status: 502, afterHandling: true });
    expect((await call('POST', '/api/oidc/clients', { body: { id: 'lost', name: 'lost' } })).status).toBe(502);
    expect(server.client('lost')).toBeDefined();
  });

  test('connection resets and truncated bodies fail on the client side', async () => {
    server.injectFault({ path: '/api/users', resetConnection: true });
    await expect(fetch(`${server.baseUrl}/api/users`, { headers: { 'X-API-Key': server.apiToken } })).rejects.toThrow();
    server.injectFault({ path: '/api/users', truncateBody: true });
    const res = await fetch(`${server.baseUrl}/api/users`, { headers: { 'X-API-Key': server.apiToken } });
    await expect(res.text()).rejects.toThrow();
  });

  test('delays hold the answer back', async () => {
    server.injectFault({ path: '/healthz', delayMs: 150 });
    const start = Date.now();
    expect((await call('GET', '/healthz')).status).toBe(204);
    expect(Date.now() - start).toBeGreaterThanOrEqual(140);
  });

  test('emptyListsAsNull answers as the handler would, with every empty list as null', async () => {
    const group = await createGroup('empty');
    server.injectFault({ path: /.*/, emptyListsAsNull: true, times: 2 });
    expect((await call('GET', `/api/user-groups/${group.id}`)).json).toMatchObject({ id: group.id, users: null, customClaims: null, allowedOidcClients: null });
    expect((await call('GET', '/api/oidc/clients')).json.data).toBeNull();
    expect((await call('GET', '/api/oidc/clients')).json.data).toEqual([]);
  });

  test('every request is logged with its status, path without query', async () => {
    await call('GET', '/api/users?search=x');
    await call('GET', '/api/oidc/clients/nope');
    expect(server.requests).toEqual([
      { method: 'GET', path: '/api/users', status: 200, receivedAt: expect.any(Number) },
      { method: 'GET', path: '/api/oidc/clients/nope', status: 404, receivedAt: expect.any(Number) },
    ]);
    expect(server.requests[0].receivedAt).toBeLessThan(server.requests[1].receivedAt);
  });

  test('faults on one path count their skips each, so that two can aim at two occurrences', async () => {
    server.injectFault({ method: 'GET', path: '/api/users', status: 502, skip: 1 });
    server.injectFault({ method: 'GET', path: '/api/users', status: 503, skip: 2 });
    const statuses = [];
    for (let n = 0; n < 4; n++) statuses.push((await call('GET', '/api/users')).status);
    expect(statuses).toEqual([200, 502, 503, 200]);
  });

  test('whenIdle waits for a request a delay holds, also after its caller gave up', async () => {
    server.injectFault({ path: '/healthz', delayMs: 300 });
    const controller = new AbortController();
    const gaveUp = fetch(`${server.baseUrl}/healthz`, { signal: controller.signal }).catch(() => 'aborted');
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort();
    expect(await gaveUp).toBe('aborted');
    const before = server.requests.length;
    await server.whenIdle();
    expect(server.requests.length).toBe(before + 1);
  });
});
