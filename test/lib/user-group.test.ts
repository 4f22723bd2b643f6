import { Match, Template } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { GroupMembership, OidcClient, PocketId, User, UserGroup } from '../../lib';
import { stackWithPocketId } from './support/fixture';
import { scanSynthesizedTemplates } from '../support/template-exposure';

// Every template this file synthesizes is scanned for sentinel secrets (test-reports/reliability/exposure/).
scanSynthesizedTemplates();

function logicalIdOf(template: Template, type: string, pattern: RegExp): string {
  return Object.keys(template.findResources(type)).find((id) => pattern.test(id))!;
}

describe('UserGroup', () => {
  test('name, friendly name, claims and members; members come from the users\' resources', () => {
    const { stack, pocketId } = stackWithPocketId();
    const alice = new User(stack, 'Alice', { pocketId, username: 'alice', email: 'alice@example.com' });
    const admins = new UserGroup(stack, 'Admins', { pocketId, name: 'admins', friendlyName: 'Administrators', customClaims: { role: 'admin' } });
    admins.addMember(alice);
    const template = Template.fromStack(stack);
    const aliceId = logicalIdOf(template, 'Custom::PocketIdUser', /^Alice/);
    template.hasResourceProperties('Custom::PocketIdUserGroup', {
      Name: 'admins',
      FriendlyName: 'Administrators',
      CustomClaims: [{ Key: 'role', Value: 'admin' }],
      MemberUserIds: [{ 'Fn::GetAtt': [aliceId, 'UserId'] }],
      MembershipMode: 'merge',
    });
    // The reference makes CloudFormation create the user first and delete it last.
    expect(JSON.stringify(template.findResources('Custom::PocketIdUserGroup'))).toContain(aliceId);
    template.hasResource('Custom::PocketIdUserGroup', { DeletionPolicy: 'Delete' });
  });

  test('without members or addMember, membership is not managed at all', () => {
    const { stack, pocketId } = stackWithPocketId();
    new UserGroup(stack, 'Readers', { pocketId, name: 'readers', friendlyName: 'Readers' });
    Template.fromStack(stack).hasResourceProperties('Custom::PocketIdUserGroup', { MemberUserIds: Match.absent(), CustomClaims: Match.absent() });
  });

  test('members: [] manages an empty group; EXCLUSIVE is passed on', () => {
    const { stack, pocketId } = stackWithPocketId();
    new UserGroup(stack, 'Empty', { pocketId, name: 'empty', friendlyName: 'Empty', members: [], membership: GroupMembership.EXCLUSIVE });
    Template.fromStack(stack).hasResourceProperties('Custom::PocketIdUserGroup', { MemberUserIds: [], MembershipMode: 'exclusive' });
  });

  test('existing users by id and by username can be members', () => {
    const { stack, pocketId } = stackWithPocketId();
    const group = new UserGroup(stack, 'Team', { pocketId, name: 'team', friendlyName: 'Team' });
    group.addMember(User.fromUserId(stack, 'Bob', pocketId, '6f1c2a52-3d1e-4b8a-9c1f-0e2d3c4b5a69'));
    group.addMember(User.fromUsername(stack, 'Carol', pocketId, 'carol'));
    const template = Template.fromStack(stack);
    const lookupId = logicalIdOf(template, 'Custom::PocketIdLookup', /Carol/);
    template.hasResourceProperties('Custom::PocketIdUserGroup', {
      MemberUserIds: ['6f1c2a52-3d1e-4b8a-9c1f-0e2d3c4b5a69', { 'Fn::GetAtt': [lookupId, 'Id'] }],
    });
  });

  test('a member from another Pocket-ID instance fails synth', () => {
    const { stack, pocketId } = stackWithPocketId();
    const other = new PocketId(stack, 'Other', { baseUrl: 'https://other.example.com', apiToken: secretsmanager.Secret.fromSecretNameV2(stack, 'OtherToken', 'other') });
    const group = new UserGroup(stack, 'Team', { pocketId, name: 'team', friendlyName: 'Team' });
    const stranger = new User(stack, 'Stranger', { pocketId: other, username: 'stranger', email: 's@example.com' });
    expect(() => group.addMember(stranger)).toThrow(/belongs to the Pocket-ID instance '.*Other' \(https:\/\/other.example.com\), not to '.*PocketId'/);
  });

  test.each([
    ['a one-character name', { name: 'a' }, /name must be at least 2 characters/],
    ['a friendly name over 50 characters', { friendlyName: 'f'.repeat(51) }, /friendlyName must be at most 50 characters/],
    ['a reserved claim', { customClaims: { groups: 'x' } }, /customClaims.groups is a claim Pocket-ID sets itself/],
  ])('synth fails on %s', (_, extra, message) => {
    const { stack, pocketId } = stackWithPocketId();
    expect(() => new UserGroup(stack, 'Bad', { pocketId, name: 'good', friendlyName: 'Good', ...extra })).toThrow(message);
  });
});

describe('allowed groups on clients', () => {
  test('allowedUserGroups and allowGroup() restrict the client; the client depends on the groups', () => {
    const { stack, pocketId } = stackWithPocketId();
    const admins = new UserGroup(stack, 'Admins', { pocketId, name: 'admins', friendlyName: 'Administrators' });
    const ops = UserGroup.fromGroupName(stack, 'Ops', pocketId, 'ops');
    const client = new OidcClient(stack, 'WebApp', { pocketId, name: 'web', allowedUserGroups: [admins] });
    client.allowGroup(ops);
    const template = Template.fromStack(stack);
    const adminsId = logicalIdOf(template, 'Custom::PocketIdUserGroup', /^Admins/);
    const opsLookupId = logicalIdOf(template, 'Custom::PocketIdLookup', /Ops/);
    template.hasResourceProperties('Custom::PocketIdOidcClient', {
      AllowedUserGroupIds: [{ 'Fn::GetAtt': [adminsId, 'GroupId'] }, { 'Fn::GetAtt': [opsLookupId, 'Id'] }],
    });
    template.hasResourceProperties('Custom::PocketIdLookup', { Kind: 'UserGroup', Name: 'ops' });
  });

  test('a client that never mentions groups leaves them alone', () => {
    const { stack, pocketId } = stackWithPocketId();
    new OidcClient(stack, 'WebApp', { pocketId, name: 'web' });
    Template.fromStack(stack).hasResourceProperties('Custom::PocketIdOidcClient', { AllowedUserGroupIds: Match.absent() });
  });

  test('fromClientName resolves an existing client at deploy time', () => {
    const { stack, pocketId } = stackWithPocketId();
    const grafana = OidcClient.fromClientName(stack, 'Grafana', pocketId, 'Grafana');
    Template.fromStack(stack).hasResourceProperties('Custom::PocketIdLookup', { Kind: 'OidcClient', Name: 'Grafana' });
    expect(grafana.discoveryUrl).toBe('https://auth.example.com/.well-known/openid-configuration');
  });
});
