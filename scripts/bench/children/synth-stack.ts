/**
 * One synth in a fresh Node.js process: a stack of N Pocket-ID entities (a mix of every entity type
 * the library has); the baseline, N plain ssm.StringParameter; or the floor,
 * those N parameters plus one Lambda function from an asset directory behind one cr.Provider, the
 * fixed part any library with Lambda-backed custom resources has. Every kind runs the same top-level
 * imports before the clock starts; aws-cdk-lib loads many internal modules lazily, on first use, so
 * those load inside the clock, as part of what each construct costs. Two more kinds, N plain users or
 * N confidential clients, count the resources per entity at the extremes. Writes its figures as JSON
 * to file descriptor 3.
 *
 *   node -r ts-node/register synth-stack.ts <pocket-id|floor|ssm|users|confidential-clients> <N> <outdir>
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import * as cr from 'aws-cdk-lib/custom-resources';
import {
  Api, ApplicationConfiguration, ApplicationImage, ApplicationImages, ClientLogo, OidcClient, PocketId,
  ScimServiceProvider, SignupMode, SignupToken, User, UserGroup,
} from '../../../lib';
import { HANDLER_ASSET } from '../support/paths';

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
  /** Resident memory once the top-level imports were loaded, before the clock started. */
  readonly rssAfterImportsKb: number;
  /** Modules first required while the clock ran: mostly aws-cdk-lib's, which it loads lazily. */
  readonly modulesLoadedInClock: number;
  /** The same modules by area: an aws-cdk-lib submodule (`aws-cdk-lib/aws-iam`) or another package. */
  readonly modulesLoadedInClockByArea: Record<string, number>;
  readonly templateBytes: number;
  readonly resources: number;
  readonly resourcesByType: Record<string, number>;
  readonly mix: Record<string, number>;
}


/** What the entities of one block refer to: its users, groups and confidential clients so far, and its API. */
interface Block {
  readonly stack: Stack;
  readonly pocketId: PocketId;
  readonly scimToken: secretsmanager.ISecret;
  readonly users: User[];
  readonly groups: UserGroup[];
  readonly clients: OidcClient[];
  api?: Api;
}

/** One entity of a block, made as the i-th of the stack; returns what the mix counts it as. */
type Slot = (block: Block, i: number) => string;

function user(withClaims: boolean): Slot {
  return (block, i) => {
    block.users.push(new User(block.stack, `User${i}`, {
      pocketId: block.pocketId,
      username: `user${i}`,
      email: `user${i}@example.com`,
      firstName: 'User',
      lastName: String(i),
      customClaims: withClaims ? { department: 'engineering' } : undefined,
    }));
    return withClaims ? 'users with claims' : 'users';
  };
}

/** A group of the block's last three users, or (`members` false) one that users join from their side. */
function group(members: boolean): Slot {
  return (block, i) => {
    block.groups.push(new UserGroup(block.stack, `Group${i}`, {
      pocketId: block.pocketId,
      name: `group-${i}`,
      friendlyName: `Group ${i}`,
      customClaims: { team: `team-${i}` },
      members: members ? block.users.slice(-3) : undefined,
    }));
    return members ? 'groups (3 members, claims)' : 'groups (members from the users\' side, claims)';
  };
}

function confidentialClient(withLogo: boolean): Slot {
  return (block, i) => {
    block.clients.push(new OidcClient(block.stack, `Client${i}`, {
      pocketId: block.pocketId,
      name: `App ${i}`,
      callbackUrls: [`https://app${i}.example.com/callback`],
      logoutCallbackUrls: [`https://app${i}.example.com/logout`],
      isPublic: false,
      pkceEnabled: true,
      allowedUserGroups: [...block.groups],
      logo: withLogo ? ClientLogo.fromUrl(`https://app${i}.example.com/logo.png`) : undefined,
    }));
    return `confidential clients (${withLogo ? 'allowed groups, logo' : 'allowed groups'})`;
  };
}

const publicClient: Slot = (block, i) => {
  new OidcClient(block.stack, `Client${i}`, {
    pocketId: block.pocketId,
    name: `SPA ${i}`,
    callbackUrls: [`https://spa${i}.example.com/callback`],
    isPublic: true,
    allowedUserGroups: block.groups.slice(0, 1),
  });
  return 'public clients (1 allowed group)';
};

const api: Slot = (block, i) => {
  block.api = new Api(block.stack, `Api${i}`, {
    pocketId: block.pocketId,
    name: `API ${i}`,
    resource: `https://api${i}.example.com`,
    permissions: [{ key: 'orders:read', name: 'Read orders' }, { key: 'orders:write', name: 'Write orders' }],
  });
  return 'APIs (2 permissions)';
};

const apiGrant: Slot = (block) => {
  block.api!.grantAccess(block.clients[0], { clientPermissions: ['orders:read'], userDelegatedPermissions: ['orders:write'] });
  return 'API grants';
};

const signupToken: Slot = (block, i) => {
  new SignupToken(block.stack, `Signup${i}`, { pocketId: block.pocketId, lifetime: Duration.days(7), usageLimit: 10, userGroups: block.groups.slice(0, 1) });
  return 'signup tokens (1 group)';
};

const scimProvider: Slot = (block, i) => {
  new ScimServiceProvider(block.stack, `Scim${i}`, { client: block.clients[0], endpoint: `https://scim${i}.example.com/scim/v2`, token: block.scimToken });
  return 'SCIM service providers';
};

/** A user joining the block's last group (one without declared members) from the user's side. */
const userJoiningGroup: Slot = (block, i) => {
  new User(block.stack, `User${i}`, { pocketId: block.pocketId, username: `user${i}`, email: `user${i}@example.com`, groups: block.groups.slice(-1) });
  return 'users joining a group from their side';
};

/**
 * A block of twenty: nine users (one with custom claims), three groups (two of three users each, one
 * that a user joins from the user's side), two confidential clients allowing the groups made before
 * them (one with a logo from a URL), one public client, one API with two permissions and its grant to
 * the first client, one signup token, one SCIM service provider for the first client, and that user.
 * Every entity type comes in the first eight, so that a stack of 10 holds each type this library loads
 * code for (aws-cdk-lib loads its modules on first use): the cost of the first of a kind is then part
 * of the fixed cost at every size, not a step between 10 and 100.
 */
const BLOCK: readonly Slot[] = [
  user(true), user(false), user(false), group(true), confidentialClient(true), api, apiGrant, signupToken,
  scimProvider, publicClient, user(false), user(false), user(false), group(true), user(false), user(false),
  group(false), userJoiningGroup, confidentialClient(false), user(false),
];

/** Every entity type of the library: once per stack, counted among the N, the application configuration and images; then blocks of BLOCK. */
function pocketIdStack(stack: Stack, count: number): Record<string, number> {
  const pocketId = new PocketId(stack, 'PocketId', {
    baseUrl: 'https://auth.example.com',
    apiToken: secretsmanager.Secret.fromSecretNameV2(stack, 'Token', 'pocket-id/api-token'),
  });
  const mix: Record<string, number> = {};
  const counted = (kind: string) => { mix[kind] = (mix[kind] ?? 0) + 1; };
  new ApplicationConfiguration(stack, 'Configuration', { pocketId, applicationName: 'Bench ID', sessionDuration: Duration.hours(8), signup: { mode: SignupMode.WITH_TOKEN } });
  counted('application configuration');
  new ApplicationImages(stack, 'Images', { pocketId, logo: ApplicationImage.fromUrl('https://cdn.example.com/logo.png') });
  counted('application images');
  const scimToken = secretsmanager.Secret.fromSecretNameV2(stack, 'ScimToken', 'scim/bench-token');
  let block: Block | undefined;
  for (let i = 2; i < count; i++) {
    const slot = (i - 2) % BLOCK.length;
    if (slot === 0) block = { stack, pocketId, scimToken, users: [], groups: [], clients: [] };
    counted(BLOCK[slot](block!, i));
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

/**
 * The SSM baseline plus what any Lambda-backed custom-resource library synthesizes once: a function
 * from an asset directory (the real handler's, so that staging copies and hashes the same files) with
 * its log group, behind a Provider, whose framework function is a second asset.
 */
function floorStack(stack: Stack, count: number): Record<string, number> {
  const parameters = ssmStack(stack, count);
  const onEvent = new lambda.Function(stack, 'Handler', {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromAsset(path.dirname(HANDLER_ASSET)),
    logGroup: new logs.LogGroup(stack, 'HandlerLogs'),
  });
  new cr.Provider(stack, 'Provider', { onEventHandler: onEvent });
  return { ...parameters, 'lambda.Function behind a cr.Provider': 1 };
}

const STACKS: Record<string, (stack: Stack, count: number) => Record<string, number>> = {
  'pocket-id': pocketIdStack,
  'floor': floorStack,
  'ssm': ssmStack,
  'users': (stack, count) => singleKindStack(stack, 'users', count),
  'confidential-clients': (stack, count) => singleKindStack(stack, 'confidential-clients', count),
};

function loadedModules(): Set<string> {
  return new Set(Object.keys(require.cache));
}

/** `aws-cdk-lib/<submodule>` for aws-cdk-lib's own files, else the innermost package, else `other`. */
function moduleArea(file: string): string {
  const submodule = /node_modules\/aws-cdk-lib\/(?!node_modules\/)([^/]+)\//.exec(file);
  if (submodule) return `aws-cdk-lib/${submodule[1]}`;
  const packages = [...file.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)/g)];
  return packages.length > 0 ? packages[packages.length - 1][1] : 'other';
}

function countByArea(files: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const file of files) counts[moduleArea(file)] = (counts[moduleArea(file)] ?? 0) + 1;
  return counts;
}

function main(): void {
  const [kind, countText, outdir] = process.argv.slice(2);
  const count = Number(countText);
  const build = STACKS[kind];
  if (!build) throw new Error(`unknown kind ${kind}: choose from ${Object.keys(STACKS).join(', ')}`);
  const rssAfterImportsKb = Math.round(process.memoryUsage().rss / 1024);
  const modulesBefore = loadedModules();
  const started = performance.now();
  const app = new App({ outdir });
  const stack = new Stack(app, 'Bench', { env: { account: '123456789012', region: 'eu-west-1' } });
  const mix = build(stack, count);
  const built = performance.now();
  const assembly = app.synth();
  const done = performance.now();
  const modulesLoadedInClock = [...loadedModules()].filter((file) => !modulesBefore.has(file));
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
    modulesLoadedInClock: modulesLoadedInClock.length,
    modulesLoadedInClockByArea: countByArea(modulesLoadedInClock),
    templateBytes,
    resources: resources.length,
    resourcesByType,
    mix,
  };
  fs.writeSync(3, JSON.stringify(figures));
}

main();
