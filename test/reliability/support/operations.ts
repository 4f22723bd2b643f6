import { BASE_RELEASE, Lane } from './lane';
import { IntendedModel, MODELS } from './model';
import { LookupKind, ResourceType } from '../../../lib/contract';
import { without } from '../../support/acceptance';
import { PocketIdDirectory } from '../../support/pocket-id-directory';
import { TestObjects } from '../../support/s3-objects';

/** What one case sends, and which secrets belong to its state. */
export interface Scenario {
  readonly event: Record<string, unknown>;
  /** Secrets whose values the case compares, by role. */
  readonly secrets: Record<string, string>;
}

/**
 * One operation of one resource type. `prepare` builds its starting state on an empty Pocket-ID
 * (through the handler itself when an entity must exist first) and returns the event to send;
 * every id in it is fixed (request ids, user ids), so that each run of the case makes the same ids.
 * `intended` is what a SUCCESS must leave and answer, from the state before and the event alone.
 */
export interface Operation {
  readonly resource: string;
  readonly resourceType: string;
  readonly name: string;
  readonly intended: IntendedModel;
  /** The Pocket-ID release its lane's test server plays; BASE_RELEASE when unset. */
  readonly release?: string;
  prepare(lane: Lane, options: { timeoutSeconds?: string }): Promise<Scenario>;
}

export function releaseOf(op: Operation): string {
  return op.release ?? BASE_RELEASE;
}

/** The operation on a lane whose test server plays `version`, reported under a name that says so ("… on Pocket-ID 2.17"). */
export function onRelease(op: Operation, version: string): Operation {
  const minor = version.split('.').slice(0, 2).join('.');
  return { ...op, release: version, name: `${op.name} on Pocket-ID ${minor}` };
}

/** The role of an API key secret the warm container has not read yet. */
export const COLD_TOKEN_ROLE = 'api-token (not cached)';

/**
 * The operation with an API key secret the warm container has not read: its event reads the key and
 * checks Pocket-ID's version first, as the first event of a container (or after a key change) does.
 * `renamed`: reported under a name that says so (false where the case's category says it already).
 */
export function coldStart(warm: Operation, renamed = true): Operation {
  return {
    ...warm,
    name: !renamed || warm.name.includes('cold') ? warm.name : `${warm.name} [cold: API key not cached]`,
    async prepare(lane, options) {
      const scenario = await warm.prepare(lane, options);
      const tokenSecretArn = await lane.freshTokenSecret();
      const properties = { ...scenario.event.ResourceProperties as Record<string, unknown>, ApiTokenSecret: tokenSecretArn };
      return { event: { ...scenario.event, ResourceProperties: properties }, secrets: { ...scenario.secrets, [COLD_TOKEN_ROLE]: tokenSecretArn } };
    },
  };
}

/** Users made as someone in Pocket-ID's UI would, with fixed ids. */
export const PEOPLE = {
  bob: { id: '0b0b0b0b-0000-4000-8000-000000000001', username: 'bob', email: 'bob@example.com', firstName: 'Bob' },
  bobby: { id: '0b0b0b0b-0000-4000-8000-000000000002', username: 'bobby', email: 'bobby@example.com', firstName: 'Bobby' },
  carol: { id: '0c0c0c0c-0000-4000-8000-000000000003', username: 'carol', email: 'carol@example.com', firstName: 'Carol' },
  dave: { id: '0d0d0d0d-0000-4000-8000-000000000004', username: 'dave', email: 'dave@example.com', firstName: 'Dave' },
} as const;

export function directoryOf(lane: Lane): PocketIdDirectory {
  const { server } = lane;
  return new PocketIdDirectory({ baseUrl: server.baseUrl, apiToken: server.apiToken, testServer: server, close: async () => undefined });
}

export function createEvent(logicalId: string, properties: Record<string, unknown>, requestId: string): Record<string, unknown> {
  return { RequestType: 'Create', LogicalResourceId: logicalId, ResourceProperties: properties, RequestId: requestId };
}

export function updateEvent(
  logicalId: string,
  physicalId: string,
  properties: Record<string, unknown>,
  oldProperties: Record<string, unknown>,
  requestId: string,
): Record<string, unknown> {
  return {
    RequestType: 'Update',
    LogicalResourceId: logicalId,
    PhysicalResourceId: physicalId,
    ResourceProperties: properties,
    OldResourceProperties: oldProperties,
    RequestId: requestId,
  };
}

export function deleteEvent(logicalId: string, physicalId: string, properties: Record<string, unknown>, requestId: string): Record<string, unknown> {
  return { RequestType: 'Delete', LogicalResourceId: logicalId, PhysicalResourceId: physicalId, ResourceProperties: properties, RequestId: requestId };
}

/** Sends a Create that must succeed (the starting state of a case); returns the physical id. */
export async function establish(lane: Lane, event: Record<string, unknown>): Promise<string> {
  const step = await lane.send(event);
  if (step.response.Status !== 'SUCCESS') throw new Error(`setting up the starting state failed: ${step.response.Reason}`);
  return step.response.PhysicalResourceId;
}

// OIDC clients

const WEB_APP = {
  Name: 'web-app',
  CallbackUrls: ['https://app.example.com/callback'],
  LogoutCallbackUrls: ['https://app.example.com/logout'],
  PkceEnabled: 'true',
  Description: 'the web app',
};

async function confidentialClient(lane: Lane, extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  return lane.properties({ ...WEB_APP, IsPublic: 'false', SecretArn: await lane.ownedSecret('client-secret'), ...extra });
}

function publicClient(lane: Lane, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return lane.properties({ Name: 'spa', CallbackUrls: ['https://spa.example.com/callback'], IsPublic: 'true', ...extra });
}

async function clientRoles(lane: Lane): Promise<Record<string, string>> {
  return { 'client-secret': await lane.ownedSecret('client-secret') };
}

const client = (name: string, prepare: Operation['prepare']): Operation => operation('OIDC client', ResourceType.OIDC_CLIENT, name, prepare);

function operation(resource: string, resourceType: string, name: string, prepare: Operation['prepare']): Operation {
  return { resource, resourceType, name, prepare, intended: MODELS[resourceType] };
}

export const CLIENT_OPERATIONS: readonly Operation[] = [
  client('create (confidential)', async (lane, { timeoutSeconds }) => {
    const readers = await directoryOf(lane).createGroup('readers', 'Readers');
    const props = await confidentialClient(lane, { AllowedUserGroupIds: [readers] });
    return { event: createEvent('WebApp', withTimeout(props, timeoutSeconds), 'create-confidential'), secrets: await clientRoles(lane) };
  }),
  client('create (public)', async (lane, { timeoutSeconds }) => {
    const readers = await directoryOf(lane).createGroup('readers', 'Readers');
    const props = withTimeout(publicClient(lane, { AllowedUserGroupIds: [readers] }), timeoutSeconds);
    return { event: createEvent('Spa', props, 'create-public'), secrets: await clientRoles(lane) };
  }),
  client('update (in place)', async (lane, { timeoutSeconds }) => {
    const directory = directoryOf(lane);
    const readers = await directory.createGroup('readers', 'Readers');
    const writers = await directory.createGroup('writers', 'Writers');
    const old = await confidentialClient(lane, { AllowedUserGroupIds: [readers] });
    const clientId = await establish(lane, createEvent('WebApp', old, 'update-in-place-setup'));
    // Fields the stack never declared, set in Pocket-ID's UI: the update must keep them.
    await directory.editClient(clientId, { launchURL: 'https://app.example.com/home', requiresReauthentication: true });
    const next = { ...without(old, 'Description'), Name: 'web-app-renamed', SkipConsent: 'true', AllowedUserGroupIds: [readers, writers] };
    return { event: updateEvent('WebApp', clientId, withTimeout(next, timeoutSeconds), old, 'update-in-place'), secrets: await clientRoles(lane) };
  }),
  client('update (public to confidential)', async (lane, { timeoutSeconds }) => {
    const old = publicClient(lane);
    const clientId = await establish(lane, createEvent('Spa', old, 'to-confidential-setup'));
    const next = { ...old, IsPublic: 'false', SecretArn: await lane.ownedSecret('client-secret') };
    return { event: updateEvent('Spa', clientId, withTimeout(next, timeoutSeconds), old, 'to-confidential'), secrets: await clientRoles(lane) };
  }),
  client('update (confidential to public)', async (lane, { timeoutSeconds }) => {
    const old = await confidentialClient(lane);
    const clientId = await establish(lane, createEvent('WebApp', old, 'to-public-setup'));
    const next = { ...without(old, 'SecretArn'), IsPublic: 'true' };
    return { event: updateEvent('WebApp', clientId, withTimeout(next, timeoutSeconds), old, 'to-public'), secrets: await clientRoles(lane) };
  }),
  client('update (replacement: client id change)', async (lane, { timeoutSeconds }) => {
    const old = await confidentialClient(lane, { ClientId: 'web-app-a' });
    const clientId = await establish(lane, createEvent('WebApp', old, 'replacement-setup'));
    const next = { ...old, ClientId: 'web-app-b' };
    return { event: updateEvent('WebApp', clientId, withTimeout(next, timeoutSeconds), old, 'replacement'), secrets: await clientRoles(lane) };
  }),
  client('create (adopting a client made outside the stack)', async (lane, { timeoutSeconds }) => {
    const directory = directoryOf(lane);
    const readers = await directory.createGroup('readers', 'Readers');
    const clientId = await directory.createConfidentialClient('legacy-web-app', 'legacy-web-app');
    await directory.createClientSecret(clientId);
    const props = await confidentialClient(lane, { ClientId: clientId, AdoptExisting: 'true', AllowedUserGroupIds: [readers] });
    return { event: createEvent('WebApp', withTimeout(props, timeoutSeconds), 'create-adopting'), secrets: await clientRoles(lane) };
  }),
  client('create (logos from files)', async (lane, { timeoutSeconds }) => {
    const objects = new TestObjects();
    const props = publicClient(lane, { Logo: await objects.asset('logo.svg', svgImage('light')), DarkLogo: await objects.asset('dark.png', pngLike('dark')) });
    return { event: createEvent('Spa', withTimeout(props, timeoutSeconds), 'create-logos'), secrets: {} };
  }),
  client('update (logos: one replaced, one removed)', async (lane, { timeoutSeconds }) => {
    const objects = new TestObjects();
    const old = publicClient(lane, { Logo: await objects.asset('logo.svg', svgImage('light')), DarkLogo: await objects.asset('dark.png', pngLike('dark')) });
    const clientId = await establish(lane, createEvent('Spa', old, 'update-logos-setup'));
    const next = { ...without(old, 'DarkLogo'), Logo: await objects.asset('logo.png', pngLike('light, new')) };
    return { event: updateEvent('Spa', clientId, withTimeout(next, timeoutSeconds), old, 'update-logos'), secrets: {} };
  }),
  client('delete', async (lane, { timeoutSeconds }) => {
    const props = await confidentialClient(lane);
    const clientId = await establish(lane, createEvent('WebApp', props, 'delete-setup'));
    return { event: deleteEvent('WebApp', clientId, withTimeout(props, timeoutSeconds), 'delete'), secrets: await clientRoles(lane) };
  }),
];

function svgImage(marker: string): Buffer {
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg"><title>${marker}</title></svg>`);
}

function pngLike(marker: string): Buffer {
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from(marker)]);
}

// Users

const ALICE = {
  Username: 'alice',
  Email: 'alice@example.com',
  FirstName: 'Alice',
  LastName: 'Liddell',
  CustomClaims: [{ Key: 'team', Value: 'core' }],
};

async function userRoles(lane: Lane): Promise<Record<string, string>> {
  return { 'login-link': await lane.ownedSecret('login-link') };
}

const user = (name: string, prepare: Operation['prepare']): Operation => operation('user', ResourceType.USER, name, prepare);

export const USER_OPERATIONS: readonly Operation[] = [
  user('create (claims, login link)', async (lane, { timeoutSeconds }) => {
    const props = lane.properties({ ...ALICE, LoginLinkLifetimeSeconds: '3600', LoginLinkSecretArn: await lane.ownedSecret('login-link') }, { timeoutSeconds });
    return { event: createEvent('Alice', props, 'create-user'), secrets: await userRoles(lane) };
  }),
  user('update (fields, claims, new login link)', async (lane, { timeoutSeconds }) => {
    const old = lane.properties(ALICE);
    const userId = await establish(lane, createEvent('Alice', old, 'update-user-setup'));
    // Fields the stack never declared, set in Pocket-ID's UI: the update must keep them.
    await directoryOf(lane).editUser(userId, { displayName: 'Alice L.', locale: 'en' });
    const next = {
      ...old,
      FirstName: 'Alicia',
      Email: 'alicia@example.com',
      CustomClaims: [{ Key: 'team', Value: 'platform' }, { Key: 'level', Value: '2' }],
      LoginLinkLifetimeSeconds: '3600',
      LoginLinkSecretArn: await lane.ownedSecret('login-link'),
    };
    return { event: updateEvent('Alice', userId, withTimeout(next, timeoutSeconds), old, 'update-user'), secrets: await userRoles(lane) };
  }),
  user('create (groups from the user\'s side)', async (lane, { timeoutSeconds }) => {
    const directory = directoryOf(lane);
    const groups = [await directory.createGroup('readers', 'Readers'), await directory.createGroup('writers', 'Writers')];
    const props = lane.properties({ ...ALICE, UserGroupIds: groups }, { timeoutSeconds });
    return { event: createEvent('Alice', props, 'create-user-in-groups'), secrets: {} };
  }),
  user('update (groups from the user\'s side)', async (lane, { timeoutSeconds }) => {
    const directory = directoryOf(lane);
    const [readers, writers, ops] = [await directory.createGroup('readers', 'Readers'), await directory.createGroup('writers', 'Writers'),
      await directory.createGroup('ops', 'Ops')];
    const old = lane.properties({ ...ALICE, UserGroupIds: [readers] });
    const userId = await establish(lane, createEvent('Alice', old, 'update-user-groups-setup'));
    // A membership added in Pocket-ID's UI: the user's resource owns only the memberships it declares.
    await directory.addMember(ops, userId);
    const next = { ...old, UserGroupIds: [writers] };
    return { event: updateEvent('Alice', userId, withTimeout(next, timeoutSeconds), old, 'update-user-groups'), secrets: {} };
  }),
  user('delete', async (lane, { timeoutSeconds }) => {
    const props = lane.properties(ALICE);
    const userId = await establish(lane, createEvent('Alice', props, 'delete-user-setup'));
    return { event: deleteEvent('Alice', userId, withTimeout(props, timeoutSeconds), 'delete-user'), secrets: await userRoles(lane) };
  }),
];

// Groups

async function createPeople(lane: Lane, ...people: Array<keyof typeof PEOPLE>): Promise<void> {
  const directory = directoryOf(lane);
  for (const person of people) await directory.createUser({ ...PEOPLE[person] });
}

const ENGINEERS = {
  Name: 'engineers',
  FriendlyName: 'Engineers',
  CustomClaims: [{ Key: 'dept', Value: 'eng' }],
  MemberUserIds: [PEOPLE.bob.id, PEOPLE.carol.id],
};

const group = (name: string, prepare: Operation['prepare']): Operation => operation('user group', ResourceType.USER_GROUP, name, prepare);

export const GROUP_OPERATIONS: readonly Operation[] = [
  group('create (claims, members)', async (lane, { timeoutSeconds }) => {
    await createPeople(lane, 'bob', 'carol');
    return { event: createEvent('Engineers', lane.properties(ENGINEERS, { timeoutSeconds }), 'create-group'), secrets: {} };
  }),
  group('update (rename, claims, members change)', async (lane, { timeoutSeconds }) => {
    await createPeople(lane, 'bob', 'carol', 'dave', 'bobby');
    const old = lane.properties(ENGINEERS);
    const groupId = await establish(lane, createEvent('Engineers', old, 'update-group-setup'));
    // A member added in Pocket-ID's UI: merge membership must keep them.
    await directoryOf(lane).addMember(groupId, PEOPLE.bobby.id);
    const next = { ...old, FriendlyName: 'Engineering', CustomClaims: [{ Key: 'dept', Value: 'engineering' }], MemberUserIds: [PEOPLE.carol.id, PEOPLE.dave.id] };
    return { event: updateEvent('Engineers', groupId, withTimeout(next, timeoutSeconds), old, 'update-group'), secrets: {} };
  }),
  group('delete', async (lane, { timeoutSeconds }) => {
    await createPeople(lane, 'bob', 'carol');
    const props = lane.properties(ENGINEERS);
    const groupId = await establish(lane, createEvent('Engineers', props, 'delete-group-setup'));
    return { event: deleteEvent('Engineers', groupId, withTimeout(props, timeoutSeconds), 'delete-group'), secrets: {} };
  }),
];

// Lookups

const lookupOf = (name: string, prepare: Operation['prepare']): Operation => operation('lookup', ResourceType.LOOKUP, name, prepare);

export const LOOKUP_OPERATIONS: readonly Operation[] = [
  lookupOf('create (warm container)', async (lane, { timeoutSeconds }) => {
    await createPeople(lane, 'bob', 'bobby');
    const props = lane.properties({ Kind: LookupKind.USER, Name: 'bob' }, { timeoutSeconds });
    return { event: createEvent('Bob', props, 'lookup'), secrets: {} };
  }),
  lookupOf('create (cold: API key not cached yet)', async (lane, { timeoutSeconds }) => {
    await createPeople(lane, 'bob', 'bobby');
    const tokenSecretArn = await lane.freshTokenSecret();
    const props = lane.properties({ Kind: LookupKind.USER, Name: 'bob' }, { timeoutSeconds, tokenSecretArn });
    return { event: createEvent('Bob', props, 'lookup-cold'), secrets: { [COLD_TOKEN_ROLE]: tokenSecretArn } };
  }),
];

// SCIM service providers

/** Two clients made in Pocket-ID's UI, with fixed ids; the provider's tokens are in secrets the user owns. */
async function scimClients(lane: Lane): Promise<void> {
  const directory = directoryOf(lane);
  await directory.createClientWithId('scim-app', 'SCIM app');
  await directory.createClientWithId('scim-other', 'SCIM other app');
}

async function scimProperties(lane: Lane, extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  return lane.properties({ ClientId: 'scim-app', Endpoint: 'https://scim.example.com/v2', TokenSecret: await lane.ownedSecret('scim-token'), ...extra });
}

async function scimRoles(lane: Lane): Promise<Record<string, string>> {
  return { 'scim-token': await lane.ownedSecret('scim-token'), 'scim-token-2': await lane.ownedSecret('scim-token-2') };
}

const scim = (name: string, prepare: Operation['prepare']): Operation => operation('SCIM service provider', ResourceType.SCIM_SERVICE_PROVIDER, name, prepare);

export const SCIM_OPERATIONS: readonly Operation[] = [
  scim('create', async (lane, { timeoutSeconds }) => {
    await scimClients(lane);
    return { event: createEvent('Scim', withTimeout(await scimProperties(lane), timeoutSeconds), 'create-scim'), secrets: await scimRoles(lane) };
  }),
  scim('update (endpoint, token)', async (lane, { timeoutSeconds }) => {
    await scimClients(lane);
    const old = await scimProperties(lane);
    const providerId = await establish(lane, createEvent('Scim', old, 'update-scim-setup'));
    const next = { ...old, Endpoint: 'https://scim2.example.com/v2', TokenSecret: await lane.ownedSecret('scim-token-2'), TokenVersion: '2' };
    return { event: updateEvent('Scim', providerId, withTimeout(next, timeoutSeconds), old, 'update-scim'), secrets: await scimRoles(lane) };
  }),
  scim('update (move to another client)', async (lane, { timeoutSeconds }) => {
    await scimClients(lane);
    const old = await scimProperties(lane);
    const providerId = await establish(lane, createEvent('Scim', old, 'move-scim-setup'));
    const next = { ...old, ClientId: 'scim-other' };
    return { event: updateEvent('Scim', providerId, withTimeout(next, timeoutSeconds), old, 'move-scim'), secrets: await scimRoles(lane) };
  }),
  scim('delete', async (lane, { timeoutSeconds }) => {
    await scimClients(lane);
    const props = await scimProperties(lane);
    const providerId = await establish(lane, createEvent('Scim', props, 'delete-scim-setup'));
    return { event: deleteEvent('Scim', providerId, withTimeout(props, timeoutSeconds), 'delete-scim'), secrets: await scimRoles(lane) };
  }),
];

// Signup tokens

async function signupRoles(lane: Lane): Promise<Record<string, string>> {
  return { 'signup-link': await lane.ownedSecret('signup-link') };
}

async function signupTokenProps(lane: Lane, extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const directory = directoryOf(lane);
  const groups = [await directory.createGroup('newcomers', 'Newcomers'), await directory.createGroup('readers', 'Readers')];
  return lane.properties({ LifetimeSeconds: '86400', UsageLimit: '5', UserGroupIds: groups, SignupLinkSecretArn: await lane.ownedSecret('signup-link'), ...extra });
}

const signupTokenOf = (name: string, prepare: Operation['prepare']): Operation => operation('signup token', ResourceType.SIGNUP_TOKEN, name, prepare);

export const SIGNUP_TOKEN_OPERATIONS: readonly Operation[] = [
  signupTokenOf('create (groups, link stored)', async (lane, { timeoutSeconds }) => {
    const props = withTimeout(await signupTokenProps(lane), timeoutSeconds);
    return { event: createEvent('Invite', props, 'create-signup-token'), secrets: await signupRoles(lane) };
  }),
  signupTokenOf('update (replacement: usage limit change)', async (lane, { timeoutSeconds }) => {
    const old = await signupTokenProps(lane);
    const tokenId = await establish(lane, createEvent('Invite', old, 'signup-token-replacement-setup'));
    const next = withTimeout({ ...old, UsageLimit: '10' }, timeoutSeconds);
    return { event: updateEvent('Invite', tokenId, next, old, 'signup-token-replacement'), secrets: await signupRoles(lane) };
  }),
  signupTokenOf('delete', async (lane, { timeoutSeconds }) => {
    const props = await signupTokenProps(lane);
    const tokenId = await establish(lane, createEvent('Invite', props, 'delete-signup-token-setup'));
    return { event: deleteEvent('Invite', tokenId, withTimeout(props, timeoutSeconds), 'delete-signup-token'), secrets: await signupRoles(lane) };
  }),
];

// APIs (resource servers) and client grants

const ORDERS_API = {
  Name: 'Orders',
  Resource: 'https://orders.example.com',
  Permissions: [{ Key: 'orders:read', Name: 'Read orders', Description: 'See every order' }, { Key: 'orders:write', Name: 'Write orders' }],
};
/** What the API's updates change: its name, a permission renamed, one replaced by another, CIMD access on. */
const ORDERS_API_UPDATE = {
  Name: 'Orders v2',
  Permissions: [{ Key: 'orders:read', Name: 'Read all orders' }, { Key: 'orders:ship', Name: 'Ship orders' }],
  CimdAccess: 'true',
  CimdPermissionKeys: ['orders:read'],
};
/** A confidential client made as someone in Pocket-ID's UI would, with a fixed id. */
const WORKER_CLIENT_ID = 'worker';

const apiOf = (name: string, prepare: Operation['prepare']): Operation => operation('API', ResourceType.API, name, prepare);

export const API_OPERATIONS: readonly Operation[] = [
  apiOf('create (permissions)', async (lane, { timeoutSeconds }) => {
    return { event: createEvent('Orders', lane.properties(ORDERS_API, { timeoutSeconds }), 'create-api'), secrets: {} };
  }),
  apiOf('update (rename, a permission removed that a grant holds, CIMD access)', async (lane, { timeoutSeconds }) => {
    const old = lane.properties(ORDERS_API);
    const apiId = await establish(lane, createEvent('Orders', old, 'update-api-setup'));
    // A grant made in the UI on the permission the update removes: Pocket-ID ends the access it implied.
    const directory = directoryOf(lane);
    await directory.createConfidentialClient('worker', WORKER_CLIENT_ID);
    await directory.setGrant(apiId, WORKER_CLIENT_ID, { userDelegatedAccess: false, clientAccess: true, userDelegatedPermissions: [], clientPermissions: ['orders:write'] });
    const next = { ...old, ...ORDERS_API_UPDATE };
    return { event: updateEvent('Orders', apiId, withTimeout(next, timeoutSeconds), old, 'update-api'), secrets: {} };
  }),
  apiOf('update (replacement: resource change)', async (lane, { timeoutSeconds }) => {
    const old = lane.properties(ORDERS_API);
    const apiId = await establish(lane, createEvent('Orders', old, 'replace-api-setup'));
    const next = { ...old, Resource: 'https://orders-v2.example.com' };
    return { event: updateEvent('Orders', apiId, withTimeout(next, timeoutSeconds), old, 'replace-api'), secrets: {} };
  }),
  apiOf('delete', async (lane, { timeoutSeconds }) => {
    const props = lane.properties(ORDERS_API);
    const apiId = await establish(lane, createEvent('Orders', props, 'delete-api-setup'));
    return { event: deleteEvent('Orders', apiId, withTimeout(props, timeoutSeconds), 'delete-api'), secrets: {} };
  }),
];

/** The API a grant case works on, made as someone in Pocket-ID's UI would, and the confidential client. */
async function grantSetup(lane: Lane): Promise<string> {
  const directory = directoryOf(lane);
  await directory.createConfidentialClient('worker', WORKER_CLIENT_ID);
  const made = await directory.createApi('Orders', ORDERS_API.Resource, ORDERS_API.Permissions.map((p) => ({ key: p.Key, name: p.Name })));
  return made.id;
}

const grantOf = (name: string, prepare: Operation['prepare']): Operation => operation('API grant', ResourceType.API_GRANT, name, prepare);

export const API_GRANT_OPERATIONS: readonly Operation[] = [
  grantOf('create (taking over a grant made in the UI)', async (lane, { timeoutSeconds }) => {
    const apiId = await grantSetup(lane);
    await directoryOf(lane).setGrant(apiId, WORKER_CLIENT_ID, { userDelegatedAccess: true, clientAccess: false, userDelegatedPermissions: ['orders:read'], clientPermissions: [] });
    const props = lane.properties({ ApiId: apiId, ClientId: WORKER_CLIENT_ID, ClientPermissionKeys: ['orders:write'], UserDelegatedAccess: 'true' }, { timeoutSeconds });
    return { event: createEvent('WorkerGrant', props, 'create-grant'), secrets: {} };
  }),
  grantOf('update (other permissions)', async (lane, { timeoutSeconds }) => {
    const apiId = await grantSetup(lane);
    const old = lane.properties({ ApiId: apiId, ClientId: WORKER_CLIENT_ID, ClientPermissionKeys: ['orders:write'] });
    const physicalId = await establish(lane, createEvent('WorkerGrant', old, 'update-grant-setup'));
    const next = { ...old, ClientPermissionKeys: ['orders:read'], UserDelegatedPermissionKeys: ['orders:read', 'orders:write'] };
    return { event: updateEvent('WorkerGrant', physicalId, withTimeout(next, timeoutSeconds), old, 'update-grant'), secrets: {} };
  }),
  grantOf('delete', async (lane, { timeoutSeconds }) => {
    const apiId = await grantSetup(lane);
    const props = lane.properties({ ApiId: apiId, ClientId: WORKER_CLIENT_ID, ClientAccess: 'true' });
    const physicalId = await establish(lane, createEvent('WorkerGrant', props, 'delete-grant-setup'));
    return { event: deleteEvent('WorkerGrant', physicalId, withTimeout(props, timeoutSeconds), 'delete-grant'), secrets: {} };
  }),
];

// The application configuration

const configuration = (name: string, prepare: Operation['prepare']): Operation =>
  operation('application configuration', ResourceType.APPLICATION_CONFIGURATION, name, prepare);

const ACME = { appName: 'Acme', sessionDuration: '120', smtpHost: 'smtp.example.com', smtpTls: 'starttls' };

export const CONFIGURATION_OPERATIONS: readonly Operation[] = [
  configuration('create (settings, default group)', async (lane, { timeoutSeconds }) => {
    const everyone = await directoryOf(lane).createGroup('everyone', 'Everyone');
    const props = lane.properties({ Settings: { ...ACME, signupDefaultUserGroupIDs: JSON.stringify([everyone]) } }, { timeoutSeconds });
    return { event: createEvent('Config', props, 'create-configuration'), secrets: {} };
  }),
  configuration('update (changed, no longer declared)', async (lane, { timeoutSeconds }) => {
    const old = lane.properties({ Settings: ACME });
    const physicalId = await establish(lane, createEvent('Config', old, 'update-configuration-setup'));
    // A setting the stack never declared, set in Pocket-ID's UI: the update must keep it.
    lane.server.setAppSettings({ accentColor: '#ff0000' });
    const next = { ...old, Settings: { appName: 'Acme ID', smtpHost: 'mail.example.com', smtpTls: 'tls' } };
    return { event: updateEvent('Config', physicalId, withTimeout(next, timeoutSeconds), old, 'update-configuration'), secrets: {} };
  }),
  configuration('delete (leaves it)', async (lane, { timeoutSeconds }) => {
    const props = lane.properties({ Settings: ACME });
    const physicalId = await establish(lane, createEvent('Config', props, 'delete-configuration-setup'));
    return { event: deleteEvent('Config', physicalId, withTimeout(props, timeoutSeconds), 'delete-configuration'), secrets: {} };
  }),
];

// The application images

const images = (name: string, prepare: Operation['prepare']): Operation => operation('application images', ResourceType.APPLICATION_IMAGES, name, prepare);

/** A logo Pocket-ID does not have yet, and a favicon and background that replace the ones every instance comes with. */
async function imageFiles(objects: TestObjects): Promise<Record<string, unknown>> {
  return {
    Logo: await objects.asset('logo.svg', svgImage('application logo')),
    Favicon: await objects.asset('favicon.svg', svgImage('favicon')),
    Background: await objects.asset('background.png', pngLike('background')),
  };
}

export const APPLICATION_IMAGES_OPERATIONS: readonly Operation[] = [
  images('create (a new logo, the favicon and background replaced)', async (lane, { timeoutSeconds }) => {
    const props = lane.properties(await imageFiles(new TestObjects()), { timeoutSeconds });
    return { event: createEvent('Images', props, 'create-images'), secrets: {} };
  }),
  images('update (logo replaced, background and favicon no longer declared)', async (lane, { timeoutSeconds }) => {
    const objects = new TestObjects();
    const old = lane.properties(await imageFiles(objects));
    const physicalId = await establish(lane, createEvent('Images', old, 'update-images-setup'));
    // Pocket-ID deletes the background; it cannot delete a favicon, which stays.
    const next = { ...without(old, 'Background', 'Favicon'), Logo: await objects.asset('logo.png', pngLike('application logo, new')) };
    return { event: updateEvent('Images', physicalId, withTimeout(next, timeoutSeconds), old, 'update-images'), secrets: {} };
  }),
  images('delete (leaves them)', async (lane, { timeoutSeconds }) => {
    const props = lane.properties(await imageFiles(new TestObjects()));
    const physicalId = await establish(lane, createEvent('Images', props, 'delete-images-setup'));
    return { event: deleteEvent('Images', physicalId, withTimeout(props, timeoutSeconds), 'delete-images'), secrets: {} };
  }),
];

// Operations only the CloudFormation behaviours use

/** A public client with a fixed id: a repeated Create has no secret to prove the client is its own. */
export const PUBLIC_FIXED_ID_CREATE: Operation = client('create (public, fixed client id)', async (lane) => {
  const props = publicClient(lane, { ClientId: 'spa-fixed' });
  return { event: createEvent('Spa', props, 'create-public-fixed'), secrets: await clientRoles(lane) };
});

export const USER_REPLACEMENT: Operation = user('update (replacement: user id change)', async (lane) => {
  const old = lane.properties({ ...ALICE, UserId: 'a11ce000-0000-4000-8000-00000000000a' });
  const userId = await establish(lane, createEvent('Alice', old, 'user-replacement-setup'));
  // A new user is created before the old one goes: username and email change with the id.
  const next = { ...old, UserId: 'a11ce000-0000-4000-8000-00000000000b', Username: 'alice2', Email: 'alice2@example.com' };
  return { event: updateEvent('Alice', userId, next, old, 'user-replacement'), secrets: await userRoles(lane) };
});

/**
 * An API's rename and permission change with no grant on it: a rollback can bring back all of it. A
 * grant made outside the stack on a removed permission is not brought back (README, APIs: Limitations).
 */
export const API_UPDATE_UNGRANTED: Operation = apiOf('update (rename, a permission replaced, CIMD access; no grant on it)', async (lane) => {
  const old = lane.properties(ORDERS_API);
  const apiId = await establish(lane, createEvent('Orders', old, 'update-api-ungranted-setup'));
  const next = { ...old, ...ORDERS_API_UPDATE };
  return { event: updateEvent('Orders', apiId, next, old, 'update-api-ungranted'), secrets: {} };
});

export const LOOKUP_REPLACEMENT: Operation = lookupOf('update (the name now finds another user)', async (lane) => {
  await createPeople(lane, 'bob', 'bobby');
  const old = lane.properties({ Kind: LookupKind.USER, Name: 'bob' });
  const bobId = await establish(lane, createEvent('Someone', old, 'lookup-replacement-setup'));
  return { event: updateEvent('Someone', bobId, { ...old, Name: 'bobby' }, old, 'lookup-replacement'), secrets: {} };
});

function withTimeout(properties: Record<string, unknown>, timeoutSeconds: string | undefined): Record<string, unknown> {
  return timeoutSeconds ? { ...properties, TimeoutSeconds: timeoutSeconds } : properties;
}
