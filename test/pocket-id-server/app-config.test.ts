/**
 * The test server's application configuration, against what a real Pocket-ID 2.14.0 answered to the
 * same requests (curl, recorded in the texts below).
 */
import { PocketIdTestServer, startPocketIdTestServer } from '.';

const KEY = 'app-config-test-api-key-0123456789';
let server: PocketIdTestServer;

async function call(method: string, path: string, body?: unknown, target = server): Promise<{ status: number; json: any }> {
  const response = await fetch(`${target.baseUrl}${path}`, {
    method,
    headers: { 'X-API-Key': KEY, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : undefined };
}

async function all(target = server): Promise<Record<string, string>> {
  const { json } = await call('GET', '/api/application-configuration/all', undefined, target);
  return Object.fromEntries(json.map((item: any) => [item.key, item.value]));
}

beforeAll(async () => {
  server = await startPocketIdTestServer({ apiToken: KEY, rateLimit: false });
});
afterAll(() => server.close());
beforeEach(() => server.reset());

test('/all lists the 47 settings of 2.14 in the model\'s order, type "" and isPublic false', async () => {
  const { json } = await call('GET', '/api/application-configuration/all');
  expect(json).toHaveLength(47);
  expect(json.slice(0, 5).map((item: any) => item.key)).toEqual(['appName', 'sessionDuration', 'homePageUrl', 'emailsVerified', 'accentColor']);
  expect(json.every((item: any) => item.type === '' && item.isPublic === false)).toBe(true);
});

test('the public GET: the public settings, then uiConfigDisabled (type boolean) and tracingEnabled', async () => {
  const response = await fetch(`${server.baseUrl}/api/application-configuration`);
  const items = await response.json() as any[];
  expect(items.map((item) => item.key)).toEqual(['appName', 'homePageUrl', 'accentColor', 'disableAnimations', 'allowOwnAccountEdit', 'allowUserSignups',
    'requireUserEmail', 'emailOneTimeAccessAsUnauthenticatedEnabled', 'emailOneTimeAccessAsAdminEnabled', 'emailVerificationEnabled', 'ldapEnabled',
    'uiConfigDisabled', 'tracingEnabled']);
  expect(items.slice(-2)).toEqual([{ key: 'uiConfigDisabled', type: 'boolean', value: 'false' }, { key: 'tracingEnabled', type: '', value: 'false' }]);
});

test('PUT validates every key in the DTO\'s order, with 2.14\'s messages', async () => {
  const body = { ...await all(), appName: undefined, sessionDuration: 'x', allowUserSignups: 'maybe', smtpFrom: 'bad', signupDefaultUserGroupIDs: '{}' };
  const { status, json } = await call('PUT', '/api/application-configuration', body);
  expect(status).toBe(400);
  expect(json.error).toBe('AppName is required, sessionDuration must be an integer, allowUserSignups is invalid, '
    + 'signupDefaultUserGroupIDs must be a JSON array of strings, smtpFrom must be a valid email address');
  expect(json.details.fields[2]).toEqual({ field: 'allowUserSignups', code: 'oneof', message: 'is invalid' });
});

test('PUT: null is "", a number is an invalid body, "null" is no JSON array', async () => {
  const held = await all();
  expect((await call('PUT', '/api/application-configuration', { ...held, appName: null })).json.error).toBe('AppName is required');
  expect((await call('PUT', '/api/application-configuration', { ...held, smtpPort: 25 })).json.code).toBe('invalid_request_body');
  expect((await call('PUT', '/api/application-configuration', { ...held, signupDefaultUserGroupIDs: 'null' })).json.error)
    .toBe('SignupDefaultUserGroupIDs must be a JSON array of strings');
});

test('PUT replaces the whole configuration: a key missing or "" returns to its default, the password included; the answer is in clear', async () => {
  const held = await all();
  const set = await call('PUT', '/api/application-configuration', { ...held, smtpPassword: 'smtp-password-1', accentColor: 'red' });
  expect(set.json.find((item: any) => item.key === 'smtpPassword').value).toBe('smtp-password-1');
  const { smtpPassword: _, ...withoutPassword } = await all();
  await call('PUT', '/api/application-configuration', { ...withoutPassword, accentColor: '', unknownKey: 'ignored' });
  expect(await all()).toMatchObject({ smtpPassword: '', accentColor: 'default' });
});

test('UI_CONFIG_DISABLED: /all masks a set password, a valid PUT is 403 after validation', async () => {
  const disabled = await startPocketIdTestServer({ apiToken: KEY, rateLimit: false, uiConfigDisabled: true });
  try {
    disabled.setAppSettings({ smtpPassword: 'from-the-environment' });
    const held = await all(disabled);
    expect(held).toMatchObject({ smtpPassword: 'XXXXXXXXXX', ldapBindPassword: '' });
    expect((await call('PUT', '/api/application-configuration', { ...held, appName: '' }, disabled)).status).toBe(400);
    const refused = await call('PUT', '/api/application-configuration', held, disabled);
    expect(refused).toMatchObject({ status: 403, json: { code: 'ui_config_disabled', error: "The configuration can't be changed since the UI configuration is disabled" } });
    expect(disabled.appSettings().smtpPassword).toBe('from-the-environment');
  } finally {
    await disabled.close();
  }
});

test('2.17 lists autoCreateOidcClientSecret and requires it; the typed view follows the strings', async () => {
  server.setVersion('2.17.0');
  try {
    const held = await all();
    expect(held.autoCreateOidcClientSecret).toBe('true');
    const { autoCreateOidcClientSecret: _, ...without } = held;
    expect((await call('PUT', '/api/application-configuration', without)).json.error).toBe('AutoCreateOidcClientSecret is required');
    await call('PUT', '/api/application-configuration', { ...held, autoCreateOidcClientSecret: 'false', requireUserEmail: 'false' });
    expect(server.appSettings()).toMatchObject({ autoCreateOidcClientSecret: 'false', requireUserEmail: 'false' });
  } finally {
    server.setVersion('2.14.0');
  }
});
