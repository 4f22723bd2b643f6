/**
 * A base URL (or API key secret) that changes on update. The same Pocket-ID behind a new URL is updated
 * in place; another Pocket-ID gets the entity, and the old one loses it only once the deploy succeeded
 * (CloudFormation's Delete of the old physical id), users excepted: a URL change never deletes a user.
 * Instances are told apart by their signing keys (JWKS). "Another instance" is a second Pocket-ID test
 * server, also when the suite runs against a real Pocket-ID; "a new URL" is a TCP forwarder in front
 * of the instance.
 */
import { AddressInfo, connect as connectTcp, createServer, Server, Socket } from 'net';
import { ResourceType } from '../../lib/contract';
import { startPocketIdTestServer, PocketIdTestServer } from '../pocket-id-server';
import { AcceptanceRun } from '../support/acceptance';
import { Step } from '../support/cloudformation';
import { PocketIdDirectory } from '../support/pocket-id-directory';

const acceptance = new AcceptanceRun(ResourceType.OIDC_CLIENT);
const { run, secrets, secretValues, properties, expectSucceeded, expectFailed } = acceptance;
const suite = acceptance.inSuite();
/** Another Pocket-ID instance, with its own API key in Secrets Manager. */
let other: PocketIdTestServer;
let otherDirectory: PocketIdDirectory;
let otherTokenArn: string;
/** The first instance, reached through another URL. */
let forwarder: Server;
let forwardedUrl: string;

beforeAll(async () => {
  other = await startPocketIdTestServer();
  otherDirectory = new PocketIdDirectory({ baseUrl: other.baseUrl, apiToken: other.apiToken, testServer: other, close: async () => undefined });
  secretValues.add(other.apiToken);
  otherTokenArn = await secrets.create('other-instance-token', other.apiToken);
  forwarder = await startForwarder(new URL(suite.target.baseUrl));
  forwardedUrl = `http://127.0.0.1:${(forwarder.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await other.close();
  await new Promise((resolve) => forwarder.close(resolve));
});

/** Forwards every connection to `upstream`: the same instance at another URL. */
async function startForwarder(upstream: URL): Promise<Server> {
  const server = createServer((socket: Socket) => {
    const onward = connectTcp(Number(upstream.port), upstream.hostname);
    socket.pipe(onward).pipe(socket);
    socket.on('error', () => onward.destroy());
    onward.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

function onOtherInstance(props: Record<string, unknown>): Record<string, unknown> {
  return { ...props, BaseUrl: other.baseUrl, ApiTokenSecret: otherTokenArn };
}

/** The events of a resource of another type, through the same container. */
function eventsOf(resourceType: string, logicalId: string) {
  const send = (event: Record<string, unknown>): Promise<Step> =>
    suite.cfn.send({ ...event, ResourceType: resourceType, LogicalResourceId: logicalId });
  return {
    create: (props: Record<string, unknown>) => send({ RequestType: 'Create', ResourceProperties: props }),
    update: (physicalId: string, props: Record<string, unknown>, old: Record<string, unknown>) =>
      send({ RequestType: 'Update', PhysicalResourceId: physicalId, ResourceProperties: props, OldResourceProperties: old }),
    delete: (physicalId: string, props: Record<string, unknown>) => send({ RequestType: 'Delete', PhysicalResourceId: physicalId, ResourceProperties: props }),
  };
}

/** Creates the resource, then moves it to the other instance; both must succeed. */
async function createThenMove(events: ReturnType<typeof eventsOf>, props: Record<string, unknown>) {
  const created = await events.create(props);
  await expectSucceeded(created);
  const oldId = created.response.PhysicalResourceId;
  const moved = onOtherInstance(props);
  const step = await events.update(oldId, moved, props);
  await expectSucceeded(step);
  return { oldId, moved, step };
}

async function storedCredentials(secretArn: string): Promise<any> {
  const stored = await secrets.readJson(secretArn);
  secretValues.add(stored.clientSecret);
  return stored;
}

describe('the same instance at a new URL', () => {
  test('a client with a fixed id is updated in place: same client, same secret, the issuer follows the URL', async () => {
    const secretArn = await secrets.createOwnedSecret('same-instance');
    const props = properties({ Name: `same-${run}`, ClientId: `same-${run}`, SecretArn: secretArn });
    await expectSucceeded(await suite.cfn.create('Same', props));
    const secretsBefore = await suite.directory.clientSecrets(`same-${run}`);
    const storedBefore = await storedCredentials(secretArn);

    const moved = { ...props, BaseUrl: forwardedUrl };
    const step = await suite.cfn.update('Same', `same-${run}`, moved, props);
    await expectSucceeded(step);
    expect(step.response.PhysicalResourceId).toBe(`same-${run}`);
    expect(await suite.directory.clientSecrets(`same-${run}`)).toEqual(secretsBefore);
    expect(await storedCredentials(secretArn)).toEqual({ ...storedBefore, issuer: forwardedUrl, discoveryUrl: `${forwardedUrl}/.well-known/openid-configuration` });
    await expectSucceeded(await suite.cfn.delete('Same', `same-${run}`, moved));
  });

  test('a new API key secret for the same URL updates in place and recreates nothing', async () => {
    const secretArn = await secrets.createOwnedSecret('new-key');
    const props = properties({ Name: `new-key-${run}`, SecretArn: secretArn });
    const created = await suite.cfn.create('NewKey', props);
    await expectSucceeded(created);
    const clientId = created.response.PhysicalResourceId;
    const secretsBefore = await suite.directory.clientSecrets(clientId);
    const rotatedKeyArn = await secrets.create('same-key-new-secret', suite.target.apiToken);

    const step = await suite.cfn.update('NewKey', clientId, { ...props, ApiTokenSecret: rotatedKeyArn, Name: `new-key-${run}-2` }, props);
    await expectSucceeded(step);
    expect(step.response.PhysicalResourceId).toBe(clientId);
    expect(await suite.directory.client(clientId)).toMatchObject({ name: `new-key-${run}-2` });
    expect(await suite.directory.clientSecrets(clientId)).toEqual(secretsBefore);
    await expectSucceeded(await suite.cfn.delete('NewKey', clientId, props));
  });
});

describe('another instance', () => {
  test('a client with a fixed id is made there under a new physical id; the old one goes with its Delete', async () => {
    const clientId = `moved-${run}`;
    const secretArn = await secrets.createOwnedSecret('moved');
    const props = properties({ Name: clientId, ClientId: clientId, SecretArn: secretArn });
    await expectSucceeded(await suite.cfn.create('Moved', props));

    const moved = onOtherInstance(props);
    const step = await suite.cfn.update('Moved', clientId, moved, props);
    await expectSucceeded(step);
    const newPhysicalId = step.response.PhysicalResourceId;
    expect(newPhysicalId).not.toBe(clientId);
    expect(step.response.Data).toMatchObject({ ClientId: clientId, IssuerUrl: other.baseUrl });
    const stored = await storedCredentials(secretArn);
    expect(stored).toMatchObject({ clientId, issuer: other.baseUrl });
    expect(other.clientSecrets(clientId).map((secret) => secret.secret)).toEqual([stored.clientSecret]);
    // Nothing leaves the old instance before the deploy succeeded...
    expect(await suite.directory.client(clientId)).toBeDefined();

    // ...then CloudFormation's cleanup deletes the old physical id, with the old properties.
    await expectSucceeded(await suite.cfn.delete('Moved', clientId, props));
    expect(await suite.directory.client(clientId)).toBeUndefined();
    expect(await otherDirectory.client(clientId)).toBeDefined();
    await expectSucceeded(await suite.cfn.delete('Moved', newPhysicalId, moved));
    expect(await otherDirectory.client(clientId)).toBeUndefined();
  });

  test('the rollback of such a move returns to the old client with the secret apps held, and the cleanup removes the new one', async () => {
    const clientId = `moved-back-${run}`;
    const secretArn = await secrets.createOwnedSecret('moved-back');
    const props = properties({ Name: clientId, ClientId: clientId, SecretArn: secretArn });
    await expectSucceeded(await suite.cfn.create('MovedBack', props));
    const original = await storedCredentials(secretArn);
    const originalSecrets = await suite.directory.clientSecrets(clientId);

    const moved = onOtherInstance(props);
    const forward = await suite.cfn.update('MovedBack', clientId, moved, props);
    await expectSucceeded(forward);
    const back = await suite.cfn.update('MovedBack', forward.response.PhysicalResourceId, props, moved);
    await expectSucceeded(back);
    expect(back.response.PhysicalResourceId).toBe(clientId);
    expect(await storedCredentials(secretArn)).toEqual(original);
    expect(await suite.directory.clientSecrets(clientId)).toEqual(originalSecrets);

    await expectSucceeded(await suite.cfn.delete('MovedBack', forward.response.PhysicalResourceId, moved));
    expect(await otherDirectory.client(clientId)).toBeUndefined();
    expect(await suite.directory.clientSecrets(clientId)).toEqual(originalSecrets);
    await expectSucceeded(await suite.cfn.delete('MovedBack', clientId, props));
  });

  test('a user is made there with the same id and physical id: nothing ever deletes it from the old instance', async () => {
    const props = properties({ Username: `mover-${run}`, Email: `mover-${run}@example.com`, FirstName: 'Mover' });
    const { oldId: userId, step } = await createThenMove(eventsOf(ResourceType.USER, 'Mover'), props);
    expect(step.response.PhysicalResourceId).toBe(userId);
    expect(await otherDirectory.user(userId)).toMatchObject({ username: `mover-${run}`, firstName: 'Mover' });
    expect(await suite.directory.user(userId)).toMatchObject({ username: `mover-${run}` });
    await suite.directory.deleteUser(userId);
    await otherDirectory.deleteUser(userId);
  });

  test('a group is made there under its new id; the old one goes with its Delete', async () => {
    const props = properties({ Name: `moving-group-${run}`, FriendlyName: 'Moving' });
    const group = eventsOf(ResourceType.USER_GROUP, 'Moving');
    const { oldId, moved, step } = await createThenMove(group, props);
    const newId = step.response.PhysicalResourceId;
    expect(newId).not.toBe(oldId);
    expect(await otherDirectory.group(newId)).toMatchObject({ name: `moving-group-${run}` });
    await expectSucceeded(await group.delete(oldId, props));
    expect(await suite.directory.group(oldId)).toBeUndefined();
    await expectSucceeded(await group.delete(newId, moved));
  });

  test('a fixed client id that the new URL lacks, while the old URL cannot be reached to tell, fails and makes nothing', async () => {
    const clientId = `unknown-${run}`;
    const secretArn = await secrets.createOwnedSecret('unknown');
    const props = properties({ Name: clientId, ClientId: clientId, SecretArn: secretArn });
    const unreachable = { ...props, BaseUrl: 'http://127.0.0.1:9' };
    const step = await suite.cfn.update('Unknown', clientId, onOtherInstance(props), unreachable);
    expectFailed(step, /baseUrl changed from http:\/\/127\.0\.0\.1:9 to .* could not be reached .* Make http:\/\/127\.0\.0\.1:9 reachable/);
    expect(await otherDirectory.client(clientId)).toBeUndefined();
  });
});
