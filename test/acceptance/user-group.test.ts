/**
 * The user group lifecycle, end to end: the bundled handler, in its own Node.js process, receives the
 * events CloudFormation sends; it talks HTTP to Pocket-ID (the test server, or a real Pocket-ID when
 * POCKETID_BASE_URL and POCKETID_API_TOKEN are set) and the AWS SDK to moto's Secrets Manager for the
 * API key. After each step the group is read back over HTTP, and the response and logs are checked.
 */
import { randomBytes, randomUUID } from 'crypto';
import { ResourceType } from '../../lib/contract';
import { AcceptanceRun, requestsLogged, without } from '../support/acceptance';
import { CloudFormationSimulator, CREATE_FAILED_MARKER } from '../support/cloudformation';
import { PocketIdDirectory } from '../support/pocket-id-directory';
import { isRealPocketId, PocketIdTarget } from '../support/pocket-id-target';

const acceptance = new AcceptanceRun(ResourceType.USER_GROUP);
const { run, properties, expectSucceeded, expectFailed } = acceptance;
let target: PocketIdTarget;
let directory: PocketIdDirectory;
let cfn: CloudFormationSimulator;
/** The people the membership tests move in and out of groups, made over HTTP. */
let alice: string;
let bob: string;
let carol: string;
let dave: string;

beforeAll(async () => {
  ({ target, directory, cfn } = await acceptance.start());
  [alice, bob, carol, dave] = await directory.createUsers(['alice', 'bob', 'carol', 'dave'].map((name) => `ug-${name}-${run}`));
});

afterAll(async () => {
  if (directory) {
    const leftovers = await directory.listAll('/api/user-groups', run);
    await directory.deleteGroups(leftovers.map((group) => group.id));
    await directory.deleteUsers([alice, bob, carol, dave].filter(Boolean));
  }
  await acceptance.stop();
});

function sortedClaims(group: any): Array<{ key: string; value: string }> {
  return [...(group.customClaims ?? [])].sort((a, b) => a.key.localeCompare(b.key));
}

describe('a group with claims and members', () => {
  const logicalId = 'Engineers';
  let groupId: string;
  let props: Record<string, unknown>;

  /** Sends an Update from the current properties to `next`, expects success, and makes `next` current. */
  async function deploy(next: Record<string, unknown>): Promise<void> {
    const step = await cfn.update(logicalId, groupId, next, props);
    await expectSucceeded(step);
    expect(step.response.PhysicalResourceId).toBe(groupId);
    props = next;
  }

  test('Create makes the group, sets its claims and adds its members', async () => {
    props = properties({
      Name: `eng-${run}`,
      FriendlyName: 'Engineers',
      CustomClaims: [{ Key: 'team', Value: 'core' }, { Key: 'level', Value: '2' }],
      MemberUserIds: [alice, bob],
    });
    const step = await cfn.create(logicalId, props);
    await expectSucceeded(step);

    groupId = step.response.PhysicalResourceId;
    expect(step.response.Data).toEqual({ GroupId: groupId, GroupName: `eng-${run}` });
    const group = await directory.group(groupId);
    expect(group).toMatchObject({ name: `eng-${run}`, friendlyName: 'Engineers' });
    expect(sortedClaims(group)).toEqual([{ key: 'level', value: '2' }, { key: 'team', value: 'core' }]);
    expect(await directory.memberIds(groupId)).toEqual([alice, bob].sort());
  });

  test('Update renames the group in place and replaces its claims; the members stay', async () => {
    await deploy({ ...props, Name: `eng-renamed-${run}`, FriendlyName: 'Engineering', CustomClaims: [{ Key: 'dept', Value: 'eng' }] });
    const group = await directory.group(groupId);
    expect(group).toMatchObject({ id: groupId, name: `eng-renamed-${run}`, friendlyName: 'Engineering' });
    expect(sortedClaims(group)).toEqual([{ key: 'dept', value: 'eng' }]);
    expect(await directory.memberIds(groupId)).toEqual([alice, bob].sort());
  });

  test('claims removed from the properties are cleared', async () => {
    await deploy(without(props, 'CustomClaims'));
    expect((await directory.group(groupId)).customClaims).toEqual([]);
  });

  test('an Update that changes nothing sends no write', async () => {
    const step = await cfn.update(logicalId, groupId, props, props);
    await expectSucceeded(step);
    expect(requestsLogged(step).filter((request) => request.method !== 'GET')).toEqual([]);
  });

  test('merge mode keeps a member added outside CloudFormation and removes one no longer declared', async () => {
    await directory.addMember(groupId, carol);
    await deploy({ ...props, MemberUserIds: [bob, dave] });
    expect(await directory.memberIds(groupId)).toEqual([bob, carol, dave].sort());
  });

  test('exclusive mode removes the member added outside CloudFormation', async () => {
    await deploy({ ...props, MembershipMode: 'exclusive' });
    expect(await directory.memberIds(groupId)).toEqual([bob, dave].sort());
  });

  test('a declared member that is not a Pocket-ID user fails with a message naming it; the rollback restores the members', async () => {
    const ghost = randomUUID();
    const failing = { ...props, MemberUserIds: [bob, ghost] };
    const failed = await cfn.update(logicalId, groupId, failing, props);
    expectFailed(failed, new RegExp(`not Pocket-ID users.*${ghost}.*deleted outside CloudFormation`));

    const rollback = await cfn.update(logicalId, groupId, props, failing);
    await expectSucceeded(rollback);
    expect(await directory.memberIds(groupId)).toEqual([bob, dave].sort());
  });

  test('exclusive mode, no member list any more: the declared members leave, anyone added since stays', async () => {
    await directory.addMember(groupId, carol);
    await deploy(without(props, 'MemberUserIds'));
    expect(await directory.memberIds(groupId)).toEqual([carol]);
  });

  test('Delete removes the group; a second Delete finds it gone and succeeds', async () => {
    await expectSucceeded(await cfn.delete(logicalId, groupId, props));
    expect(await directory.group(groupId)).toBeUndefined();
    await expectSucceeded(await cfn.delete(logicalId, groupId, props));
  });
});

describe('membership', () => {
  test('merge mode, no member list any more: only the members declared before leave', async () => {
    const props = properties({ Name: `merge-${run}`, FriendlyName: 'Merge', MemberUserIds: [alice, bob] });
    const created = await cfn.create('Merge', props);
    await expectSucceeded(created);
    const groupId = created.response.PhysicalResourceId;
    await directory.addMember(groupId, carol);

    await expectSucceeded(await cfn.update('Merge', groupId, without(props, 'MemberUserIds'), props));
    expect(await directory.memberIds(groupId)).toEqual([carol]);

    // Membership is not managed any more: people added in the UI stay through later deploys.
    await directory.addMember(groupId, dave);
    const unmanaged = without(props, 'MemberUserIds');
    await expectSucceeded(await cfn.update('Merge', groupId, { ...unmanaged, FriendlyName: 'Merged' }, unmanaged));
    expect(await directory.memberIds(groupId)).toEqual([carol, dave].sort());
    await expectSucceeded(await cfn.delete('Merge', groupId, props));
  });

  test('an empty member list in exclusive mode empties the group', async () => {
    const props = properties({ Name: `empty-${run}`, FriendlyName: 'Empty', MemberUserIds: [alice] });
    const created = await cfn.create('Empty', props);
    await expectSucceeded(created);
    const groupId = created.response.PhysicalResourceId;
    await directory.addMember(groupId, bob);

    await expectSucceeded(await cfn.update('Empty', groupId, { ...props, MemberUserIds: [], MembershipMode: 'exclusive' }, props));
    expect(await directory.memberIds(groupId)).toEqual([]);
    await expectSucceeded(await cfn.delete('Empty', groupId, props));
  });
});

describe('failures and repeats', () => {
  test('the same Create delivered twice makes one group', async () => {
    const props = properties({ Name: `twice-${run}`, FriendlyName: 'Twice', CustomClaims: [{ Key: 'team', Value: 'core' }], MemberUserIds: [alice] });
    const requestId = `request-${randomBytes(4).toString('hex')}`;
    const first = await cfn.create('Twice', props, requestId);
    const second = await cfn.create('Twice', props, requestId);
    await expectSucceeded(first);
    await expectSucceeded(second);

    expect(second.response.PhysicalResourceId).toBe(first.response.PhysicalResourceId);
    expect(second.response.Data).toEqual(first.response.Data);
    const groups = await directory.groupsNamed(`twice-${run}`);
    expect(groups.map((group) => group.id)).toEqual([first.response.PhysicalResourceId]);
    expect(await directory.memberIds(first.response.PhysicalResourceId)).toEqual([alice]);
    await expectSucceeded(await cfn.delete('Twice', first.response.PhysicalResourceId, props));
  });

  test.each([
    ['another friendly name', 'other', 'Somebody else', undefined],
    ['the same friendly name but a member not declared', 'member', 'Taken', () => carol],
  ])('a name held by a group someone else made (%s) fails with a clear conflict and touches nothing', async (_, slug, friendlyName, outsideMember) => {
    const name = `taken-${slug}-${run}`;
    const othersGroup = await directory.createGroup(name, friendlyName);
    if (outsideMember) await directory.addMember(othersGroup, outsideMember());

    const step = await cfn.create('Taken', properties({ Name: name, FriendlyName: 'Taken', MemberUserIds: [alice] }));
    expectFailed(step, new RegExp(`409 already_in_use: the name '${name}' belongs to the group ${othersGroup}, which this resource did not create`));
    expect(step.response.Reason).toMatch(outsideMember ? /members this resource does not declare/ : /its friendly name is 'Somebody else'/);
    expect(step.response.Reason).toMatch(/Choose another name, set adoptExisting to take that group over, or refer to it through a lookup/);
    expect(step.response.PhysicalResourceId).toBe(CREATE_FAILED_MARKER);

    expect(await directory.group(othersGroup)).toMatchObject({ name, friendlyName });
    expect(await directory.memberIds(othersGroup)).toEqual(outsideMember ? [outsideMember()] : []);
    await directory.deleteGroups([othersGroup]);
  });

  test('a Create that fails after making the group removes it; its Delete never reaches the handler', async () => {
    const ghost = randomUUID();
    const props = properties({ Name: `halfway-${run}`, FriendlyName: 'Halfway', CustomClaims: [{ Key: 'team', Value: 'core' }], MemberUserIds: [alice, ghost] });
    const failed = await cfn.create('Halfway', props);
    expectFailed(failed, new RegExp(`not Pocket-ID users.*${ghost}`));
    expect(failed.response.PhysicalResourceId).toBe(CREATE_FAILED_MARKER);
    expect(failed.logs.some((line) => JSON.parse(line).message === 'undid a partial change')).toBe(true);
    expect(await directory.groupsNamed(`halfway-${run}`)).toEqual([]);

    const deleted = await cfn.delete('Halfway', CREATE_FAILED_MARKER, props);
    await expectSucceeded(deleted);
    expect(deleted.logs).toEqual([]);
  });

  test('invalid properties fail before anything is sent, naming the field and the rule', async () => {
    const props = properties({
      Name: 'x',
      FriendlyName: 'y'.repeat(51),
      CustomClaims: [{ Key: 'email', Value: 'a' }, { Key: 'team', Value: '' }, { Key: 'dup', Value: '1' }, { Key: 'dup', Value: '2' }, { Key: 'broken' }],
      MembershipMode: 'sometimes',
      MemberUserIds: [alice, ''],
    });
    const step = await cfn.create('Invalid', props);
    expectFailed(step, /invalid properties/);
    for (const rule of [
      /name must be at least 2 characters \(got 1\)/,
      /friendlyName must be at most 50 characters \(got 51\)/,
      /customClaims\.email is a claim Pocket-ID sets itself/,
      /customClaims\.team must not have an empty value/,
      /customClaims has the key 'dup' more than once/,
      /customClaims\[4\] must have a Key and a Value/,
      /membershipMode must be one of 'merge', 'exclusive' \(got "sometimes"\)/,
      /members\[1\] must be a user id/,
    ]) {
      expect(step.response.Reason).toMatch(rule);
    }
    expect(requestsLogged(step)).toEqual([]);
  });

  test('a required name that is missing is reported', async () => {
    const step = await cfn.create('Nameless', properties({ FriendlyName: 'Nameless' }));
    expectFailed(step, /name is required/);
  });
});

describe('drift', () => {
  test('a group deleted outside CloudFormation is created again by the next Update', async () => {
    const props = properties({ Name: `drift-${run}`, FriendlyName: 'Drift', CustomClaims: [{ Key: 'team', Value: 'core' }], MemberUserIds: [alice] });
    const created = await cfn.create('Drift', props);
    await expectSucceeded(created);
    await directory.deleteGroups([created.response.PhysicalResourceId]);

    const newProps = { ...props, FriendlyName: 'Drift again' };
    const updated = await cfn.update('Drift', created.response.PhysicalResourceId, newProps, props);
    await expectSucceeded(updated);
    const newId = updated.response.PhysicalResourceId;
    expect(newId).not.toBe(created.response.PhysicalResourceId);
    const group = await directory.group(newId);
    expect(group).toMatchObject({ name: `drift-${run}`, friendlyName: 'Drift again', customClaims: [{ key: 'team', value: 'core' }] });
    expect(await directory.memberIds(newId)).toEqual([alice]);
    await expectSucceeded(await cfn.delete('Drift', newId, newProps));
  });
});

(isRealPocketId() ? describe.skip : describe)('test server only: failures a real server cannot be made to show', () => {
  test('a Create whose member update fails removes the group it made', async () => {
    target.testServer!.injectFault({ method: 'PUT', path: /^\/api\/user-groups\/[^/]+\/users$/, status: 500, body: '{"error":"Something went wrong","code":"internal_error"}' });
    const props = properties({ Name: `fault-${run}`, FriendlyName: 'Fault', MemberUserIds: [alice] });
    const failed = await cfn.create('Fault', props);
    expectFailed(failed, /Set user group members: PUT \/api\/user-groups\/[^/]+\/users returned 500 internal_error/);
    expect(await directory.groupsNamed(`fault-${run}`)).toEqual([]);
    const calls = target.testServer!.requests.filter((request) => request.path.startsWith('/api/user-groups/'));
    expect(calls.slice(-1)[0]).toMatchObject({ method: 'DELETE', status: 204 });
  });

  test('a Create whose POST answer was lost finds the group Pocket-ID made; a second delivery takes the same one over', async () => {
    target.testServer!.injectFault({ method: 'POST', path: '/api/user-groups', afterHandling: true, resetConnection: true });
    const props = properties({ Name: `lost-${run}`, FriendlyName: 'Lost', MemberUserIds: [alice] });
    const requestId = `request-${randomBytes(4).toString('hex')}`;
    const lost = await cfn.create('Lost', props, requestId);
    await expectSucceeded(lost);
    const [group] = await directory.groupsNamed(`lost-${run}`);
    expect(lost.response.PhysicalResourceId).toBe(group.id);

    const again = await cfn.create('Lost', props, requestId);
    await expectSucceeded(again);
    expect(again.response.PhysicalResourceId).toBe(group.id);
    expect(await directory.groupsNamed(`lost-${run}`)).toHaveLength(1);
    expect(await directory.memberIds(group.id)).toEqual([alice]);
    await expectSucceeded(await cfn.delete('Lost', group.id, props));
  });

  test('an LDAP-synced group that Pocket-ID refuses to delete fails with a message that says why', async () => {
    target.testServer!.injectFault({
      method: 'DELETE',
      path: /^\/api\/user-groups\//,
      status: 403,
      body: '{"error":"LDAP user groups can\'t be updated","code":"ldap_user_group_update","request_id":"r-1"}',
    });
    const step = await cfn.delete('Ldap', randomUUID(), properties({ Name: `ldap-${run}`, FriendlyName: 'Ldap' }));
    expectFailed(step, /is synced from LDAP: Pocket-ID refuses to change or delete it while its LDAP sync is on/);
    expect(step.response.Reason).toMatch(/403 ldap_user_group_update/);
  });
});
