/**
 * The OIDC client lifecycle, end to end: the bundled handler, in its own Node.js process, receives the
 * events CloudFormation sends; it talks HTTP to Pocket-ID (the test server, or a real Pocket-ID when
 * POCKETID_BASE_URL and POCKETID_API_TOKEN are set) and the AWS SDK to moto's Secrets Manager.
 * After each step the state of both is read back and the response and logs are checked for secrets.
 */
import { randomBytes } from 'crypto';
import { ResourceType } from '../../lib/contract';
import { AcceptanceRun, requestsLogged } from '../support/acceptance';
import { CloudFormationSimulator, CREATE_FAILED_MARKER } from '../support/cloudformation';
import { PocketIdDirectory } from '../support/pocket-id-directory';
import { isRealPocketId, PocketIdTarget, startPocketIdTarget } from '../support/pocket-id-target';

const acceptance = new AcceptanceRun(ResourceType.OIDC_CLIENT);
const { run, secrets, secretValues, properties, expectCleanStep, expectSucceeded, expectFailed } = acceptance;
let target: PocketIdTarget;
let directory: PocketIdDirectory;
let cfn: CloudFormationSimulator;

beforeAll(async () => {
  ({ target, directory, cfn } = await acceptance.start());
});

afterAll(() => acceptance.stop());

async function rememberStoredSecret(secretArn: string): Promise<any> {
  const stored = await secrets.readJson(secretArn);
  if (typeof stored.clientSecret === 'string') secretValues.add(stored.clientSecret);
  return stored;
}

/** The stored credentials match a secret Pocket-ID holds for the client, and only that one. */
async function expectStoredSecretMatches(clientId: string, secretArn: string): Promise<void> {
  const stored = await rememberStoredSecret(secretArn);
  expect(stored).toEqual({
    clientId,
    clientSecret: expect.any(String),
    issuer: target.baseUrl,
    discoveryUrl: `${target.baseUrl}/.well-known/openid-configuration`,
  });
  const onServer = await directory.clientSecrets(clientId);
  expect(onServer).toHaveLength(1);
  if (onServer[0].prefix) expect(stored.clientSecret.startsWith(onServer[0].prefix)).toBe(true);
  expect(await directory.authenticates(clientId, stored.clientSecret)).toBe(true);
}

describe('a confidential client', () => {
  const logicalId = 'WebApp';
  let secretArn: string;
  let clientId: string;
  let createProps: Record<string, unknown>;

  test('Create makes the client and stores its secret in Secrets Manager', async () => {
    secretArn = await secrets.createOwnedSecret('webapp-client');
    createProps = properties({
      Name: `web-${run}`,
      CallbackUrls: ['https://app.example.com/callback', 'http://localhost:3000/callback'],
      LogoutCallbackUrls: ['https://app.example.com/logout'],
      IsPublic: 'false',
      PkceEnabled: 'true',
      Description: 'the web app',
      SecretArn: secretArn,
    });
    const step = await cfn.create(logicalId, createProps);
    await rememberStoredSecret(secretArn);
    await expectSucceeded(step);

    clientId = step.response.PhysicalResourceId;
    expect(step.response.Data).toEqual({
      ClientId: clientId,
      IssuerUrl: target.baseUrl,
      DiscoveryUrl: `${target.baseUrl}/.well-known/openid-configuration`,
    });
    const client = await directory.client(clientId);
    expect(client).toMatchObject({
      name: `web-${run}`,
      callbackURLs: ['https://app.example.com/callback', 'http://localhost:3000/callback'],
      logoutCallbackURLs: ['https://app.example.com/logout'],
      isPublic: false,
      pkceEnabled: true,
      description: 'the web app',
    });
    await expectStoredSecretMatches(clientId, secretArn);
  });

  test('the debug log shows each request\'s method, path, status and duration; an update that changes nothing only reads', async () => {
    const step = await cfn.update(logicalId, clientId, createProps, createProps);
    await expectSucceeded(step);
    const requests = requestsLogged(step);
    expect(requests.length).toBeGreaterThanOrEqual(1);
    expect(requests.filter((line) => line.method !== 'GET')).toEqual([]);
    for (const line of requests) {
      expect(line).toEqual(expect.objectContaining({ level: 'debug', method: expect.any(String), path: expect.stringMatching(/^\/api\//), status: expect.any(Number), durationMs: expect.any(Number) }));
    }
  });

  test('Update changes the client in place and keeps what was set outside CloudFormation', async () => {
    await directory.editClient(clientId, { skipConsent: true, launchURL: 'https://app.example.com/' });
    const before = await secrets.read(secretArn);
    const newProps = { ...createProps, Name: `web-renamed-${run}`, Description: undefined };
    delete newProps.Description;

    const step = await cfn.update(logicalId, clientId, newProps, createProps);
    await expectSucceeded(step);

    expect(step.response.PhysicalResourceId).toBe(clientId);
    const client = await directory.client(clientId);
    expect(client).toMatchObject({
      name: `web-renamed-${run}`,
      skipConsent: true, // never set in CloudFormation: the server's value stays
      launchURL: 'https://app.example.com/',
      description: '', // removed from the properties: back to Pocket-ID's default
      pkceEnabled: true,
    });
    expect(await secrets.read(secretArn)).toBe(before);
    createProps = newProps;
  });

  test('a failed Update is rolled back by the next Update and leaves no extra secret', async () => {
    const missingSecretArn = secretArn.replace(/-[A-Za-z0-9]{6}$/, '-nothere');
    const failingProps = { ...createProps, Name: `web-failing-${run}`, SecretArn: missingSecretArn };
    const failed = await cfn.update(logicalId, clientId, failingProps, createProps);
    expectFailed(failed, /secret/i);

    const rollback = await cfn.update(logicalId, clientId, createProps, failingProps);
    await expectSucceeded(rollback);
    expect(await directory.client(clientId)).toMatchObject({ name: `web-renamed-${run}` });
    await expectStoredSecretMatches(clientId, secretArn);
  });

  test('Delete removes the client; a second Delete finds it gone and succeeds', async () => {
    const step = await cfn.delete(logicalId, clientId, createProps);
    await expectSucceeded(step);
    expect(await directory.client(clientId)).toBeUndefined();

    const again = await cfn.delete(logicalId, clientId, createProps);
    await expectSucceeded(again);
  });
});

describe('replacement', () => {
  test('changing the fixed client id creates a new client; the old one goes with its Delete', async () => {
    const secretArn = await secrets.createOwnedSecret('fixed-client');
    const oldProps = properties({ Name: `fixed-${run}`, ClientId: `fixed-a-${run}`, SecretArn: secretArn });
    const created = await cfn.create('Fixed', oldProps);
    await rememberStoredSecret(secretArn);
    await expectSucceeded(created);
    expect(created.response.PhysicalResourceId).toBe(`fixed-a-${run}`);

    const newProps = { ...oldProps, ClientId: `fixed-b-${run}` };
    const replaced = await cfn.update('Fixed', `fixed-a-${run}`, newProps, oldProps);
    await rememberStoredSecret(secretArn);
    await expectSucceeded(replaced);
    expect(replaced.response.PhysicalResourceId).toBe(`fixed-b-${run}`);
    await expectStoredSecretMatches(`fixed-b-${run}`, secretArn);
    expect(await directory.client(`fixed-a-${run}`)).toBeDefined();

    await expectSucceeded(await cfn.delete('Fixed', `fixed-a-${run}`, oldProps));
    expect(await directory.client(`fixed-a-${run}`)).toBeUndefined();
    expect(await directory.client(`fixed-b-${run}`)).toBeDefined();

    await expectSucceeded(await cfn.delete('Fixed', `fixed-b-${run}`, newProps));
  });
  test('the rollback of a client id change returns to the old client, and the cleanup removes the new one', async () => {
    const secretArn = await secrets.createOwnedSecret('rollback-replacement');
    const oldProps = properties({ Name: `rb-${run}`, ClientId: `rb-a-${run}`, CallbackUrls: ['https://rb.example.com/cb'], SecretArn: secretArn });
    const newProps = { ...oldProps, ClientId: `rb-b-${run}` };
    await expectSucceeded(await cfn.create('Rb', oldProps));
    await rememberStoredSecret(secretArn);
    const replaced = await cfn.update('Rb', `rb-a-${run}`, newProps, oldProps);
    await rememberStoredSecret(secretArn);
    await expectSucceeded(replaced);

    // A later resource failed: CloudFormation sends the swapped Update to the new client...
    const rollback = await cfn.update('Rb', `rb-b-${run}`, oldProps, newProps);
    await rememberStoredSecret(secretArn);
    await expectSucceeded(rollback);
    expect(rollback.response.PhysicalResourceId).toBe(`rb-a-${run}`);
    // ...then deletes the one it no longer needs.
    await expectSucceeded(await cfn.delete('Rb', `rb-b-${run}`, newProps));

    expect(await directory.client(`rb-b-${run}`)).toBeUndefined();
    expect(await directory.client(`rb-a-${run}`)).toMatchObject({ name: `rb-${run}` });
    await expectStoredSecretMatches(`rb-a-${run}`, secretArn);
    await expectSucceeded(await cfn.delete('Rb', `rb-a-${run}`, oldProps));
  });
});

describe('failures and repeats', () => {
  test('a Create that fails after making the client removes it; its Delete never reaches the handler', async () => {
    const missingSecretArn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:does-not-exist-AbCdEf';
    const props = properties({ Name: `halfway-${run}`, SecretArn: missingSecretArn });
    const failed = await cfn.create('Halfway', props);
    expectFailed(failed, /SecretValue on secret \S+ failed: ResourceNotFoundException/);
    expect(failed.response.PhysicalResourceId).toBe(CREATE_FAILED_MARKER);
    expect(await directory.clientsNamed(`halfway-${run}`)).toEqual([]);

    const deleted = await cfn.delete('Halfway', CREATE_FAILED_MARKER, props);
    await expectSucceeded(deleted);
    expect(deleted.logs).toEqual([]);
  });

  test.each([
    ['a generated client id', undefined],
    ['a fixed client id', `twice-${run}`],
  ])('the same Create delivered twice makes one client (%s)', async (_, fixedId) => {
    const secretArn = await secrets.createOwnedSecret('twice');
    const props = properties({ Name: `twice-${fixedId ? 'fixed' : 'generated'}-${run}`, ClientId: fixedId, SecretArn: secretArn });
    const requestId = `request-${randomBytes(4).toString('hex')}`;
    const first = await cfn.create('Twice', props, requestId);
    await rememberStoredSecret(secretArn);
    const second = await cfn.create('Twice', props, requestId);
    await expectSucceeded(first);
    await expectSucceeded(second);

    expect(second.response.PhysicalResourceId).toBe(first.response.PhysicalResourceId);
    expect(await directory.clientsNamed(props.Name as string)).toHaveLength(1);
    await expectStoredSecretMatches(first.response.PhysicalResourceId, secretArn);
    await expectSucceeded(await cfn.delete('Twice', first.response.PhysicalResourceId, props));
  });

  test('a fixed client id that someone else holds fails with a clear conflict and touches nothing', async () => {
    const secretArn = await secrets.createOwnedSecret('taken');
    const props = properties({ Name: `taken-${run}`, ClientId: `taken-${run}`, SecretArn: secretArn });
    await expectSucceeded(await cfn.create('Owner', props));
    await rememberStoredSecret(secretArn);
    const otherSecretArn = await secrets.createOwnedSecret('taken-other');
    const conflict = await cfn.create('Intruder', { ...props, Name: `intruder-${run}`, SecretArn: otherSecretArn });
    // (a client with exactly the declared settings would be taken over: see the rollback test)
    expectFailed(conflict, /409.*client_id_already_exists/);
    expect(await directory.client(`taken-${run}`)).toMatchObject({ name: `taken-${run}` });
    await expectSucceeded(await cfn.delete('Owner', `taken-${run}`, props));
  });

  test('invalid properties fail before anything is sent, naming the field and the rule', async () => {
    const props = properties({ Name: 'x'.repeat(51), CallbackUrls: ['javascript:alert(1)'], IsPublic: 'true', RequiresPushedAuthorizationRequests: 'true' });
    const step = await cfn.create('Invalid', props);
    expectFailed(step, /name must be at most 50 characters/);
    expect(step.response.Reason).toMatch(/callbackUrls\[0\] must not use the javascript: scheme/);
    expect(step.response.Reason).toMatch(/requiresPushedAuthorizationRequests cannot be true for a public client/);
  });

  test('a wrong API key fails with a message that says what to fix and never shows the key', async () => {
    const wrongToken = `wrong-${randomBytes(16).toString('hex')}`;
    secretValues.add(wrongToken);
    const wrongTokenArn = await secrets.create('wrong-token', wrongToken);
    const step = await cfn.create('WrongKey', properties({ Name: `wrong-key-${run}`, ApiTokenSecret: wrongTokenArn, IsPublic: 'true' }));
    expectFailed(step, /401/);
    expect(step.response.Reason).toMatch(/API key/);
  });
  test('a rotated API key is picked up by a warm container after one 401', async () => {
    const staleKey = `stale-${randomBytes(16).toString('hex')}`;
    secretValues.add(staleKey);
    const rotatingArn = await secrets.create('rotating-token', staleKey);
    const props = properties({ Name: `rotated-${run}`, ApiTokenSecret: rotatingArn, IsPublic: 'true' });
    const refused = await cfn.create('Rotated', props);
    expectCleanStep(refused);
    expect(refused.response.Reason).toMatch(/401/);

    await secrets.put(rotatingArn, target.apiToken);
    const created = await cfn.create('Rotated', props);
    await expectSucceeded(created);
    expect(created.logs.some((line) => JSON.parse(line).message.includes('the API key changed since it was cached'))).toBe(true);
    await expectSucceeded(await cfn.delete('Rotated', created.response.PhysicalResourceId, props));
  });
});

describe('public and confidential', () => {
  test('a public client has no secret; turning it confidential stores one; turning it public again revokes it', async () => {
    const publicProps = properties({ Name: `spa-${run}`, IsPublic: 'true', CallbackUrls: ['https://spa.example.com/cb'] });
    const created = await cfn.create('Spa', publicProps);
    await expectSucceeded(created);
    const clientId = created.response.PhysicalResourceId;
    expect(await directory.client(clientId)).toMatchObject({ isPublic: true, pkceEnabled: true });
    expect(await directory.clientSecrets(clientId)).toEqual([]);

    const secretArn = await secrets.createOwnedSecret('spa');
    const confidentialProps = { ...publicProps, IsPublic: 'false', SecretArn: secretArn };
    const toConfidential = await cfn.update('Spa', clientId, confidentialProps, publicProps);
    await rememberStoredSecret(secretArn);
    await expectSucceeded(toConfidential);
    expect(await directory.client(clientId)).toMatchObject({ isPublic: false });
    await expectStoredSecretMatches(clientId, secretArn);

    const backToPublic = await cfn.update('Spa', clientId, publicProps, confidentialProps);
    await expectSucceeded(backToPublic);
    expect(await directory.client(clientId)).toMatchObject({ isPublic: true });
    expect(await directory.clientSecrets(clientId)).toEqual([]);

    await expectSucceeded(await cfn.delete('Spa', clientId, publicProps));
  });
});

describe('allowed user groups', () => {
  test('declared groups restrict the client; changing them rewrites the list; removing them opens it again', async () => {
    const first = await directory.createGroup(`allowed-a-${run}`);
    const second = await directory.createGroup(`allowed-b-${run}`);
    const restricted = properties({ Name: `restricted-${run}`, IsPublic: 'true', AllowedUserGroupIds: [first] });
    const created = await cfn.create('Restricted', restricted);
    await expectSucceeded(created);
    const clientId = created.response.PhysicalResourceId;
    const allowedIds = async () => ((await directory.client(clientId)).allowedUserGroups ?? []).map((g: any) => g.id).sort();
    expect(await directory.client(clientId)).toMatchObject({ isGroupRestricted: true });
    expect(await allowedIds()).toEqual([first]);

    const both = { ...restricted, AllowedUserGroupIds: [first, second] };
    await expectSucceeded(await cfn.update('Restricted', clientId, both, restricted));
    expect(await allowedIds()).toEqual([first, second].sort());

    const { AllowedUserGroupIds: _, ...open } = both;
    await expectSucceeded(await cfn.update('Restricted', clientId, open, both));
    expect(await directory.client(clientId)).toMatchObject({ isGroupRestricted: false });
    expect(await allowedIds()).toEqual([]);

    await expectSucceeded(await cfn.delete('Restricted', clientId, open));
    await directory.deleteGroup(first);
    await directory.deleteGroup(second);
  });

  test('an open client restricted by an update holds the declared groups: they are written before the restriction', async () => {
    const group = await directory.createGroup(`later-${run}`);
    const open = properties({ Name: `restricted-later-${run}`, IsPublic: 'true' });
    const created = await cfn.create('RestrictedLater', open);
    await expectSucceeded(created);
    const clientId = created.response.PhysicalResourceId;

    const restricted = { ...open, AllowedUserGroupIds: [group] };
    const step = await cfn.update('RestrictedLater', clientId, restricted, open);
    await expectSucceeded(step);
    const client = await directory.client(clientId);
    const groups = (client.allowedUserGroups ?? []).map((g: any) => g.id);
    expect({ restricted: client.isGroupRestricted, groups }).toEqual({ restricted: true, groups: [group] });
    const writes = requestsLogged(step).filter((request) => request.method === 'PUT').map((request) => request.path.replace(clientId, '<id>'));
    expect(writes).toEqual(['/api/oidc/clients/<id>/allowed-user-groups', '/api/oidc/clients/<id>']);

    await expectSucceeded(await cfn.delete('RestrictedLater', clientId, restricted));
    await directory.deleteGroup(group);
  });

  test('groups set in the UI stay when the client does not manage them', async () => {
    const group = await directory.createGroup(`ui-group-${run}`);
    const props = properties({ Name: `unmanaged-groups-${run}`, IsPublic: 'true' });
    const created = await cfn.create('Unmanaged', props);
    await expectSucceeded(created);
    const clientId = created.response.PhysicalResourceId;
    await directory.editClient(clientId, { isGroupRestricted: true });
    await directory.setAllowedGroups(clientId, [group]);

    await expectSucceeded(await cfn.update('Unmanaged', clientId, { ...props, Description: 'changed' }, props));
    const client = await directory.client(clientId);
    expect(client).toMatchObject({ isGroupRestricted: true, description: 'changed' });
    expect(client.allowedUserGroups.map((g: any) => g.id)).toEqual([group]);
    await expectSucceeded(await cfn.delete('Unmanaged', clientId, props));
    await directory.deleteGroup(group);
  });
});

describe('drift', () => {
  test('a client deleted outside CloudFormation is created again by the next Update', async () => {
    const secretArn = await secrets.createOwnedSecret('drift');
    const props = properties({ Name: `drift-${run}`, SecretArn: secretArn });
    const created = await cfn.create('Drift', props);
    await rememberStoredSecret(secretArn);
    await expectSucceeded(created);
    await directory.deleteClient(created.response.PhysicalResourceId);

    const updated = await cfn.update('Drift', created.response.PhysicalResourceId, { ...props, Name: `drift-again-${run}` }, props);
    await rememberStoredSecret(secretArn);
    await expectSucceeded(updated);
    const newId = updated.response.PhysicalResourceId;
    expect(await directory.client(newId)).toMatchObject({ name: `drift-again-${run}` });
    await expectStoredSecretMatches(newId, secretArn);
    await expectSucceeded(await cfn.delete('Drift', newId, props));
  });
});

(isRealPocketId() ? describe.skip : describe)('test server only: behaviour a real server cannot be made to show', () => {
  test('a 404 that is not Pocket-ID\'s (a proxy, a wrong path) fails Delete instead of counting as gone', async () => {
    target.testServer!.injectFault({ method: 'DELETE', path: /\/api\/oidc\/clients\//, status: 404, body: '<html>404 Not Found</html>', headers: { 'Content-Type': 'text/html' } });
    const step = await cfn.delete('Proxy', 'some-client', properties({ Name: 'proxy' }));
    expectFailed(step, /did not come from Pocket-ID's API: check baseUrl/);
  });

  test('an older Pocket-ID is refused with a message naming its version', async () => {
    const old = await startPocketIdTarget({ rateLimit: false, version: '2.13.1' });
    try {
      const oldTokenArn = await secrets.create('old-token', old.apiToken);
      secretValues.add(old.apiToken);
      const step = await cfn.create('Old', properties({ Name: 'old', BaseUrl: old.baseUrl, ApiTokenSecret: oldTokenArn, IsPublic: 'true' }));
      expectFailed(step, /version 2\.13\.1; cdk-pocket-id supports Pocket-ID 2\.14\.0 and newer/);
    } finally {
      await old.close();
    }
  });
});
