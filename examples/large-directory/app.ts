/**
 * A directory of thousands of users, past CloudFormation's 500 resources per stack.
 *
 * Each Pocket-ID user is one CloudFormation resource, and every stack that holds Pocket-ID resources also
 * holds the handler (a fixed handful of resources), so one stack takes a few hundred users. Past that:
 * - users are spread over "shard" stacks of at most USERS_PER_STACK each;
 * - every user gets a fixed id derived from its username, so a group in another stack names its members
 *   by id: no cross-stack exports (CloudFormation limits those too), no lookups;
 * - the groups stack depends on every shard, so CloudFormation creates users before groups and deletes
 *   groups before users.
 *
 * From the repository root, after `bash scripts/install.sh` (the first command bundles the handler
 * Lambda: needed once after a clone, and again after a change under lambda/):
 *
 *   npx projen pre-compile
 *   npx cdk synth --app "npx ts-node --prefer-ts-exts --project test/tsconfig.json examples/large-directory/app.ts" --output cdk.out/large-directory
 *
 * In your own app, import from 'cdk-pocket-id' instead of '../../lib'.
 */
import { createHash } from 'crypto';
import { App, Duration, Stack, StackProps } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { PocketId, SignupToken, User, UserGroup } from '../../lib';

/** Leaves room under CloudFormation's 500 resources for the handler and for growth. */
export const USERS_PER_STACK = 450;

export interface Person {
  readonly username: string;
  readonly email: string;
  readonly firstName: string;
  readonly lastName: string;
  /** Names of the groups the person belongs to. */
  readonly groups: string[];
}

/** The same UUID for the same username, every synth: users keep their ids across deploys and stacks. */
export function userIdFor(username: string): string {
  const hex = createHash('sha256').update(`cdk-pocket-id example directory\n${username.toLowerCase()}`).digest('hex');
  const variant = '89ab'[parseInt(hex[16], 16) % 4];
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function connect(scope: Construct): PocketId {
  return new PocketId(scope, 'PocketId', {
    baseUrl: process.env.POCKETID_BASE_URL ?? 'https://auth.example.com',
    apiToken: secretsmanager.Secret.fromSecretNameV2(scope, 'Token', 'pocket-id/api-token'),
  });
}

/** One shard of the directory: up to USERS_PER_STACK users. */
export class UserShardStack extends Stack {
  constructor(scope: Construct, id: string, people: readonly Person[], props?: StackProps) {
    super(scope, id, props);
    const pocketId = connect(this);
    for (const person of people) {
      new User(this, person.username, {
        pocketId,
        username: person.username,
        userId: userIdFor(person.username),
        email: person.email,
        firstName: person.firstName,
        lastName: person.lastName,
      });
    }
  }
}

/** The groups, with members named by their fixed ids. */
export class GroupsStack extends Stack {
  constructor(scope: Construct, id: string, people: readonly Person[], props?: StackProps) {
    super(scope, id, props);
    const pocketId = connect(this);
    const groups = new Map<string, UserGroup>();
    for (const groupName of [...new Set(people.flatMap((person) => person.groups))].sort()) {
      const group = new UserGroup(this, `Group-${groupName}`, { pocketId, name: groupName, friendlyName: groupName, members: [] });
      for (const person of people.filter((p) => p.groups.includes(groupName))) {
        group.addMember(User.fromUserId(this, `${groupName}-${person.username}`, pocketId, userIdFor(person.username)));
      }
      groups.set(groupName, group);
    }
    // Newcomers who are not in the HR export yet sign themselves up with this link (the secret
    // `NewcomerInvite` holds it) and join the first team's group. It dies after 7 days: change
    // tokenVersion (here: the week) and deploy to hand out a new one.
    const firstTeam = [...groups.values()][0];
    if (firstTeam) {
      new SignupToken(this, 'NewcomerInvite', { pocketId, lifetime: Duration.days(7), usageLimit: 20, userGroups: [firstTeam], tokenVersion: 'week-1' });
    }
  }
}

export function createDirectoryApp(people: readonly Person[], outdir?: string): { app: App; shards: UserShardStack[]; groups: GroupsStack } {
  const app = new App({ outdir });
  const env = { account: process.env.CDK_DEFAULT_ACCOUNT ?? '123456789012', region: process.env.CDK_DEFAULT_REGION ?? 'eu-west-1' };
  const shards: UserShardStack[] = [];
  for (let start = 0; start < people.length; start += USERS_PER_STACK) {
    const number = String(shards.length + 1).padStart(2, '0');
    shards.push(new UserShardStack(app, `PocketIdDirectoryUsers${number}`, people.slice(start, start + USERS_PER_STACK), { env }));
  }
  const groups = new GroupsStack(app, 'PocketIdDirectoryGroups', people, { env });
  for (const shard of shards) groups.addDependency(shard);
  return { app, shards, groups };
}

/** A made-up directory: in real use, read it from your HR system's export. */
export function sampleDirectory(size: number): Person[] {
  const teams = ['engineering', 'sales', 'support', 'finance', 'operations'];
  return Array.from({ length: size }, (_, index) => {
    const username = `person${String(index + 1).padStart(4, '0')}`;
    return {
      username,
      email: `${username}@example.com`,
      firstName: 'Person',
      lastName: String(index + 1),
      groups: ['everyone', teams[index % teams.length]],
    };
  });
}

if (require.main === module) {
  createDirectoryApp(sampleDirectory(Number(process.env.DIRECTORY_SIZE ?? 2000))).app.synth();
}
