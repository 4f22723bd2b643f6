import { createPublicKey, JsonWebKey, verify } from 'crypto';
import { callApi } from './api-calls';
import { PocketIdTestServer, startPocketIdTestServer } from './index';

/** POST /api/oidc/token, checked against what a real Pocket-ID 2.14.0 answered to the same requests. */

let server: PocketIdTestServer;

const INVALID_CLIENT = {
  error: 'invalid_client',
  error_description: 'Client authentication failed (e.g., unknown client, no client authentication included, or unsupported authentication method).',
};
const INVALID_REQUEST = 'The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed.';

interface Answer {
  status: number;
  headers: Headers;
  json: any;
}

async function admin(method: string, path: string, body?: unknown): Promise<any> {
  return (await callApi(server, method, path, { body })).json;
}

interface TokenRequestOptions {
  basic?: [string, string];
  authorization?: string;
  on?: PocketIdTestServer;
}

async function tokenRequest(form: Record<string, string>, options: TokenRequestOptions = {}): Promise<Answer> {
  const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded' };
  if (options.basic) headers.Authorization = `Basic ${Buffer.from(options.basic.map(encodeURIComponent).join(':')).toString('base64')}`;
  if (options.authorization) headers.Authorization = options.authorization;
  const res = await fetch(`${(options.on ?? server).baseUrl}/api/oidc/token`, { method: 'POST', headers, body: new URLSearchParams(form).toString() });
  return { status: res.status, headers: res.headers, json: await res.json() };
}

const credentials = (id: string, secret: string) => tokenRequest({ grant_type: 'client_credentials' }, { basic: [id, secret] });

async function newSecret(clientId: string, body: Record<string, unknown> = {}): Promise<{ id: string; secret: string }> {
  return admin('POST', `/api/oidc/clients/${clientId}/secrets`, body);
}

function claimsOf(jwt: string, jwk: JsonWebKey): Record<string, unknown> {
  const [header, payload, signature] = jwt.split('.');
  const key = createPublicKey({ key: jwk, format: 'jwk' });
  expect(verify('sha256', Buffer.from(`${header}.${payload}`), key, Buffer.from(signature, 'base64url'))).toBe(true);
  expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toEqual({ alg: 'RS256', kid: jwk.kid, typ: 'at+jwt' });
  return JSON.parse(Buffer.from(payload, 'base64url').toString());
}

beforeAll(async () => {
  server = await startPocketIdTestServer({ rateLimit: false });
});

afterAll(async () => {
  await server.close();
});

beforeEach(async () => {
  server.reset();
  await admin('POST', '/api/oidc/clients', { id: 'conf', name: 'conf', accessTokenDurationMinutes: 15 });
});

describe('client_credentials with a live secret', () => {
  test('client_secret_basic → 200 and a JWT access token the JWKS verifies, audienced to the client, without scopes', async () => {
    const { secret } = await newSecret('conf');
    const res = await credentials('conf', secret);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json;charset=UTF-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
    expect(res.json).toEqual({ access_token: expect.any(String), expires_in: 899, scope: '', token_type: 'bearer' });
    const { keys } = (await (await fetch(`${server.baseUrl}/.well-known/jwks.json`)).json()) as { keys: JsonWebKey[] };
    const claims = claimsOf(res.json.access_token, keys[0]);
    expect(claims).toEqual({
      aud: ['conf'],
      client_id: 'conf',
      exp: (claims.iat as number) + 900,
      iat: expect.any(Number),
      iss: server.baseUrl,
      jti: expect.any(String),
      scope: '',
      scp: [],
      sub: 'client-conf',
    });
  });

  test('client_secret_post, and Basic credentials form-encoded as RFC 6749 asks', async () => {
    const { secret } = await newSecret('conf', { secret: 'with:colon+plus%percent' });
    expect((await tokenRequest({ grant_type: 'client_credentials', client_id: 'conf', client_secret: secret })).status).toBe(200);
    expect((await credentials('conf', secret)).status).toBe(200);
    const raw = await tokenRequest({ grant_type: 'client_credentials' }, { authorization: `Basic ${Buffer.from('conf:%zz').toString('base64')}` });
    expect(raw.json).toEqual({
      error: 'invalid_request',
      error_description: `${INVALID_REQUEST} The client secret in the HTTP authorization header could not be decoded from 'application/x-www-form-urlencoded'.`,
    });
  });

  test('identity scopes are accepted and dropped; any other scope is invalid_scope', async () => {
    const { secret } = await newSecret('conf');
    expect((await tokenRequest({ grant_type: 'client_credentials', scope: 'openid profile' }, { basic: ['conf', secret] })).json.scope).toBe('');
    const res = await tokenRequest({ grant_type: 'client_credentials', scope: 'openid foo' }, { basic: ['conf', secret] });
    expect(res.status).toBe(400);
    expect(res.json).toEqual({
      error: 'invalid_scope',
      error_description: "The requested scope is invalid, unknown, or malformed. The OAuth 2.0 Client is not allowed to request scope 'foo'.",
    });
  });
});

describe('secrets that do not authenticate', () => {
  test('every live secret authenticates; a revoked, an expired or a wrong one, and an unknown client, are 401 invalid_client', async () => {
    const old = await newSecret('conf');
    const current = await newSecret('conf');
    const expiring = await newSecret('conf', { expiresAt: new Date(Date.now() + 1000).toISOString() });
    for (const s of [old, current, expiring]) expect((await credentials('conf', s.secret)).status).toBe(200);

    await admin('DELETE', `/api/oidc/clients/conf/secrets/${old.id}`);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    for (const [id, secret] of [['conf', old.secret], ['conf', expiring.secret], ['conf', 'wrong'], ['nope', current.secret]]) {
      const res = await credentials(id, secret);
      expect(res.status).toBe(401);
      expect(res.json).toEqual(INVALID_CLIENT);
      expect(res.headers.get('www-authenticate')).toBeNull();
    }
    expect((await tokenRequest({ grant_type: 'client_credentials', client_id: 'conf', client_secret: 'wrong' })).json).toEqual(INVALID_CLIENT);
    expect((await credentials('conf', current.secret)).status).toBe(200);
  });

  test('a public client is not authenticated, and may not use client_credentials', async () => {
    await admin('POST', '/api/oidc/clients', { id: 'spa', name: 'spa', isPublic: true });
    const res = await tokenRequest({ grant_type: 'client_credentials', client_id: 'spa' });
    expect(res.status).toBe(400);
    expect(res.json.error).toBe('invalid_grant');
    expect(res.json.error_description).toMatch(/ The OAuth 2.0 Client is marked as public and is thus not allowed to use authorization grant 'client_credentials'\.$/);
  });
});

describe('malformed requests', () => {
  test('no credentials, a JSON body, no grant type, an unknown grant type', async () => {
    const missing = await tokenRequest({ grant_type: 'client_credentials' });
    expect(missing.status).toBe(400);
    expect(missing.json.error_description).toBe(`${INVALID_REQUEST} Client credentials missing or malformed in both HTTP Authorization header and HTTP POST body.`);

    const { secret } = await newSecret('conf');
    const json = await fetch(`${server.baseUrl}/api/oidc/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials', client_id: 'conf', client_secret: secret }),
    });
    expect(json.status).toBe(400);
    expect(((await json.json()) as { error_description: string }).error_description).toBe(`${INVALID_REQUEST} The POST body can not be empty.`);

    expect((await tokenRequest({ client_id: 'conf' })).json.error_description).toBe(`${INVALID_REQUEST} Request parameter 'grant_type' is missing`);
    const password = await tokenRequest({ grant_type: 'password' }, { basic: ['conf', 'wrong'] });
    expect(password.json.error).toBe('invalid_request');
  });
});

test('the general API rate limit applies', async () => {
  const limited = await startPocketIdTestServer({ rateLimit: { perSecond: 1, burst: 2 } });
  try {
    for (let i = 0; i < 2; i++) expect((await tokenRequest({ grant_type: 'client_credentials', client_id: 'x' }, { on: limited })).status).toBe(401);
    const res = await tokenRequest({ grant_type: 'client_credentials', client_id: 'x' }, { on: limited });
    expect(res.status).toBe(429);
    expect(res.json).toMatchObject({ error: 'Too many requests', code: 'rate_limited' });
  } finally {
    await limited.close();
  }
});
