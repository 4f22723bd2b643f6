import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { PocketId, SignupToken, UserGroup } from '../../lib';
import { stackWithPocketId } from './support/fixture';
import { scanSynthesizedTemplates } from '../support/template-exposure';

// Every template this file synthesizes is scanned for sentinel secrets (test-reports/reliability/exposure/).
scanSynthesizedTemplates();

describe('SignupToken', () => {
  test('lifetime, usage limit and groups go to the resource; the link goes to a secret it owns, never the template', () => {
    const { stack, pocketId } = stackWithPocketId();
    const team = new UserGroup(stack, 'Team', { pocketId, name: 'team', friendlyName: 'Team' });
    const token = new SignupToken(stack, 'Invite', { pocketId, lifetime: Duration.days(7), usageLimit: 10, userGroups: [team], tokenVersion: 'v1' });
    const template = Template.fromStack(stack);
    const groupId = Object.keys(template.findResources('Custom::PocketIdUserGroup'))[0];
    const secretId = Object.keys(template.findResources('AWS::SecretsManager::Secret')).find((id) => id.startsWith('InviteSignupLinkSecret'))!;
    template.hasResourceProperties('Custom::PocketIdSignupToken', {
      LifetimeSeconds: '604800',
      UsageLimit: '10',
      UserGroupIds: [{ 'Fn::GetAtt': [groupId, 'GroupId'] }],
      TokenVersion: 'v1',
      SignupLinkSecretArn: { Ref: secretId },
    });
    template.hasResource('Custom::PocketIdSignupToken', { DeletionPolicy: 'Delete' });
    expect(stack.resolve(token.signupTokenId)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Invite/), 'SignupTokenId'] });
    expect(stack.resolve(token.expiresAt)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Invite/), 'ExpiresAt'] });
  });

  test('defaults: one day, one use, no groups, deleted with the stack', () => {
    const { stack, pocketId } = stackWithPocketId();
    new SignupToken(stack, 'Invite', { pocketId });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('Custom::PocketIdSignupToken', {
      LifetimeSeconds: '86400', UsageLimit: '1', UserGroupIds: Match.absent(), TokenVersion: Match.absent(),
    });
    template.hasResource('Custom::PocketIdSignupToken', { DeletionPolicy: 'Delete' });
  });

  test('RETAIN keeps the token; the secret goes with the stack', () => {
    const { stack, pocketId } = stackWithPocketId();
    new SignupToken(stack, 'Invite', { pocketId, removalPolicy: RemovalPolicy.RETAIN });
    const template = Template.fromStack(stack);
    template.hasResource('Custom::PocketIdSignupToken', { DeletionPolicy: 'Retain' });
    template.hasResource('AWS::SecretsManager::Secret', { DeletionPolicy: 'Delete', Properties: { Description: Match.stringLikeRegexp('signup link') } });
  });

  test('grantReadSignupLink lets a grantee read the secret, and the handler may write it', () => {
    const { stack, pocketId } = stackWithPocketId();
    const token = new SignupToken(stack, 'Invite', { pocketId });
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    token.grantReadSignupLink(role);
    const template = Template.fromStack(stack);
    const policies = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    expect(policies).toContain('secretsmanager:GetSecretValue');
    expect(policies).toContain('secretsmanager:PutSecretValue');
  });

  test.each([
    ['a lifetime of 1 second', { lifetime: Duration.seconds(1) }, /lifetime must be whole seconds, more than 1 second and at most 744 hours/],
    ['a lifetime over 31 days', { lifetime: Duration.hours(745) }, /lifetime must be whole seconds.*got 2682000 s/],
    ['a lifetime in part seconds', { lifetime: Duration.millis(1500) }, /lifetime must be whole seconds.*got 1.5 s/],
    ['a usage limit of 0', { usageLimit: 0 }, /usageLimit must be a whole number from 1 to 100 \(got 0\)/],
    ['a usage limit of 101', { usageLimit: 101 }, /usageLimit must be a whole number from 1 to 100 \(got 101\)/],
    ['a usage limit of 2.5', { usageLimit: 2.5 }, /usageLimit must be a whole number from 1 to 100 \(got 2.5\)/],
  ])('%s is refused at synth, naming the field and the rule', (_label, props, message) => {
    const { stack, pocketId } = stackWithPocketId();
    expect(() => new SignupToken(stack, 'Invite', { pocketId, ...props })).toThrow(message);
  });

  test('a group of another Pocket-ID, or one named twice, is refused', () => {
    const { stack, pocketId } = stackWithPocketId();
    const other = new PocketId(stack, 'Other', { baseUrl: 'https://other.example.com', apiToken: pocketId.apiToken });
    const foreign = UserGroup.fromGroupId(stack, 'Foreign', other, '6f1c2a52-3d1e-4b8a-9c1f-0e2d3c4b5a69');
    expect(() => new SignupToken(stack, 'Invite', { pocketId, userGroups: [foreign] })).toThrow(/userGroups\[0\]/);
    const twice = UserGroup.fromGroupId(stack, 'Twice', pocketId, '6f1c2a52-3d1e-4b8a-9c1f-0e2d3c4b5a69');
    expect(() => new SignupToken(stack, 'Twice2', { pocketId, userGroups: [twice, twice] })).toThrow(/userGroups names the group 6f1c2a52-\S+ more than once/);
  });
});
