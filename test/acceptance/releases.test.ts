/**
 * What changed between Pocket-ID releases, end to end on the release under test: the test server plays
 * the release POCKETID_TEST_SERVER_VERSION names (scripts/acceptance-matrix.sh runs every one), or the
 * newest; a real Pocket-ID is taken as it is. Each test states what the release under test must do, so
 * that on every release it checks that release's behaviour.
 */
import { ResourceType } from '../../lib/contract';
import { PocketIdTestServer, startPocketIdTestServer } from '../pocket-id-server';
import { AcceptanceRun, requestsLogged } from '../support/acceptance';
import { Step } from '../support/cloudformation';
import { isRealPocketId, testServerVersion, versionAtLeast } from '../support/pocket-id-target';

const acceptance = new AcceptanceRun(ResourceType.OIDC_CLIENT);
const { run, secrets, secretValues, properties, expectFailed, expectSucceeded } = acceptance;
const suite = acceptance.inSuite();
const testServerOnly = isRealPocketId() ? describe.skip : describe;
/** Tests of a behaviour the test server's release under test does not have yet are skipped. */
const since217 = versionAtLeast(testServerVersion(), '2.17.0') ? test : test.skip;

const BACKCHANNEL = 'https://app.example.com/backchannel-logout';

/** An EC P-256 public JWK, as JSON text. */
function publicKey(kid: string): string {
  return JSON.stringify({ kty: 'EC', crv: 'P-256', kid, alg: 'ES256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' });
}

function confidential(name: string, secretArn: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return properties({ Name: `${name}-${run}`, IsPublic: 'false', CallbackUrls: ['https://app.example.com/cb'], SecretArn: secretArn, ...extra });
}

/** The client holds exactly one secret, and it is the one stored. */
async function expectOnlyTheStoredSecret(clientId: string, secretArn: string): Promise<void> {
  const stored = await secrets.readJson(secretArn);
  secretValues.add(stored.clientSecret);
  const held = await suite.directory.clientSecrets(clientId);
  expect(held).toHaveLength(1);
  expect(stored.clientSecret.startsWith(held[0].prefix ?? '')).toBe(true);
  expect(await suite.directory.authenticates(clientId, stored.clientSecret)).toBe(true);
}

/** Runs `use` against a test server of its own playing `version`, reached with the suite's API key, and closes it after. */
async function onAnotherServer(version: string, use: (server: PocketIdTestServer) => Promise<void>): Promise<void> {
  const server = await startPocketIdTestServer({ version, apiToken: suite.target.apiToken, rateLimit: false });
  try {
    await use(server);
  } finally {
    await server.close();
  }
}

function secretPostsOf(step: Step): unknown[] {
  return requestsLogged(step).filter((request) => request.method === 'POST' && request.path.endsWith('/secrets'));
}

describe('a new confidential client on the release under test', () => {
  test('holds exactly one secret, the stored one: from 2.17 on, the one Pocket-ID made with the client, and no second', async () => {
    const secretArn = await secrets.createOwnedSecret('release-secret');
    const step = await suite.cfn.create('ReleaseSecret', confidential('release-secret', secretArn));
    await expectSucceeded(step);
    await expectOnlyTheStoredSecret(step.response.PhysicalResourceId, secretArn);
    expect(secretPostsOf(step)).toHaveLength(await suite.directory.runsAtLeast('2.17.0') ? 0 : 1);
  });
});

describe('backchannelLogoutUrl', () => {
  test('round-trips from 2.17 on (set, changed, removed); before 2.17 it is refused, naming the versions, and nothing is made', async () => {
    const secretArn = await secrets.createOwnedSecret('backchannel');
    const placeholder = await secrets.read(secretArn);
    const props = confidential('backchannel', secretArn, { BackchannelLogoutUrl: BACKCHANNEL });
    const created = await suite.cfn.create('Backchannel', props);
    if (!await suite.directory.runsAtLeast('2.17.0')) {
      const version = await suite.directory.version();
      expectFailed(created, new RegExp(`backchannelLogoutUrl needs Pocket-ID 2\\.17\\.0 or newer \\(OIDC back-channel logout\\), but the Pocket-ID at \\S+ is version ${version.replace(/\./g, '\\.')}: upgrade Pocket-ID, or remove backchannelLogoutUrl\\. Nothing was changed\\.`));
      expect(await suite.directory.clientsNamed(props.Name as string)).toEqual([]);
      expect(await secrets.read(secretArn)).toBe(placeholder);
      return;
    }
    await expectSucceeded(created);
    const clientId = created.response.PhysicalResourceId;
    expect((await suite.directory.client(clientId)).backchannelLogoutURL).toBe(BACKCHANNEL);

    const moved = { ...props, BackchannelLogoutUrl: `${BACKCHANNEL}?tenant=a` };
    await expectSucceeded(await suite.cfn.update('Backchannel', clientId, moved, props));
    expect((await suite.directory.client(clientId)).backchannelLogoutURL).toBe(`${BACKCHANNEL}?tenant=a`);

    const { BackchannelLogoutUrl: _, ...without } = moved;
    await expectSucceeded(await suite.cfn.update('Backchannel', clientId, without, moved));
    expect((await suite.directory.client(clientId)).backchannelLogoutURL || undefined).toBeUndefined();
    await expectSucceeded(await suite.cfn.delete('Backchannel', clientId, without));
  });

  test('one set in Pocket-ID\'s UI is kept by an update of another field: a PUT never drops what the resource does not manage', async () => {
    const secretArn = await secrets.createOwnedSecret('backchannel-ui');
    const props = confidential('backchannel-ui', secretArn);
    const created = await suite.cfn.create('BackchannelUi', props);
    await expectSucceeded(created);
    const clientId = created.response.PhysicalResourceId;
    await suite.directory.editClient(clientId, { backchannelLogoutURL: BACKCHANNEL });
    const before = (await suite.directory.client(clientId)).backchannelLogoutURL;
    expect(before).toBe(await suite.directory.runsAtLeast('2.17.0') ? BACKCHANNEL : undefined);

    const described = { ...props, Description: 'changed by CloudFormation' };
    await expectSucceeded(await suite.cfn.update('BackchannelUi', clientId, described, props));
    const after = await suite.directory.client(clientId);
    expect({ description: after.description, backchannelLogoutURL: after.backchannelLogoutURL }).toEqual({ description: 'changed by CloudFormation', backchannelLogoutURL: before });
    await expectSucceeded(await suite.cfn.delete('BackchannelUi', clientId, described));
  });
});

describe('federated identities with public keys', () => {
  test('round-trip from 2.15 on, and an update that changes nothing sends no PUT; before 2.15 they are refused and nothing is made', async () => {
    const issuer = `https://agent-${run}.example.com`;
    const identities = [{ Issuer: issuer, Audience: 'api://agents', PublicKeys: [publicKey('agent-1'), publicKey('agent-2')], ReplayProtection: 'true' }];
    const props = properties({ Name: `keys-${run}`, IsPublic: 'true', CallbackUrls: ['https://agent.example.com/cb'], FederatedIdentities: identities });
    const created = await suite.cfn.create('Keys', props);
    if (!await suite.directory.runsAtLeast('2.15.0')) {
      expectFailed(created, /federatedIdentities\[0\]\.publicKeys needs Pocket-ID 2\.15\.0 or newer \(federated identities with public keys\).*Nothing was changed\./);
      expect(await suite.directory.clientsNamed(props.Name as string)).toEqual([]);
      return;
    }
    await expectSucceeded(created);
    const clientId = created.response.PhysicalResourceId;
    const [identity] = (await suite.directory.client(clientId)).credentials.federatedIdentities;
    expect(identity.publicKeys.map((key: any) => key.kid)).toEqual(['agent-1', 'agent-2']);
    expect(identity.publicKeys[0]).toEqual(JSON.parse(publicKey('agent-1')));

    const renamed = { ...props, Description: 'agents' };
    const described = await suite.cfn.update('Keys', clientId, renamed, props);
    await expectSucceeded(described);
    const again = await suite.cfn.update('Keys', clientId, renamed, renamed);
    await expectSucceeded(again);
    expect(requestsLogged(again).filter((request) => request.method === 'PUT')).toEqual([]);
    await expectSucceeded(await suite.cfn.delete('Keys', clientId, renamed));
  });
});

testServerOnly('test server only: the 2.17 create path when things go wrong', () => {
  test('the create answer is lost after Pocket-ID made the client and its secret: the client still holds exactly one secret, the stored one', async () => {
    const secretArn = await secrets.createOwnedSecret('lost-answer');
    suite.target.testServer!.injectFault({ method: 'POST', path: '/api/oidc/clients', afterHandling: true, resetConnection: true });
    const step = await suite.cfn.create('LostAnswer', confidential('lost-answer', secretArn));
    suite.target.testServer!.clearFaults();
    await expectSucceeded(step);
    await expectOnlyTheStoredSecret(step.response.PhysicalResourceId, secretArn);
  });

  since217('with autoCreateOidcClientSecret off, Pocket-ID makes no secret with the client, and the one the handler makes is stored', async () => {
    const server = suite.target.testServer!;
    server.setAppConfig({ autoCreateOidcClientSecret: false });
    try {
      const secretArn = await secrets.createOwnedSecret('no-auto-secret');
      const step = await suite.cfn.create('NoAutoSecret', confidential('no-auto-secret', secretArn));
      await expectSucceeded(step);
      await expectOnlyTheStoredSecret(step.response.PhysicalResourceId, secretArn);
      expect(secretPostsOf(step)).toHaveLength(1);
    } finally {
      server.setAppConfig({ autoCreateOidcClientSecret: true });
    }
  });

  since217('restricting a client with a back-channel URL to a group signs out no member of that group', async () => {
    const server = suite.target.testServer!;
    const groupId = await suite.directory.createGroup(`restricted-${run}`);
    const member = await suite.directory.createUser(`member-${run}`);
    const outsider = await suite.directory.createUser(`outsider-${run}`);
    await suite.directory.addMember(groupId, member);
    const secretArn = await secrets.createOwnedSecret('restricted');
    const props = confidential('restricted', secretArn, { BackchannelLogoutUrl: BACKCHANNEL });
    const created = await suite.cfn.create('Restricted', props);
    await expectSucceeded(created);
    const clientId = created.response.PhysicalResourceId;
    server.clearBackchannelLogouts();

    const restricted = { ...props, AllowedUserGroupIds: [groupId] };
    await expectSucceeded(await suite.cfn.update('Restricted', clientId, restricted, props));
    const signedOut = server.backchannelLogouts().filter((notice) => notice.clientId === clientId).map((notice) => notice.userId);
    expect(signedOut).toContain(outsider);
    expect(signedOut).not.toContain(member);
    await expectSucceeded(await suite.cfn.delete('Restricted', clientId, restricted));
    await suite.directory.deleteUsers([member, outsider]);
    await suite.directory.deleteGroup(groupId);
  });
});

testServerOnly('test server only: Pocket-ID upgraded in place while the handler\'s container stays warm', () => {
  test('a client made on 2.14 is updated on 2.17 like any other, and backchannelLogoutUrl is taken at once: a cached release that would refuse is read again', async () => {
    await onAnotherServer('2.14.0', async (server) => {
      const secretArn = await secrets.createOwnedSecret('upgraded');
      const props = { ...confidential('upgraded', secretArn), BaseUrl: server.baseUrl };
      const created = await suite.cfn.create('Upgraded', props);
      await expectSucceeded(created);
      const clientId = created.response.PhysicalResourceId;
      const withBackchannel = { ...props, BackchannelLogoutUrl: BACKCHANNEL };
      expectFailed(await suite.cfn.update('Upgraded', clientId, withBackchannel, props), /is version 2\.14\.0/);

      server.setVersion('2.17.0');
      const described = { ...props, Description: 'on 2.17' };
      await expectSucceeded(await suite.cfn.update('Upgraded', clientId, described, props));
      await expectSucceeded(await suite.cfn.update('Upgraded', clientId, { ...described, ...withBackchannel }, described));
      expect(server.client(clientId)).toMatchObject({ description: 'on 2.17', backchannelLogoutURL: BACKCHANNEL });
      const stored = await secrets.readJson(secretArn);
      secretValues.add(stored.clientSecret);
      expect(server.clientSecrets(clientId).map((secret) => secret.secret)).toEqual([stored.clientSecret]);
      await expectSucceeded(await suite.cfn.delete('Upgraded', clientId, withBackchannel));
    });
  });
});

testServerOnly('test server only: a Pocket-ID whose version is not a release', () => {
  test('a development build (version "unknown") is taken to behave like the newest release: nothing is refused on a guess', async () => {
    await onAnotherServer('unknown', async (dev) => {
      const props = { ...properties({ Name: `dev-${run}`, IsPublic: 'true', CallbackUrls: ['https://dev.example.com/cb'], BackchannelLogoutUrl: BACKCHANNEL }), BaseUrl: dev.baseUrl };
      const created = await suite.cfn.create('DevBuild', props);
      await expectSucceeded(created);
      expect(dev.client(created.response.PhysicalResourceId)?.backchannelLogoutURL).toBe(BACKCHANNEL);
      expect(created.logs.some((line) => JSON.parse(line).message.startsWith('Pocket-ID announced no release version'))).toBe(true);
      await expectSucceeded(await suite.cfn.delete('DevBuild', created.response.PhysicalResourceId, props));
    });
  });
});

testServerOnly('test server only: a Pocket-ID major this library was not tested with', () => {
  test('Pocket-ID 3.0.0 is refused before anything is made; a Delete still goes, so that the stack stays removable', async () => {
    await onAnotherServer('3.0.0', async (v3) => {
      const props = { ...properties({ Name: `v3-${run}`, IsPublic: 'true', CallbackUrls: ['https://v3.example.com/cb'] }), BaseUrl: v3.baseUrl };
      const created = await suite.cfn.create('Major', props);
      expectFailed(created, /Pocket-ID at \S+ is version 3\.0\.0; this cdk-pocket-id supports Pocket-ID 2\.14\.0 up to the last 2\.x release and has not been tested with Pocket-ID 3 .*it changes nothing there/);
      expect(v3.clients()).toEqual([]);
      expect(v3.requests.filter((request) => request.method !== 'GET')).toEqual([]);

      const madeOnV3 = (await fetch(`${v3.baseUrl}/api/oidc/clients`, {
        method: 'POST', headers: { 'X-API-Key': v3.apiToken, 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'made on v3', isPublic: true }),
      }).then((response) => response.json()) as { id: string }).id;
      await expectSucceeded(await suite.cfn.delete('Major', madeOnV3, props));
      expect(v3.client(madeOnV3)).toBeUndefined();
    });
  });
});
