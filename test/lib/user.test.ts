import { Duration, Fn, RemovalPolicy } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { PocketId, User, UserGroup, UserProps } from '../../lib';
import { stackWithPocketId } from './support/fixture';
import { scanSynthesizedTemplates } from '../support/template-exposure';

// Every template this file synthesizes is scanned for sentinel secrets (test-reports/reliability/exposure/).
scanSynthesizedTemplates();

function alice(pocketId: PocketId, extra: Partial<UserProps> = {}): UserProps {
  return { pocketId, username: 'alice', email: 'alice@example.com', firstName: 'Alice', lastName: 'Liddell', ...extra };
}

describe('User', () => {
  test('every field reaches the resource as a string property; unset fields stay absent', () => {
    const { stack, pocketId } = stackWithPocketId();
    new User(stack, 'Alice', alice(pocketId, { isAdmin: true, locale: 'en', customClaims: { department: 'eng' } }));
    const template = Template.fromStack(stack);
    template.hasResourceProperties('Custom::PocketIdUser', {
      ContractVersion: '1',
      Username: 'alice',
      Email: 'alice@example.com',
      FirstName: 'Alice',
      LastName: 'Liddell',
      IsAdmin: 'true',
      Locale: 'en',
      CustomClaims: [{ Key: 'department', Value: 'eng' }],
      Disabled: Match.absent(),
      DisplayName: Match.absent(),
      LoginLinkSecretArn: Match.absent(),
    });
  });

  test('users are retained by default: deleting a user deletes their passkeys', () => {
    const { stack, pocketId } = stackWithPocketId();
    new User(stack, 'Alice', alice(pocketId));
    Template.fromStack(stack).hasResource('Custom::PocketIdUser', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('deletes Pocket-ID user'));
  });

  test('a user that the stack would delete is impossible to miss: a warning at every synth', () => {
    const { stack, pocketId } = stackWithPocketId();
    new User(stack, 'Alice', alice(pocketId, { removalPolicy: RemovalPolicy.DESTROY }));
    Annotations.fromStack(stack).hasWarning('/Stack/Alice', Match.stringLikeRegexp("deletes Pocket-ID user 'alice' and the passkeys they registered"));
  });

  test('loginLink: a secret the construct owns, the handler may write it, the lifetime in seconds', () => {
    const { stack, pocketId } = stackWithPocketId();
    const user = new User(stack, 'Alice', alice(pocketId, { loginLink: { lifetime: Duration.days(3) } }));
    expect(user.loginLinkSecret).toBeDefined();
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    template.hasResourceProperties('Custom::PocketIdUser', {
      LoginLinkLifetimeSeconds: String(3 * 24 * 3600),
      LoginLinkSecretArn: { Ref: Match.stringLikeRegexp('AliceLoginLinkSecret') },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'], Resource: { Ref: Match.stringLikeRegexp('AliceLoginLinkSecret') } })]) },
    });
  });

  test('fromUserId references without creating; fromUsername resolves at deploy time', () => {
    const { stack, pocketId } = stackWithPocketId();
    expect(User.fromUserId(stack, 'Bob', pocketId, '6f1c2a52-3d1e-4b8a-9c1f-0e2d3c4b5a69').userId).toBe('6f1c2a52-3d1e-4b8a-9c1f-0e2d3c4b5a69');
    const carol = User.fromUsername(stack, 'Carol', pocketId, 'carol');
    const template = Template.fromStack(stack);
    template.resourceCountIs('Custom::PocketIdUser', 0);
    template.hasResourceProperties('Custom::PocketIdLookup', { Kind: 'User', Name: 'carol' });
    expect(stack.resolve(carol.userId)['Fn::GetAtt'][1]).toBe('Id');
  });

  test.each<[string, Partial<UserProps>, RegExp]>([
    ['a username with a space', { username: 'alice liddell' }, /username may contain only letters, digits/],
    ['a username ending in a dot', { username: 'alice.' }, /must start and end with a letter or digit/],
    ['a username over 50 characters', { username: 'a'.repeat(51) }, /username must be at most 50 characters/],
    ['an email without a domain', { email: 'alice@' }, /email must be an email address/],
    ['a first name over 50 characters', { firstName: 'f'.repeat(51) }, /firstName must be at most 50 characters/],
    ['a display name over 100 characters', { displayName: 'd'.repeat(101) }, /displayName must be at most 100 characters/],
    ['a user id that is not a UUID', { userId: 'alice' }, /userId must be a UUID/],
    ['a reserved claim', { customClaims: { email: 'x' } }, /customClaims.email is a claim Pocket-ID sets itself/],
    ['an empty claim key', { customClaims: { '': 'x' } }, /customClaims must not have an empty key/],
    ['a login link over 31 days', { loginLink: { lifetime: Duration.days(32) } }, /loginLink.lifetime must be whole seconds between 1 minute and 31 days/],
  ])('synth fails on %s, naming the field and the rule', (_, extra, message) => {
    const { stack, pocketId } = stackWithPocketId();
    expect(() => new User(stack, 'Bad', alice(pocketId, extra))).toThrow(message);
  });

  test('groups: written from the user\'s side as group ids; absent when none are declared', () => {
    const { stack, pocketId } = stackWithPocketId();
    const readers = new UserGroup(stack, 'Readers', { pocketId, name: 'readers', friendlyName: 'Readers' });
    const ops = UserGroup.fromGroupId(stack, 'Ops', pocketId, '4b1f0c9e-8d2a-4e37-9a6b-1c2d3e4f5a6b');
    const member = new User(stack, 'Alice', alice(pocketId, { groups: [readers] }));
    member.addToGroup(ops);
    member.addToGroup(readers);
    new User(stack, 'Bob', { pocketId, username: 'bob', email: 'bob@example.com' });
    new User(stack, 'Nobody', { pocketId, username: 'nobody', email: 'nobody@example.com', groups: [] });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('Custom::PocketIdUser', {
      Username: 'alice',
      UserGroupIds: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^Readers'), 'GroupId'] }, '4b1f0c9e-8d2a-4e37-9a6b-1c2d3e4f5a6b'],
    });
    template.hasResourceProperties('Custom::PocketIdUser', { Username: 'bob', UserGroupIds: Match.absent() });
    template.hasResourceProperties('Custom::PocketIdUser', { Username: 'nobody', UserGroupIds: [] });
  });

  test('a membership has one writer: a user cannot name a group that declares its members, whichever was declared first', () => {
    const { stack, pocketId } = stackWithPocketId();
    const bob = new User(stack, 'Bob', { pocketId, username: 'bob', email: 'bob@example.com' });
    const team = new UserGroup(stack, 'Team', { pocketId, name: 'team', friendlyName: 'Team' });
    new User(stack, 'Alice', alice(pocketId, { groups: [team] }));
    team.addMember(bob);
    expect(() => Template.fromStack(stack)).toThrow(/groups names the group 'Stack\/Team', which declares its members: a membership has one writer/);
  });

  test('groups of another Pocket-ID instance, or that are no groups, fail at synth', () => {
    const { stack, pocketId } = stackWithPocketId();
    const other = new PocketId(stack, 'Other', { baseUrl: 'https://other.example.com', apiToken: pocketId.apiToken });
    const foreign = new UserGroup(stack, 'Foreign', { pocketId: other, name: 'foreign', friendlyName: 'Foreign' });
    expect(() => new User(stack, 'Alice', alice(pocketId, { groups: [foreign] }))).toThrow(/groups\[0\]/);
    expect(() => new User(stack, 'Bob', { pocketId, username: 'bob', groups: ['readers' as any] })).toThrow(/groups\[0\] must be a user group/);
  });

  test('a username that is a token is left to the handler', () => {
    const { stack, pocketId } = stackWithPocketId();
    expect(() => new User(stack, 'Tokenized', alice(pocketId, { username: Fn.importValue('Username') }))).not.toThrow();
  });
});
