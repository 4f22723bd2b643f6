/**
 * Empty lists as `null`. Go serializes a nil slice as null, and Pocket-ID releases differ in where
 * they do: a real 2.14.0 sends `[]` on every path this library reads (see the test server's own
 * tests), but the handler must take `null` for `[]` everywhere, or it fails after a write succeeded.
 * Here the test server answers every empty list as null, and every operation of every resource type
 * must still do what it does with `[]`.
 */
import { LookupKind, ResourceType } from '../../lib/contract';
import { AcceptanceRun } from '../support/acceptance';
import { Step } from '../support/cloudformation';
import { isRealPocketId } from '../support/pocket-id-target';

const acceptance = new AcceptanceRun(ResourceType.OIDC_CLIENT);
const { run, secrets, secretValues, properties, expectSucceeded, expectFailed } = acceptance;
const suite = acceptance.inSuite();

/** From now on, every answer carries its empty lists as null (the checks read the server's state directly). */
function answerEmptyListsAsNull(): void {
  suite.target.testServer!.injectFault({ path: /.*/, times: Number.MAX_SAFE_INTEGER, emptyListsAsNull: true });
}

afterEach(() => suite.target.testServer?.clearFaults());

function groupNamed(name: string): any {
  return suite.target.testServer!.groups().find((group) => group.name === name);
}

/** Sends an event of another resource type through the same container. */
function send(resourceType: string, event: Record<string, unknown>): Promise<Step> {
  return suite.cfn.send({ ResourceType: resourceType, ...event });
}

(isRealPocketId() ? describe.skip : describe)('test server only: every empty list answered as null', () => {
  test('a confidential client: created restricted to a group, opened to everyone, deleted', async () => {
    const groupId = await suite.directory.createGroup(`nulls-${run}`);
    const secretArn = await secrets.createOwnedSecret('nulls');
    const props = properties({ Name: `nulls-${run}`, SecretArn: secretArn, AllowedUserGroupIds: [groupId] });
    answerEmptyListsAsNull();
    const created = await suite.cfn.create('Nulls', props);
    await expectSucceeded(created);
    secretValues.add((await secrets.readJson(secretArn)).clientSecret);
    const clientId = created.response.PhysicalResourceId;
    expect(suite.target.testServer!.client(clientId).allowedUserGroupIds).toEqual([groupId]);

    const opened = { ...props, AllowedUserGroupIds: [], CallbackUrls: [] };
    await expectSucceeded(await suite.cfn.update('Nulls', clientId, opened, props));
    expect(suite.target.testServer!.client(clientId).allowedUserGroupIds).toEqual([]);

    // Pocket-ID drops a group it does not know, and the client's list comes back empty: null.
    const unknownGroup = { ...opened, AllowedUserGroupIds: ['00000000-0000-4000-8000-00000000dead'] };
    expectFailed(await suite.cfn.update('Nulls', clientId, unknownGroup, opened), /Pocket-ID has no user group 00000000-0000-4000-8000-00000000dead and dropped it/);
    expect(suite.target.testServer!.client(clientId).allowedUserGroupIds).toEqual([]);
    await expectSucceeded(await suite.cfn.delete('Nulls', clientId, opened));
  });

  test('a group: created with members and no claims, its members emptied, deleted', async () => {
    const userId = await suite.directory.createUser(`null-member-${run}`);
    const props = properties({ Name: `null-group-${run}`, FriendlyName: 'Nulls', CustomClaims: [], MemberUserIds: [userId], MembershipMode: 'exclusive' });
    answerEmptyListsAsNull();
    const created = await send(ResourceType.USER_GROUP, { RequestType: 'Create', LogicalResourceId: 'NullGroup', ResourceProperties: props });
    await expectSucceeded(created);
    const groupId = created.response.PhysicalResourceId;
    expect(groupNamed(`null-group-${run}`).userIds).toEqual([userId]);

    const emptied = { ...props, MemberUserIds: [] };
    await expectSucceeded(await send(ResourceType.USER_GROUP, { RequestType: 'Update', LogicalResourceId: 'NullGroup', PhysicalResourceId: groupId, ResourceProperties: emptied, OldResourceProperties: props }));
    expect(groupNamed(`null-group-${run}`).userIds).toEqual([]);
    await expectSucceeded(await send(ResourceType.USER_GROUP, { RequestType: 'Delete', LogicalResourceId: 'NullGroup', PhysicalResourceId: groupId, ResourceProperties: emptied }));
    expect(groupNamed(`null-group-${run}`)).toBeUndefined();
  });

  test('a user: created without claims, given claims, its claims cleared, deleted; a lookup finds it', async () => {
    const props = properties({ Username: `null-user-${run}`, Email: `null-user-${run}@example.com`, CustomClaims: [] });
    answerEmptyListsAsNull();
    const created = await send(ResourceType.USER, { RequestType: 'Create', LogicalResourceId: 'NullUser', ResourceProperties: props });
    await expectSucceeded(created);
    const userId = created.response.PhysicalResourceId;
    const claimed = { ...props, CustomClaims: [{ Key: 'team', Value: 'core' }] };
    await expectSucceeded(await send(ResourceType.USER, { RequestType: 'Update', LogicalResourceId: 'NullUser', PhysicalResourceId: userId, ResourceProperties: claimed, OldResourceProperties: props }));
    await expectSucceeded(await send(ResourceType.USER, { RequestType: 'Update', LogicalResourceId: 'NullUser', PhysicalResourceId: userId, ResourceProperties: props, OldResourceProperties: claimed }));
    expect(suite.target.testServer!.users().find((user) => user.id === userId).customClaims).toEqual([]);

    const lookup = await send(ResourceType.LOOKUP, { RequestType: 'Create', LogicalResourceId: 'FindNull', ResourceProperties: properties({ Kind: LookupKind.USER, Name: `null-user-${run}` }) });
    await expectSucceeded(lookup);
    expect(lookup.response.PhysicalResourceId).toBe(userId);
    await expectSucceeded(await send(ResourceType.USER, { RequestType: 'Delete', LogicalResourceId: 'NullUser', PhysicalResourceId: userId, ResourceProperties: props }));
  });
});
