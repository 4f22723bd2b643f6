/**
 * Lookups, end to end: the bundled handler, in its own Node.js process, finds users, groups and
 * clients by name in Pocket-ID (the test server, or a real Pocket-ID when POCKETID_BASE_URL and
 * POCKETID_API_TOKEN are set), among more than one page of entities, and never changes anything.
 */
import { LookupKind, ResourceType } from '../../lib/contract';
import { AcceptanceRun, escapeRegExp, requestsLogged } from '../support/acceptance';
import { CloudFormationSimulator, Step } from '../support/cloudformation';
import { PocketIdDirectory } from '../support/pocket-id-directory';
import { PocketIdTarget } from '../support/pocket-id-target';

const acceptance = new AcceptanceRun(ResourceType.LOOKUP);
const { run, expectSucceeded, expectFailed } = acceptance;
let target: PocketIdTarget;
let directory: PocketIdDirectory;
let cfn: CloudFormationSimulator;
/** More than Pocket-ID's largest page (100): the entity looked up is on the second page. */
const CROWD = 105;
/** Groups with similar names on a real Pocket-ID, where only the users make a crowd. */
const FEW = 3;

const userName = `lk-${run}`;
const otherUserName = `lkb-${run}`;
const groupName = `lkg-${run}`;
const clientName = `lkc-${run}`;
const sharedClientName = `lkdup-${run}`;

let crowdUserIds: string[] = [];
let crowdGroupIds: string[] = [];
let userId: string;
let otherUserId: string;
let groupId: string;
let caseTwinGroupId: string;
let clientIds: string[] = [];

beforeAll(async () => {
  ({ target, directory, cfn } = await acceptance.start());
  await makeCrowds();
  // Made after the crowds, so that in Pocket-ID's default order they come last.
  userId = await directory.createUser(userName);
  otherUserId = await directory.createUser(otherUserName);
  groupId = await directory.createGroup(groupName, 'Lookup target');
  caseTwinGroupId = await directory.createGroup(groupName.toUpperCase(), 'Same name, other case');
  clientIds = [
    await directory.createClient(clientName),
    await directory.createClient(`${clientName}-2`),
    await directory.createClient(sharedClientName),
    await directory.createClient(sharedClientName),
  ];
}, 300_000);

/** Entities whose names contain the looked-up names: on the test server seeded, on a real one made (and removed) over HTTP. */
async function makeCrowds(): Promise<void> {
  const server = target.testServer;
  if (server) {
    crowdUserIds = server.seedUsers(CROWD, userName);
    crowdGroupIds = server.seedGroups(CROWD, groupName);
    return;
  }
  crowdUserIds = await directory.createUsers(Array.from({ length: CROWD }, (_, n) => `${userName}-${n}`));
  crowdGroupIds = await Promise.all(Array.from({ length: FEW }, (_, n) => directory.createGroup(`${groupName}-${n}`, `Crowd ${n}`)));
}

afterAll(async () => {
  if (directory) {
    await directory.deleteUsers([...crowdUserIds, userId, otherUserId].filter(Boolean));
    await directory.deleteGroups([...crowdGroupIds, groupId, caseTwinGroupId].filter(Boolean));
    await directory.deleteClients(clientIds);
  }
  await acceptance.stop();
}, 300_000);

function properties(kind: string, name: string): Record<string, unknown> {
  return acceptance.properties({ Kind: kind, Name: name });
}

function readPage(step: Step, page: number): boolean {
  return requestsLogged(step).some((request) => request.method === 'GET' && request.path.includes(`pagination%5Bpage%5D=${page}&`));
}

describe('found', () => {
  test('a user, by username ignoring case, on the second page of more than 100', async () => {
    const searched = await directory.page('/api/users', userName, 1);
    expect(searched.totalItems).toBeGreaterThan(100);
    expect(searched.ids).not.toContain(userId);

    const step = await cfn.create('Alice', properties(LookupKind.USER, userName.toUpperCase()));
    await expectSucceeded(step);
    expect(step.response.PhysicalResourceId).toBe(userId);
    expect(step.response.Data).toEqual({ Id: userId, Name: userName });
    expect(readPage(step, 2)).toBe(true);
  });

  test('a group, by its exact name, among groups whose names contain it or differ only in case', async () => {
    const step = await cfn.create('Admins', properties(LookupKind.USER_GROUP, groupName));
    await expectSucceeded(step);
    expect(step.response.PhysicalResourceId).toBe(groupId);
    expect(step.response.Data).toEqual({ Id: groupId, Name: groupName });
    if (target.testServer) {
      expect((await directory.page('/api/user-groups', groupName, 1)).ids).not.toContain(groupId);
      expect(readPage(step, 2)).toBe(true);
    }
  });

  test('group names differ by case: the upper-case name finds the other group', async () => {
    const step = await cfn.create('Twin', properties(LookupKind.USER_GROUP, groupName.toUpperCase()));
    await expectSucceeded(step);
    expect(step.response.Data).toEqual({ Id: caseTwinGroupId, Name: groupName.toUpperCase() });
  });

  test('an OIDC client, by its exact name', async () => {
    const step = await cfn.create('App', properties(LookupKind.OIDC_CLIENT, clientName));
    await expectSucceeded(step);
    expect(step.response.Data).toEqual({ Id: clientIds[0], Name: clientName });
  });

  test('an Update that finds another entity changes the physical id; the Delete of the old one does nothing', async () => {
    const oldProps = properties(LookupKind.USER, userName);
    const newProps = properties(LookupKind.USER, otherUserName);
    const updated = await cfn.update('Person', userId, newProps, oldProps);
    await expectSucceeded(updated);
    expect(updated.response.PhysicalResourceId).toBe(otherUserId);
    expect(updated.response.Data).toEqual({ Id: otherUserId, Name: otherUserName });

    target.testServer?.clearRequests();
    const deleted = await cfn.delete('Person', userId, oldProps);
    await expectSucceeded(deleted);
    expect(requestsLogged(deleted)).toEqual([]);
    expect(target.testServer?.requests ?? []).toEqual([]);
    expect(await directory.user(userId)).toMatchObject({ id: userId, username: userName });
  });
});

describe('not found, or not one', () => {
  test.each([LookupKind.USER, LookupKind.USER_GROUP, LookupKind.OIDC_CLIENT])('no %s with the name fails, saying where it looked', async (kind) => {
    const label = { [LookupKind.USER]: 'user', [LookupKind.USER_GROUP]: 'user group', [LookupKind.OIDC_CLIENT]: 'OIDC client' }[kind];
    const step = await cfn.create('Missing', properties(kind, `missing-${run}`));
    expectFailed(step, new RegExp(`no ${label} named 'missing-${run}' in Pocket-ID at ${escapeRegExp(target.baseUrl)}`));
  });

  test('two OIDC clients with the same name fail, listing both ids', async () => {
    const step = await cfn.create('Shared', properties(LookupKind.OIDC_CLIENT, sharedClientName));
    expectFailed(step, new RegExp(`2 OIDC clients are named '${sharedClientName}'`));
    expect(step.response.Reason).toContain(clientIds[2]);
    expect(step.response.Reason).toContain(clientIds[3]);
  });

  test('invalid properties fail before anything is sent', async () => {
    const step = await cfn.create('Invalid', properties('Robot', ''));
    expectFailed(step, /kind must be one of User, UserGroup, OidcClient, Api \(got "Robot"\).*name must not be empty/);
    expect(requestsLogged(step)).toEqual([]);
  });
});
