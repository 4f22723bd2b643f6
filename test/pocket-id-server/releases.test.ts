import { generateKeyPairSync } from 'crypto';
import { ApiCall, callApi } from './api-calls';
import { PocketIdTestServer, startPocketIdTestServer } from './index';
import { Release } from './releases';

/** Each release's behaviour on its release, and its absence on the release before. */

function call(target: PocketIdTestServer, method: string, path: string, body?: unknown): Promise<ApiCall> {
  return callApi(target, method, path, { body });
}

const servers = new Map<string, PocketIdTestServer>();

/** One instance per release, shared by the tests and wiped before each. */
function on(version: string): PocketIdTestServer {
  const server = servers.get(version);
  if (!server) throw new Error(`no test server for ${version}`);
  return server;
}

beforeAll(async () => {
  for (const version of ['2.14.0', '2.15.0', '2.16.0', '2.17.0', '2.18.0']) {
    servers.set(version, await startPocketIdTestServer({ version, rateLimit: false }));
  }
});

afterAll(async () => {
  await Promise.all([...servers.values()].map((s) => s.close()));
});

beforeEach(() => {
  for (const server of servers.values()) server.reset();
});

describe('which release is played', () => {
  test.each([
    ['2.14.0', '2.14.0'],
    ['2.16.3', '2.16.0'],
    ['v2.17.1', '2.17.0'],
    ['2.17.0-rc.1', '2.16.0'],
    ['2.18.0+build.5', '2.18.0'],
    ['2.13.1', '2.14.0'],
    ['3.0.0', '2.18.0'],
    ['unknown', '2.18.0'],
    ['', '2.18.0'],
  ])('%j plays %s', (announced, plays) => {
    expect(new Release(announced).plays).toBe(plays);
  });

  test('features follow the release played', () => {
    expect(new Release('2.16.0').has('federatedPublicKeys')).toBe(true);
    expect(new Release('2.16.0').has('backchannelLogout')).toBe(false);
    expect(new Release('2.17.0').atLeast('2.17.0')).toBe(true);
    expect(new Release('2.17.0').atLeast('2.18.0')).toBe(false);
  });

  test('the announced version is answered as given, even where another release is played', async () => {
    const major = await startPocketIdTestServer({ version: '3.0.0', rateLimit: false });
    try {
      expect((await call(major, 'GET', '/api/version/current')).json).toEqual({ currentVersion: '3.0.0' });
    } finally {
      await major.close();
    }
  });
});

function ecPublicJwk(kid: string): Record<string, unknown> {
  const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
  return { y: jwk.y, x: jwk.x, kty: 'EC', crv: 'P-256', kid, alg: 'ES256' };
}

function withPublicKeys(publicKeys: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: 'federated', credentials: { federatedIdentities: [{ issuer: 'https://agent.example.com', publicKeys, ...extra, replayProtection: true }] } };
}

describe('2.15: explicit public keys of federated identities (PR #1702)', () => {
  test('2.14 does not know publicKeys: the key is skipped, whatever its value', async () => {
    const created = await call(on('2.14.0'), 'POST', '/api/oidc/clients', withPublicKeys('not even an array'));
    expect(created.status).toBe(201);
    expect(created.json.credentials.federatedIdentities).toEqual([{ issuer: 'https://agent.example.com', replayProtection: true }]);
  });

  test('2.15 stores them re-encoded (members sorted) and answers them; none is omitted', async () => {
    const key = ecPublicJwk('agent-key-1');
    const created = await call(on('2.15.0'), 'POST', '/api/oidc/clients', withPublicKeys([key]));
    expect(created.status).toBe(201);
    const [identity] = (await call(on('2.15.0'), 'GET', `/api/oidc/clients/${created.json.id}`)).json.credentials.federatedIdentities;
    expect(identity.publicKeys).toEqual([key]);
    expect(Object.keys(identity.publicKeys[0])).toEqual(['alg', 'crv', 'kid', 'kty', 'x', 'y']);
    const none = await call(on('2.15.0'), 'PUT', `/api/oidc/clients/${created.json.id}`, withPublicKeys([]));
    expect(none.json.credentials.federatedIdentities[0].publicKeys).toBeUndefined();
  });

  test.each([
    [[{ kty: 'oct', k: 'c2VjcmV0', kid: 'k' }], 'key 1 is invalid: key is not an asymmetric public key'],
    [[{ ...ecPublicJwk('p'), d: 'AAAA' }], 'key 1 is invalid: key contains private key material'],
    [[ecPublicJwk('')], 'key 1 is invalid: key is missing the "kid" property'],
    [[{ ...ecPublicJwk('e'), use: 'enc' }], 'key 1 is invalid: key is not meant to verify signatures, its "use" is not "sig"'],
    [[ecPublicJwk('same'), ecPublicJwk('same')], 'key 2 has the same key ID "same" as an earlier key'],
    [[{ kty: 'EC', crv: 'P-256', x: 'AAAA', kid: 'e' }], 'key 1 is invalid: failed to parse key: jwk.ParseKey: failed to unmarshal JSON into key (*jwk.ecdsaPublicKey): '
      + 'failed to unmarshal JSON into key (*jwk.ecdsaPublicKey): required field y is missing'],
  ])('2.15 refuses %j', async (keys, problem) => {
    const res = await call(on('2.15.0'), 'POST', '/api/oidc/clients', withPublicKeys(keys));
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ error: `Federated client credential 1 has an invalid public key: ${problem}`, code: 'validation_failed', request_id: expect.any(String) });
  });

  test('2.15: a JWKS URL and public keys exclude each other', async () => {
    const res = await call(on('2.15.0'), 'POST', '/api/oidc/clients', withPublicKeys([ecPublicJwk('k')], { jwks: 'https://agent.example.com/jwks' }));
    expect(res.json).toMatchObject({ error: 'Federated client credential 1 must use either a JWKS URL or public keys, but not both', code: 'validation_failed' });
  });
});

function pngHeader(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(25);
  ihdr.writeUInt32BE(13, 0);
  ihdr.write('IHDR', 4, 'latin1');
  ihdr.writeUInt32BE(width, 8);
  ihdr.writeUInt32BE(height, 12);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), ihdr]);
}

/** SOI, an APP0 segment to skip, then SOF0 with the frame size. */
function jpegHeader(width: number, height: number): Buffer {
  const app0 = Buffer.from([0xff, 0xe0, 0x00, 0x04, 0x00, 0x00]);
  const sof0 = Buffer.from([0xff, 0xc0, 0x00, 0x0b, 0x08, 0, 0, 0, 0, 0x01, 0x01, 0x11, 0x00]);
  sof0.writeUInt16BE(height, 5);
  sof0.writeUInt16BE(width, 7);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), app0, sof0]);
}

async function uploadLogo(target: PocketIdTestServer, clientId: string, filename: string, data: Buffer): Promise<ApiCall> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(data)]), filename);
  const res = await fetch(`${target.baseUrl}/api/oidc/clients/${clientId}/logo`, { method: 'POST', headers: { 'X-API-Key': target.apiToken }, body: form });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: text === '' ? undefined : JSON.parse(text) };
}

describe('2.15: images over 16 million pixels are refused ([peer] irashack)', () => {
  test.each([
    ['2.14.0', 'logo.png', pngHeader(4001, 4000), 204],
    ['2.15.0', 'logo.png', pngHeader(4001, 4000), 400],
    ['2.15.0', 'logo.png', pngHeader(4000, 4000), 204],
    ['2.15.0', 'logo.jpg', jpegHeader(8000, 2001), 400],
    ['2.15.0', 'logo.svg', Buffer.from('<svg width="9000" height="9000"/>'), 204],
  ])('%s: %s %#', async (version, filename, data, status) => {
    const server = on(version);
    const client = await call(server, 'POST', '/api/oidc/clients', { name: 'logo' });
    const res = await uploadLogo(server, client.json.id, filename, data);
    expect(res.status).toBe(status);
    if (status === 400) expect(res.json).toEqual({ error: 'File is not a valid image', code: 'invalid_image', request_id: expect.any(String) });
  });
});

describe('2.17: backchannelLogoutURL on clients (PR #1734; name and rules [peer])', () => {
  const url = 'https://rp.example/logout?tenant=%23test';

  test('2.16 does not know it: the key is skipped, whatever its value', async () => {
    for (const value of [url, 'not a url', 42]) {
      const created = await call(on('2.16.0'), 'POST', '/api/oidc/clients', { name: 'rp', backchannelLogoutURL: value });
      expect(created.status).toBe(201);
      expect(created.json).not.toHaveProperty('backchannelLogoutURL');
    }
  });

  test('2.17 answers it in every client answer; a PUT without it clears it; "" is none', async () => {
    const server = on('2.17.0');
    const { json } = await call(server, 'POST', '/api/oidc/clients', { name: 'rp', isPublic: true, backchannelLogoutURL: url });
    expect(json.backchannelLogoutURL).toBe(url);
    expect((await call(server, 'GET', `/api/oidc/clients/${json.id}`)).json.backchannelLogoutURL).toBe(url);
    expect((await call(server, 'GET', '/api/oidc/clients')).json.data[0].backchannelLogoutURL).toBe(url);
    expect((await call(server, 'PUT', `/api/oidc/clients/${json.id}/allowed-user-groups`, { userGroupIds: [] })).json.backchannelLogoutURL).toBe(url);
    expect((await call(server, 'PUT', `/api/oidc/clients/${json.id}`, { name: 'rp', backchannelLogoutURL: url })).json.backchannelLogoutURL).toBe(url);
    expect((await call(server, 'PUT', `/api/oidc/clients/${json.id}`, { name: 'rp' })).json).not.toHaveProperty('backchannelLogoutURL');
    expect((await call(server, 'POST', '/api/oidc/clients', { name: 'none', backchannelLogoutURL: '' })).json).not.toHaveProperty('backchannelLogoutURL');
  });

  test.each([
    ['http://rp.example:8080/logout?tenant=test', false, true],
    ['HTTPS://rp.example/logout', true, true],
    ['http://rp.example/logout', true, false],
    ['https://rp.example/logout#fragment', false, false],
    ['https://rp.example/logout#', false, false],
    ['/logout', false, false],
    ['https:///logout', false, false],
    ['ftp://rp.example/logout', false, false],
    ['https://rp.example/%zz', false, false],
  ])('2.17: %s (public %s) accepted: %s', async (value, isPublic, accepted) => {
    const res = await call(on('2.17.0'), 'POST', '/api/oidc/clients', { name: 'rp', isPublic, backchannelLogoutURL: value });
    expect(res.status).toBe(accepted ? 201 : 400);
    if (!accepted) expect(res.json).toMatchObject({ code: 'validation_failed', details: { fields: [expect.objectContaining({ field: 'backchannelLogoutURL' })] } });
  });
});

describe('2.17: a confidential client is created with a secret ([peer] autoCreateOidcClientSecret)', () => {
  test('2.16 creates none', async () => {
    const created = await call(on('2.16.0'), 'POST', '/api/oidc/clients', { name: 'confidential' });
    expect(created.json).not.toHaveProperty('createdSecret');
    expect((await call(on('2.16.0'), 'GET', `/api/oidc/clients/${created.json.id}/secrets`)).json).toEqual([]);
  });

  test('2.17 answers it once as createdSecret and lists it like any other', async () => {
    const server = on('2.17.0');
    const created = await call(server, 'POST', '/api/oidc/clients', { name: 'confidential' });
    const { createdSecret } = created.json;
    expect(createdSecret).toEqual({
      id: expect.any(String),
      prefix: createdSecret.secret.slice(0, 4),
      createdAt: expect.any(String),
      expiresAt: null,
      isActive: true,
      secret: expect.stringMatching(/^[A-Za-z0-9]{32}$/),
    });
    const { secret, ...listed } = createdSecret;
    expect((await call(server, 'GET', `/api/oidc/clients/${created.json.id}/secrets`)).json).toEqual([listed]);
    expect(server.clientSecrets(created.json.id)[0].secret).toBe(secret);
  });

  test('2.17: none for a public client, nor with the setting off', async () => {
    const server = on('2.17.0');
    const pub = await call(server, 'POST', '/api/oidc/clients', { name: 'spa', isPublic: true });
    expect(pub.json).not.toHaveProperty('createdSecret');
    server.setAppConfig({ autoCreateOidcClientSecret: false });
    const off = await call(server, 'POST', '/api/oidc/clients', { name: 'confidential' });
    expect(off.json).not.toHaveProperty('createdSecret');
    expect(server.clientSecrets(pub.json.id)).toEqual([]);
    expect(server.clientSecrets(off.json.id)).toEqual([]);
  });
});

describe('2.17: back-channel logout notices when a user loses access (PR #1734)', () => {
  const logoutUrl = 'https://rp.example/logout';

  /** A client with a back-channel URL, restricted to one group whose only member is `member`; `outsider` is in no group. */
  async function restrictedClient(version: string) {
    const server = on(version);
    const [member, outsider] = server.seedUsers(2);
    const [group] = server.seedGroups(1);
    await call(server, 'PUT', `/api/user-groups/${group}/users`, { userIds: [member] });
    const { json } = await call(server, 'POST', '/api/oidc/clients', { name: 'rp', backchannelLogoutURL: logoutUrl });
    await call(server, 'PUT', `/api/oidc/clients/${json.id}/allowed-user-groups`, { userGroupIds: [group] });
    await call(server, 'PUT', `/api/oidc/clients/${json.id}`, { name: 'rp', isGroupRestricted: true, backchannelLogoutURL: logoutUrl });
    return { server, clientId: json.id as string, member, outsider, group };
  }

  test('2.17: restricting a client signs out everyone else, but not the member allowed beforehand', async () => {
    const { server, clientId, member, outsider } = await restrictedClient('2.17.0');
    const signedOut = server.backchannelLogouts().map((n) => n.userId);
    expect(signedOut.sort()).toEqual(['00000000-0000-0000-0000-000000000000', outsider].sort());
    expect(signedOut).not.toContain(member);
    expect(server.backchannelLogouts().every((n) => n.clientId === clientId)).toBe(true);
  });

  type Setup = Awaited<ReturnType<typeof restrictedClient>>;
  const disable = async ({ server, member }: Setup) => {
    const user = server.users().find((u) => u.id === member);
    return call(server, 'PUT', `/api/users/${member}`, { username: user.username, email: user.email, disabled: true });
  };
  test.each<[string, (s: Setup) => Promise<ApiCall>]>([
    ['its group loses the member', ({ server, group }) => call(server, 'PUT', `/api/user-groups/${group}/users`, { userIds: [] })],
    ['the member leaves the group', ({ server, member }) => call(server, 'PUT', `/api/users/${member}/user-groups`, { userGroupIds: [] })],
    ['the group is deleted', ({ server, group }) => call(server, 'DELETE', `/api/user-groups/${group}`)],
    ['the client drops the group', ({ server, clientId }) => call(server, 'PUT', `/api/oidc/clients/${clientId}/allowed-user-groups`, { userGroupIds: [] })],
    ['the group drops the client', ({ server, group }) => call(server, 'PUT', `/api/user-groups/${group}/allowed-oidc-clients`, { oidcClientIds: [] })],
    ['the member is disabled', disable],
    ['the member is deleted', ({ server, member }) => call(server, 'DELETE', `/api/users/${member}`)],
    ['the client is deleted', ({ server, clientId }) => call(server, 'DELETE', `/api/oidc/clients/${clientId}`)],
  ])('2.17: %s → one notice, for the member', async (_name, change) => {
    const setup = await restrictedClient('2.17.0');
    setup.server.clearBackchannelLogouts();
    expect((await change(setup)).status).toBeLessThan(300);
    expect(setup.server.backchannelLogouts()).toEqual([{ clientId: setup.clientId, userId: setup.member }]);
  });

  test('2.17: gaining access, or a client without a back-channel URL, gives none', async () => {
    const { server, group, member, outsider } = await restrictedClient('2.17.0');
    server.clearBackchannelLogouts();
    await call(server, 'PUT', `/api/user-groups/${group}/users`, { userIds: [member, outsider] });
    const plain = await call(server, 'POST', '/api/oidc/clients', { name: 'plain' });
    await call(server, 'DELETE', `/api/oidc/clients/${plain.json.id}`);
    expect(server.backchannelLogouts()).toEqual([]);
  });

  test('2.16 sends none', async () => {
    const { server, clientId } = await restrictedClient('2.16.0');
    await call(server, 'DELETE', `/api/oidc/clients/${clientId}`);
    expect(server.backchannelLogouts()).toEqual([]);
  });
});

describe('2.18: logo presets ([peer] irashack)', () => {
  const names = (res: ApiCall) => res.json.map((p: any) => p.name);

  test('2.17 has no such route', async () => {
    const res = await call(on('2.17.0'), 'GET', '/api/oidc/logo-presets?search=plex');
    expect(res.status).toBe(404);
    expect(res.text).toBe('404 page not found');
  });

  test('2.18: a bare array, exact matches first, then prefixes, then substrings', async () => {
    const server = on('2.18.0');
    expect((await call(server, 'GET', '/api/oidc/logo-presets?search=jellyfin')).json).toEqual([
      {
        name: 'Jellyfin',
        reference: 'jellyfin',
        logoUrl: 'https://cdn.jsdelivr.net/gh/selfhst/icons/svg/jellyfin.svg',
        darkLogoUrl: 'https://cdn.jsdelivr.net/gh/selfhst/icons/svg/jellyfin-light.svg',
      },
    ]);
    expect(names(await call(server, 'GET', '/api/oidc/logo-presets?search=seerr'))).toEqual(['Seerr', 'Jellyseerr', 'Overseerr']);
    expect(names(await call(server, 'GET', '/api/oidc/logo-presets?search=HOME'))).toEqual(['Home Assistant', 'Homepage', 'Homer', 'AdGuard Home']);
    expect((await call(server, 'GET', '/api/oidc/logo-presets?search=plex')).json[0].darkLogoUrl).toBeNull();
  });

  test('2.18: an empty search lists the library alphabetically, at most 30', async () => {
    const all = names(await call(on('2.18.0'), 'GET', '/api/oidc/logo-presets'));
    expect(all).toHaveLength(30);
    expect(all.slice(0, 3)).toEqual(['AdGuard Home', 'Audiobookshelf', 'Authentik']);
    expect([...all].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()))).toEqual(all);
  });

  test.each([
    ['disabled' as const, 403, { error: 'Logo presets are disabled', code: 'logo_presets_disabled' }],
    ['unavailable' as const, 502, { error: 'Logo presets could not be loaded', code: 'logo_presets_unavailable' }],
  ])('2.18 with the icon library %s → %d', async (iconLibrary, status, body) => {
    const server = await startPocketIdTestServer({ version: '2.18.0', iconLibrary, rateLimit: false });
    try {
      const res = await call(server, 'GET', '/api/oidc/logo-presets?search=plex');
      expect(res.status).toBe(status);
      expect(res.json).toEqual({ ...body, request_id: expect.any(String) });
    } finally {
      await server.close();
    }
  });
});

describe('an upgrade in place (setVersion)', () => {
  test('keeps the data and plays the new release from the next request on', async () => {
    const server = await startPocketIdTestServer({ version: '2.16.0', rateLimit: false });
    try {
      const made = await call(server, 'POST', '/api/oidc/clients', { name: 'kept', backchannelLogoutURL: 'https://app.example.com/bc' });
      expect(made.json.backchannelLogoutURL).toBeUndefined();
      server.setVersion('2.17.0');
      expect((await call(server, 'GET', '/api/version/current')).json).toEqual({ currentVersion: '2.17.0' });
      const updated = await call(server, 'PUT', `/api/oidc/clients/${made.json.id}`, { name: 'kept', backchannelLogoutURL: 'https://app.example.com/bc' });
      expect(updated.json).toMatchObject({ id: made.json.id, name: 'kept', backchannelLogoutURL: 'https://app.example.com/bc' });
    } finally {
      await server.close();
    }
  });
});
