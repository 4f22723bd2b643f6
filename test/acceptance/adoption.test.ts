/**
 * Adoption, as a migration from Terraform would go: the entities are made directly through Pocket-ID's
 * API (what `terraform apply` left, then `terraform state rm`), then resources with AdoptExisting take
 * them over by their natural key, keep their ids, and are updated and deleted through the harness
 * (the bundled handler behind aws-cdk-lib's Provider framework, HTTP to the test server or a real
 * Pocket-ID, moto's Secrets Manager).
 */
import { randomUUID } from 'crypto';
import { ResourceType } from '../../lib/contract';
import { AcceptanceRun } from '../support/acceptance';
import { CloudFormationSimulator } from '../support/cloudformation';
import { PocketIdDirectory } from '../support/pocket-id-directory';
import { PocketIdTarget } from '../support/pocket-id-target';

const acceptance = new AcceptanceRun(ResourceType.OIDC_CLIENT);
const { run, properties, expectSucceeded, expectFailed, secrets, secretValues } = acceptance;
let target: PocketIdTarget;
let directory: PocketIdDirectory;
let clients: CloudFormationSimulator;
let users: CloudFormationSimulator;
let groups: CloudFormationSimulator;
let apis: CloudFormationSimulator;

/** What Terraform made. */
const made = { groupId: '', userId: '', memberId: '', webClientId: `tf-web-${run}`, serviceClientId: `tf-svc-${run}`, apiId: '' };
const oldSecrets = { web: '', service: '' };
const resource = `https://orders-${run}.example.com`;

beforeAll(async () => {
  ({ target, directory } = await acceptance.start());
  clients = acceptance.simulator(ResourceType.OIDC_CLIENT);
  users = acceptance.simulator(ResourceType.USER);
  groups = acceptance.simulator(ResourceType.USER_GROUP);
  apis = acceptance.simulator(ResourceType.API);
  made.memberId = await directory.createUser(`tf-grace-${run}`);
  made.userId = await directory.createUser({ username: `tf-ada-${run}`, email: `tf-ada-${run}@example.com`, firstName: 'Ada' });
  made.groupId = await directory.createGroup(`tf-eng-${run}`, 'Engineering (Terraform)');
  await directory.addMember(made.groupId, made.memberId);
  await directory.createConfidentialClient(`tf-web-${run}`, made.webClientId);
  await directory.createConfidentialClient(`tf-svc-${run}`, made.serviceClientId);
  oldSecrets.web = await madeSecret(made.webClientId);
  oldSecrets.service = await madeSecret(made.serviceClientId);
  made.apiId = (await directory.createApi(`tf-orders-${run}`, resource, [{ key: 'orders:read', name: 'Read orders' }])).id;
});

afterAll(async () => {
  if (directory) {
    await directory.deleteClients([made.webClientId, made.serviceClientId]);
    await directory.deleteApis([made.apiId].filter(Boolean));
    await directory.deleteGroups([made.groupId].filter(Boolean));
    await directory.deleteUsers([made.userId, made.memberId].filter(Boolean));
  }
  await acceptance.stop();
});

/** A secret made in Pocket-ID's UI, as the apps hold it: a secret value for the exposure scan. */
async function madeSecret(clientId: string): Promise<string> {
  const { secret } = await directory.createClientSecret(clientId);
  secretValues.add(secret);
  return secret;
}

async function storedSecret(secretArn: string): Promise<string> {
  const stored = await secrets.readJson(secretArn);
  secretValues.add(stored.clientSecret);
  return stored.clientSecret;
}

describe('without adoptExisting, what exists is refused and left as it was', () => {
  test.each([
    ['client', () => clients, () => properties({ Name: 'intruder', ClientId: made.webClientId, IsPublic: 'true' }), /adoptExisting/],
    ['user', () => users, () => properties({ Username: `tf-ada-${run}`, Email: `other-${run}@example.com` }), /adoptExisting/],
    ['group', () => groups, () => properties({ Name: `tf-eng-${run}`, FriendlyName: 'Intruders' }), /adoptExisting/],
    ['API', () => apis, () => properties({ Name: 'intruder', Resource: resource }), /adoptExisting/],
  ])('a %s', async (_kind, simulator, props, reason) => {
    const before = await everything();
    expectFailed(await simulator().create(`Refused${_kind}`, props()), reason);
    expect(await everything()).toEqual(before);
  });
});

describe('a group', () => {
  let props: Record<string, unknown>;

  test('is adopted by its name: same id, the declared friendly name, its members merged', async () => {
    props = properties({ Name: `tf-eng-${run}`, FriendlyName: 'Engineering', MemberUserIds: [made.userId], MembershipMode: 'merge', AdoptExisting: 'true' });
    const step = await groups.create('Engineering', props);
    await expectSucceeded(step);
    expect(step.response.PhysicalResourceId).toBe(made.groupId);
    expect(step.response.Data).toEqual({ GroupId: made.groupId, GroupName: `tf-eng-${run}` });
    expect((await directory.group(made.groupId)).friendlyName).toBe('Engineering');
    expect((await directory.memberIds(made.groupId)).sort()).toEqual([made.memberId, made.userId].sort());
  });

  test('is then updated like any group', async () => {
    const next = { ...props, FriendlyName: 'Engineering (CDK)' };
    await expectSucceeded(await groups.update('Engineering', made.groupId, next, props));
    expect((await directory.group(made.groupId)).friendlyName).toBe('Engineering (CDK)');
    props = next;
  });
});

describe('a user', () => {
  let props: Record<string, unknown>;

  test('with another userId is refused, and left as it was', async () => {
    const before = await directory.user(made.userId);
    const refused = properties({ Username: `tf-ada-${run}`, UserId: randomUUID(), FirstName: 'Changed', AdoptExisting: 'true' });
    expectFailed(await users.create('Ada', refused), new RegExp(`username 'tf-ada-${run}' belongs to the user ${made.userId}.*userId`));
    expect(await directory.user(made.userId)).toEqual(before);
  });

  test('is adopted by its username, ignoring case: same id, the declared fields, the declared group joined', async () => {
    props = properties({
      Username: `TF-ADA-${run}`,
      Email: `tf-ada-${run}@example.com`,
      FirstName: 'Ada',
      LastName: 'Lovelace',
      UserGroupIds: [made.groupId],
      AdoptExisting: 'true',
    });
    const step = await users.create('Ada', props);
    await expectSucceeded(step);
    expect(step.response.PhysicalResourceId).toBe(made.userId);
    const user = await directory.user(made.userId);
    expect(user.lastName).toBe('Lovelace');
    expect(user.userGroups.map((group: { id: string }) => group.id)).toEqual([made.groupId]);
  });

  test('is then updated, and deleted, through the harness', async () => {
    const next = { ...props, LastName: 'King' };
    await expectSucceeded(await users.update('Ada', made.userId, next, props));
    expect((await directory.user(made.userId)).lastName).toBe('King');
    await expectSucceeded(await users.delete('Ada', made.userId, next));
    expect(await directory.user(made.userId)).toBeUndefined();
  });
});

describe('a confidential client', () => {
  test('adopting without a client id, or keeping secrets it would revoke, is refused before anything is made', async () => {
    const before = await everything();
    const secretArn = await secrets.createOwnedSecret('adopt-refused');
    expectFailed(await clients.create('NoId', properties({ Name: `no-id-${run}`, SecretArn: secretArn, AdoptExisting: 'true' })), /adoptExisting needs clientId/);
    const contradiction = properties({
      Name: `tf-web-${run}`, ClientId: made.webClientId, SecretArn: secretArn, AdoptExisting: 'true', AdoptedSecrets: 'keep', ExclusiveSecrets: 'true',
    });
    expectFailed(await clients.create('Contradiction', contradiction), /adoptedSecrets keep contradicts exclusiveSecrets/);
    expect(await everything()).toEqual(before);
    expect(await directory.clientsNamed(`no-id-${run}`)).toEqual([]);
  });

  test('whose adoption fails halfway is left as it was: its fields, its secrets, the stored secret', async () => {
    const secretArn = await secrets.createOwnedSecret('adopt-halfway');
    const placeholder = await secrets.read(secretArn);
    const before = await directory.client(made.webClientId);
    const secretsBefore = await directory.clientSecrets(made.webClientId);
    const props = properties({
      Name: `renamed-${run}`, ClientId: made.webClientId, SecretArn: secretArn, AllowedUserGroupIds: [randomUUID()], AdoptExisting: 'true',
    });
    expectFailed(await clients.create('HalfWay', props), /allowedUserGroups.*dropped it/);
    expect(await directory.client(made.webClientId)).toEqual(before);
    expect(await directory.clientSecrets(made.webClientId)).toEqual(secretsBefore);
    expect(await secrets.read(secretArn)).toBe(placeholder);
  });

  let secretArn: string;
  let props: Record<string, unknown>;

  test('is adopted by its client id, keeping its secrets: the apps\' old one and the stored new one both authenticate', async () => {
    secretArn = await secrets.createOwnedSecret('adopt-web');
    const secretsBefore = await directory.clientSecrets(made.webClientId);
    props = properties({
      Name: `web-${run}`, ClientId: made.webClientId, CallbackUrls: ['https://web.example.com/callback'], SecretArn: secretArn, AdoptExisting: 'true',
    });
    const step = await clients.create('Web', props);
    await expectSucceeded(step);
    expect(step.response.PhysicalResourceId).toBe(made.webClientId);
    const client = await directory.client(made.webClientId);
    expect({ name: client.name, callbackURLs: client.callbackURLs }).toEqual({ name: `web-${run}`, callbackURLs: ['https://web.example.com/callback'] });
    const stored = await storedSecret(secretArn);
    expect(stored).not.toBe(oldSecrets.web);
    expect(await directory.authenticates(made.webClientId, stored)).toBe(true);
    expect(await directory.authenticates(made.webClientId, oldSecrets.web)).toBe(true);
    expect(await directory.clientSecrets(made.webClientId)).toHaveLength(secretsBefore.length + 1);
  });

  test('is then updated without its secrets changing, and deleted', async () => {
    const stored = await storedSecret(secretArn);
    const next = { ...props, CallbackUrls: ['https://web.example.com/cb'] };
    await expectSucceeded(await clients.update('Web', made.webClientId, next, props));
    expect((await directory.client(made.webClientId)).callbackURLs).toEqual(['https://web.example.com/cb']);
    expect(await storedSecret(secretArn)).toBe(stored);
    await expectSucceeded(await clients.delete('Web', made.webClientId, next));
    expect(await directory.client(made.webClientId)).toBeUndefined();
  });

  test('adopted with AdoptedSecrets revoke: only the stored secret authenticates', async () => {
    const serviceArn = await secrets.createOwnedSecret('adopt-service');
    const step = await clients.create('Service', properties({
      Name: `tf-svc-${run}`, ClientId: made.serviceClientId, SecretArn: serviceArn, AdoptExisting: 'true', AdoptedSecrets: 'revoke',
    }));
    await expectSucceeded(step);
    const stored = await storedSecret(serviceArn);
    expect(await directory.authenticates(made.serviceClientId, stored)).toBe(true);
    expect(await directory.authenticates(made.serviceClientId, oldSecrets.service)).toBe(false);
    expect(await directory.clientSecrets(made.serviceClientId)).toHaveLength(1);
  });
});

describe('an API', () => {
  test('is adopted by its resource: same id, the declared name and permissions', async () => {
    const props = properties({
      Name: `orders-${run}`,
      Resource: resource,
      Permissions: [{ Key: 'orders:read', Name: 'Read orders' }, { Key: 'orders:write', Name: 'Write orders' }],
      AdoptExisting: 'true',
    });
    const before = await directory.api(made.apiId);
    const step = await apis.create('Orders', props);
    await expectSucceeded(step);
    expect(step.response.PhysicalResourceId).toBe(made.apiId);
    const api = await directory.api(made.apiId);
    expect(api.name).toBe(`orders-${run}`);
    expect(api.permissions.map((p: { key: string }) => p.key).sort()).toEqual(['orders:read', 'orders:write']);
    // A kept key keeps its permission id, and with it the grants that use it.
    const readId = (of: any) => of.permissions.find((p: { key: string }) => p.key === 'orders:read').id;
    expect(readId(api)).toBe(readId(before));
    await expectSucceeded(await apis.delete('Orders', made.apiId, props));
    expect(await directory.api(made.apiId)).toBeUndefined();
  });
});

/** What Terraform made, as Pocket-ID holds it now. */
async function everything(): Promise<unknown[]> {
  return Promise.all([
    directory.client(made.webClientId),
    directory.clientSecrets(made.webClientId),
    directory.user(made.userId),
    directory.group(made.groupId),
    directory.api(made.apiId),
    target.baseUrl,
  ]);
}
