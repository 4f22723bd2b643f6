/**
 * One synth in a fresh Node.js process: a stack of N Pocket-ID entities (a mix of users, groups with
 * members and clients with allowed groups), or the baseline, N plain ssm.StringParameter. Both kinds
 * import the same modules before the clock starts, so that peak memory differs by the synth alone.
 * Two more kinds, N plain users or N confidential clients, count the resources per entity at the
 * extremes. Writes its figures as JSON to file descriptor 3.
 *
 *   node -r ts-node/register synth-stack.ts <pocket-id|ssm|users|confidential-clients> <N> <outdir>
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { OidcClient, PocketId, User, UserGroup } from '../../../lib';

export interface SynthFigures {
  readonly kind: string;
  readonly entities: number;
  /** Building the construct tree. */
  readonly constructMs: number;
  /** app.synth(): validation, tokens, template and asset written. */
  readonly synthMs: number;
  readonly totalMs: number;
  /** process.resourceUsage().maxRSS, in kilobytes. */
  readonly maxRssKb: number;
  /** Resident memory once every module was loaded, before the clock started. */
  readonly rssAfterImportsKb: number;
  readonly templateBytes: number;
  readonly resources: number;
  readonly resourcesByType: Record<string, number>;
  readonly mix: Record<string, number>;
}

/** Ten entities in every block of ten. */
const BLOCK = 10;

function pocketIdStack(stack: Stack, count: number): Record<string, number> {
  const pocketId = new PocketId(stack, 'PocketId', {
    baseUrl: 'https://auth.example.com',
    apiToken: secretsmanager.Secret.fromSecretNameV2(stack, 'Token', 'pocket-id/api-token'),
  });
  const mix = { 'users': 0, 'users with claims': 0, 'groups (3 members, claims)': 0, 'confidential clients (2 allowed groups)': 0, 'public clients (1 allowed group)': 0 };
  let users: User[] = [];
  let groups: UserGroup[] = [];
  for (let i = 0; i < count; i++) {
    const slot = i % BLOCK;
    if (slot === 0) {
      users = [];
      groups = [];
    }
    if (slot < 6) {
      const withClaims = slot === 0;
      users.push(new User(stack, `User${i}`, {
        pocketId,
        username: `user${i}`,
        email: `user${i}@example.com`,
        firstName: 'User',
        lastName: String(i),
        customClaims: withClaims ? { department: 'engineering' } : undefined,
      }));
      mix[withClaims ? 'users with claims' : 'users']++;
    } else if (slot < 8) {
      const first = (slot - 6) * 3;
      groups.push(new UserGroup(stack, `Group${i}`, {
        pocketId,
        name: `group-${i}`,
        friendlyName: `Group ${i}`,
        customClaims: { team: `team-${i}` },
        members: users.slice(first, first + 3),
      }));
      mix['groups (3 members, claims)']++;
    } else if (slot === 8) {
      new OidcClient(stack, `Client${i}`, {
        pocketId,
        name: `App ${i}`,
        callbackUrls: [`https://app${i}.example.com/callback`],
        logoutCallbackUrls: [`https://app${i}.example.com/logout`],
        isPublic: false,
        pkceEnabled: true,
        allowedUserGroups: groups,
      });
      mix['confidential clients (2 allowed groups)']++;
    } else {
      new OidcClient(stack, `Client${i}`, {
        pocketId,
        name: `SPA ${i}`,
        callbackUrls: [`https://spa${i}.example.com/callback`],
        isPublic: true,
        allowedUserGroups: groups.slice(0, 1),
      });
      mix['public clients (1 allowed group)']++;
    }
  }
  return mix;
}

/** Only one kind of entity, to count its resources. */
function singleKindStack(stack: Stack, kind: string, count: number): Record<string, number> {
  const pocketId = new PocketId(stack, 'PocketId', {
    baseUrl: 'https://auth.example.com',
    apiToken: secretsmanager.Secret.fromSecretNameV2(stack, 'Token', 'pocket-id/api-token'),
  });
  for (let i = 0; i < count; i++) {
    if (kind === 'users') {
      new User(stack, `User${i}`, { pocketId, username: `user${i}`, email: `user${i}@example.com` });
    } else {
      new OidcClient(stack, `Client${i}`, { pocketId, name: `App ${i}`, callbackUrls: [`https://app${i}.example.com/callback`], isPublic: false });
    }
  }
  return { [kind]: count };
}

function ssmStack(stack: Stack, count: number): Record<string, number> {
  for (let i = 0; i < count; i++) {
    new ssm.StringParameter(stack, `Parameter${i}`, { parameterName: `/bench/parameter-${i}`, stringValue: `value ${i}` });
  }
  return { 'ssm.StringParameter': count };
}

function main(): void {
  const [kind, countText, outdir] = process.argv.slice(2);
  const count = Number(countText);
  const rssAfterImportsKb = Math.round(process.memoryUsage().rss / 1024);
  const started = performance.now();
  const app = new App({ outdir });
  const stack = new Stack(app, 'Bench', { env: { account: '123456789012', region: 'eu-west-1' } });
  const mix = kind === 'pocket-id' ? pocketIdStack(stack, count) : kind === 'ssm' ? ssmStack(stack, count) : singleKindStack(stack, kind, count);
  const built = performance.now();
  const assembly = app.synth();
  const done = performance.now();
  const artifact = assembly.getStackByName(stack.stackName);
  const templateBytes = fs.statSync(path.join(outdir, artifact.templateFile)).size;
  const resources = Object.values(artifact.template.Resources ?? {}) as Array<{ Type: string }>;
  const resourcesByType: Record<string, number> = {};
  for (const resource of resources) resourcesByType[resource.Type] = (resourcesByType[resource.Type] ?? 0) + 1;
  const figures: SynthFigures = {
    kind,
    entities: count,
    constructMs: built - started,
    synthMs: done - built,
    totalMs: done - started,
    maxRssKb: process.resourceUsage().maxRSS,
    rssAfterImportsKb,
    templateBytes,
    resources: resources.length,
    resourcesByType,
    mix,
  };
  fs.writeSync(3, JSON.stringify(figures));
}

main();
