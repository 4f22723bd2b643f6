import { Template } from 'aws-cdk-lib/assertions';
import { createDirectoryApp, sampleDirectory, userIdFor, USERS_PER_STACK } from '../../examples/large-directory/app';
import { scanSynthesizedTemplates } from '../support/template-exposure';

// Every template this file synthesizes is scanned for sentinel secrets (test-reports/reliability/exposure/).
scanSynthesizedTemplates();

/** CloudFormation's limit. */
const MAX_RESOURCES_PER_STACK = 500;

describe('a directory of thousands of users across stacks', () => {
  const people = sampleDirectory(2000);
  const { shards, groups } = createDirectoryApp(people);

  test('users are spread over shards, each under CloudFormation\'s 500 resources', () => {
    expect(shards).toHaveLength(Math.ceil(2000 / USERS_PER_STACK));
    let users = 0;
    for (const shard of shards) {
      const template = Template.fromStack(shard).toJSON();
      const resources = Object.values<any>(template.Resources);
      expect(resources.length).toBeLessThan(MAX_RESOURCES_PER_STACK);
      users += resources.filter((r) => r.Type === 'Custom::PocketIdUser').length;
    }
    expect(users).toBe(2000);
  });

  test('groups name their members by the users\' fixed ids, with no cross-stack export, after the shards', () => {
    const template = Template.fromStack(groups).toJSON();
    const everyone = Object.values<any>(template.Resources).find((r) => r.Type === 'Custom::PocketIdUserGroup' && r.Properties.Name === 'everyone');
    expect(everyone.Properties.MemberUserIds).toHaveLength(2000);
    expect(everyone.Properties.MemberUserIds).toContain(userIdFor('person0001'));
    expect(JSON.stringify(template)).not.toContain('Fn::ImportValue');
    expect(groups.dependencies.map((stack) => stack.stackName).sort()).toEqual(shards.map((shard) => shard.stackName).sort());
    const shardTemplate = Template.fromStack(shards[0]);
    shardTemplate.hasResourceProperties('Custom::PocketIdUser', { Username: 'person0001', UserId: userIdFor('person0001') });
  });

  test('a signup token for newcomers joins a group; its link is in a secret, not in the template', () => {
    const template = Template.fromStack(groups);
    template.hasResourceProperties('Custom::PocketIdSignupToken', { LifetimeSeconds: '604800', UsageLimit: '20', TokenVersion: 'week-1' });
    const token = Object.values<any>(template.toJSON().Resources).find((r) => r.Type === 'Custom::PocketIdSignupToken');
    expect(token.Properties.UserGroupIds).toHaveLength(1);
    expect(token.Properties.SignupLinkSecretArn).toEqual({ Ref: expect.stringMatching(/^NewcomerInviteSignupLinkSecret/) });
  });

  test('fixed ids are stable and distinct', () => {
    expect(userIdFor('person0001')).toBe(userIdFor('PERSON0001'));
    expect(new Set(people.map((person) => userIdFor(person.username))).size).toBe(2000);
    expect(userIdFor('alice')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
