/**
 * The lifecycle operations counted by calls-per-operation.ts: for each, how to bring Pocket-ID to the
 * state it needs (not counted), the event to send (counted), and the minimum number of calls the
 * Pocket-ID and Secrets Manager APIs allow for it in a warm container, with the reason.
 *
 * A cold container adds, at the minimum, one token read (GetSecretValue) and one version check
 * (GET /api/version/current), except for an operation that needs no connection at all.
 *
 * Requests are named `METHOD /route/pattern` as the test server routes them.
 */
import { ResourceType, LookupKind, MembershipMode } from '../../lib/contract';
import { CloudFormationSimulator, Step } from '../../test/support/cloudformation';
import { TestObjects } from '../../test/support/s3-objects';

/** What an operation's setup can use; every event it sends goes to the warm setup container and must succeed. */
export interface Harness {
  /** Connection properties plus `extra`. */
  props(extra: Record<string, unknown>): Record<string, unknown>;
  /** A secret like the one the construct owns (the placeholder CloudFormation puts in a new secret). */
  ownedSecret(name: string): Promise<string>;
  /** Users made directly in the test server's store (no request); returns their ids. */
  seedUsers(count: number): string[];
  usernameOf(userId: string): string;
  /** A name unique in this run. */
  unique(prefix: string): string;
  /** Sends an event through the setup container; fails unless it succeeded. Returns the physical id. */
  create(resourceType: string, logicalId: string, properties: Record<string, unknown>): Promise<string>;
}

/** Sends the counted event. */
export type Operation = (cfn: CloudFormationSimulator) => Promise<Step>;

export interface OperationSpec {
  readonly id: string;
  readonly resource: 'OIDC client' | 'user' | 'group' | 'lookup' | 'client secret rotation' | 'SCIM service provider' | 'signup token' | 'API'
    | 'API grant' | 'application configuration' | 'application images';
  readonly label: string;
  readonly resourceType: string;
  /** The fewest Pocket-ID requests the API allows, warm container. */
  readonly minimumPocketId: readonly string[];
  /** The fewest Secrets Manager calls, warm container. */
  readonly minimumSecrets: readonly string[];
  readonly reason: string;
  /** True when the operation needs no connection: no token read and no version check even when cold. */
  readonly noConnection?: boolean;
  /** True when an earlier step of the same invocation chain connected (rotation steps after createSecret): none when cold either. */
  readonly connectedBefore?: boolean;
  /** Why the handler makes a request beyond the minimum, by request name, when that is understood. */
  readonly excessReasons?: Readonly<Record<string, string>>;
  /** Brings Pocket-ID to the state the operation needs (not counted); returns the operation. */
  prepare(h: Harness): Promise<Operation>;
}

export const VERSION_CHECK = 'GET /api/version/current';
export const TOKEN_READ = 'GetSecretValue';

const CLIENT = ResourceType.OIDC_CLIENT;
const USER = ResourceType.USER;
const GROUP = ResourceType.USER_GROUP;

/** Pocket-ID drops unknown group ids without a word, and the PUT's answer does not list the groups. */
const VERIFY_GROUPS = 'GET /api/oidc/clients/:id';
const WHY_VERIFY_GROUPS = 'Pocket-ID drops unknown group ids without a word and its PUT answers without the list, so one GET is the only way '
  + 'to know a newly named group was kept (a client must not be left admitting fewer groups than declared, with no error)';

function confidentialClient(h: Harness, secretArn: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return h.props({
    Name: h.unique('bench-web'),
    CallbackUrls: ['https://app.example.com/callback'],
    LogoutCallbackUrls: ['https://app.example.com/logout'],
    IsPublic: 'false',
    PkceEnabled: 'true',
    SecretArn: secretArn,
    ...extra,
  });
}

function signupTokenProps(h: Harness, secretArn: string, groupIds: string[]): Record<string, unknown> {
  return h.props({ LifetimeSeconds: '86400', UsageLimit: '10', UserGroupIds: groupIds.length > 0 ? groupIds : undefined, SignupLinkSecretArn: secretArn });
}

function publicClient(h: Harness): Record<string, unknown> {
  return h.props({ Name: h.unique('bench-spa'), CallbackUrls: ['https://spa.example.com/callback'], IsPublic: 'true' });
}

/** An image file as the construct makes it: a CDK asset in S3 (the handler's GetObject is not counted: it is neither API). */
function imageAsset(h: Harness, fileName: string): Promise<Record<string, string>> {
  const marker = h.unique('bench-image');
  return OBJECTS.asset(fileName, Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg"><title>${marker}</title></svg>`));
}

const OBJECTS = new TestObjects();

function userProps(h: Harness, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const username = h.unique('bench-user');
  return h.props({ Username: username, Email: `${username}@example.com`, FirstName: 'Bench', LastName: 'User', ...extra });
}

const CLAIMS = [{ Key: 'department', Value: 'engineering' }];
const OTHER_CLAIMS = [{ Key: 'department', Value: 'sales' }];

async function loginLink(h: Harness): Promise<Record<string, unknown>> {
  return { LoginLinkLifetimeSeconds: '86400', LoginLinkSecretArn: await h.ownedSecret('bench-login-link') };
}

function groupProps(h: Harness, members: string[] | undefined, claims = CLAIMS): Record<string, unknown> {
  const name = h.unique('bench-group');
  return h.props({ Name: name, FriendlyName: name.slice(0, 50), CustomClaims: claims, MemberUserIds: members, MembershipMode: MembershipMode.MERGE });
}

// SCIM service providers
const SCIM = ResourceType.SCIM_SERVICE_PROVIDER;
const SCIM_OF_CLIENT = 'GET /api/oidc/clients/:id/scim-service-provider';
const WHY_SCIM_READ = 'Pocket-ID does not refuse a second provider for a client (and then shows only one), so the client is read first: '
  + 'one made by an earlier delivery of this Create is taken over, one made elsewhere refused';

/** A provider for a new public client, the token in a secret of its own (32 hex characters). */
async function scimProps(h: Harness): Promise<Record<string, unknown>> {
  const clientId = await h.create(CLIENT, 'Client', publicClient(h));
  return h.props({ ClientId: clientId, Endpoint: 'https://scim.example.com/v2', TokenSecret: await h.ownedSecret('bench-scim-token') });
}

/** Creates the resource on the setup container, then sends `next(physicalId, props)` as the counted operation. */
// APIs
const API_PERMISSIONS = [{ Key: 'orders:read', Name: 'Read orders' }, { Key: 'orders:write', Name: 'Write orders' }];

function apiProps(h: Harness): Record<string, unknown> {
  return h.props({ Name: 'Orders', Resource: `https://${h.unique('bench-api')}.example.com`, Permissions: API_PERMISSIONS });
}

/** A grant on a new API for a new confidential client, both made through the setup container. */
async function grantProps(h: Harness): Promise<Record<string, unknown>> {
  const apiId = await h.create(ResourceType.API, 'Api', apiProps(h));
  const clientId = await h.create(CLIENT, 'Client', confidentialClient(h, await h.ownedSecret('bench-grant-client')));
  return h.props({ ApiId: apiId, ClientId: clientId, ClientPermissionKeys: ['orders:write'], UserDelegatedPermissionKeys: ['orders:read'] });
}

function afterCreate(
  resourceType: string,
  build: (h: Harness) => Promise<Record<string, unknown>> | Record<string, unknown>,
  next: (cfn: CloudFormationSimulator, physicalId: string, props: Record<string, unknown>) => Promise<Step>,
): (h: Harness) => Promise<Operation> {
  return async (h) => {
    const props = await build(h);
    const physicalId = await h.create(resourceType, 'Resource', props);
    return (cfn) => next(cfn, physicalId, props);
  };
}

function createOnly(build: (h: Harness) => Promise<Record<string, unknown>> | Record<string, unknown>): (h: Harness) => Promise<Operation> {
  return async (h) => {
    const props = await build(h);
    return (cfn) => cfn.create('Resource', props);
  };
}

export const OPERATIONS: readonly OperationSpec[] = [
  // OIDC clients
  {
    id: 'client-create-confidential',
    resource: 'OIDC client',
    label: 'create, confidential',
    resourceType: CLIENT,
    minimumPocketId: ['POST /api/oidc/clients', 'POST /api/oidc/clients/:id/secrets'],
    minimumSecrets: ['PutSecretValue', 'UpdateSecretVersionStage'],
    reason: 'create the client, have Pocket-ID generate its secret, store it, record its id on the version (a staging label)',
    prepare: createOnly(async (h) => confidentialClient(h, await h.ownedSecret('bench-client'))),
  },
  {
    id: 'client-create-confidential-groups',
    resource: 'OIDC client',
    label: 'create, confidential, with allowed groups',
    resourceType: CLIENT,
    minimumPocketId: ['POST /api/oidc/clients', 'PUT /api/oidc/clients/:id/allowed-user-groups', VERIFY_GROUPS, 'POST /api/oidc/clients/:id/secrets'],
    minimumSecrets: ['PutSecretValue', 'UpdateSecretVersionStage'],
    reason: `as above; the allowed groups have their own endpoint (the create body takes none). ${WHY_VERIFY_GROUPS}`,
    prepare: async (h) => {
      const groupId = await h.create(GROUP, 'Group', groupProps(h, undefined));
      const props = confidentialClient(h, await h.ownedSecret('bench-client'), { AllowedUserGroupIds: [groupId] });
      return (cfn) => cfn.create('Resource', props);
    },
  },
  {
    id: 'client-create-public',
    resource: 'OIDC client',
    label: 'create, public',
    resourceType: CLIENT,
    minimumPocketId: ['POST /api/oidc/clients'],
    minimumSecrets: [],
    reason: 'one POST; a public client has no secret',
    prepare: createOnly(publicClient),
  },
  {
    id: 'client-create-public-logo',
    resource: 'OIDC client',
    label: 'create, public, with a logo from a file',
    resourceType: CLIENT,
    minimumPocketId: ['POST /api/oidc/clients', 'POST /api/oidc/clients/:id/logo'],
    minimumSecrets: [],
    reason: 'the client, then its logo (its own endpoint); a new client has no logo to read first',
    prepare: createOnly(async (h) => ({ ...publicClient(h), Logo: await imageAsset(h, 'logo.svg') })),
  },
  {
    id: 'client-update',
    resource: 'OIDC client',
    label: 'update in place (name, callback URLs)',
    resourceType: CLIENT,
    minimumPocketId: ['GET /api/oidc/clients/:id', 'PUT /api/oidc/clients/:id'],
    minimumSecrets: [],
    reason: 'Pocket-ID\'s PUT replaces every field: read first, so that fields set in the UI are kept',
    prepare: afterCreate(CLIENT, async (h) => confidentialClient(h, await h.ownedSecret('bench-client')), (cfn, id, props) =>
      cfn.update('Resource', id, { ...props, Name: `${props.Name}-renamed`, CallbackUrls: ['https://app.example.com/cb2'] }, props)),
  },
  {
    id: 'client-update-groups',
    resource: 'OIDC client',
    label: 'update of the allowed groups only',
    resourceType: CLIENT,
    minimumPocketId: ['GET /api/oidc/clients/:id', 'PUT /api/oidc/clients/:id/allowed-user-groups', VERIFY_GROUPS],
    minimumSecrets: [],
    reason: 'read (drift check, current groups), write the group list, read it back for the group added (see above); the client body is unchanged',
    prepare: async (h) => {
      const first = await h.create(GROUP, 'GroupA', groupProps(h, undefined));
      const second = await h.create(GROUP, 'GroupB', groupProps(h, undefined));
      const props = confidentialClient(h, await h.ownedSecret('bench-client'), { AllowedUserGroupIds: [first] });
      const id = await h.create(CLIENT, 'Resource', props);
      return (cfn) => cfn.update('Resource', id, { ...props, AllowedUserGroupIds: [first, second] }, props);
    },
  },
  {
    id: 'client-update-nothing',
    resource: 'OIDC client',
    label: 'update that changes nothing',
    resourceType: CLIENT,
    minimumPocketId: ['GET /api/oidc/clients/:id'],
    minimumSecrets: [],
    reason: 'one read to see whether the server still holds the declared values; a PUT only if it does not',
    prepare: afterCreate(CLIENT, async (h) => confidentialClient(h, await h.ownedSecret('bench-client')), (cfn, id, props) =>
      cfn.update('Resource', id, props, props)),
  },
  {
    id: 'client-delete',
    resource: 'OIDC client',
    label: 'delete (confidential)',
    resourceType: CLIENT,
    minimumPocketId: ['DELETE /api/oidc/clients/:id'],
    minimumSecrets: [],
    reason: 'one DELETE (its secrets go with it); CloudFormation deletes the Secrets Manager secret',
    prepare: afterCreate(CLIENT, async (h) => confidentialClient(h, await h.ownedSecret('bench-client')), (cfn, id, props) =>
      cfn.delete('Resource', id, props)),
  },

  // Users
  {
    id: 'user-create',
    resource: 'user',
    label: 'create',
    resourceType: USER,
    minimumPocketId: ['POST /api/users'],
    minimumSecrets: [],
    reason: 'one POST (the id is derived from the request, so a repeated delivery is recognised by the POST\'s conflict)',
    prepare: createOnly((h) => userProps(h)),
  },
  {
    id: 'user-create-claims',
    resource: 'user',
    label: 'create, with claims',
    resourceType: USER,
    minimumPocketId: ['POST /api/users', 'PUT /api/custom-claims/user/:userId'],
    minimumSecrets: [],
    reason: 'POST, then the claims (their own endpoint; the create body takes none)',
    prepare: createOnly((h) => userProps(h, { CustomClaims: CLAIMS })),
  },
  {
    id: 'user-create-link',
    resource: 'user',
    label: 'create, with login link',
    resourceType: USER,
    minimumPocketId: ['POST /api/users', 'POST /api/users/:id/one-time-access-token'],
    minimumSecrets: ['PutSecretValue'],
    reason: 'POST, have Pocket-ID make a one-time token, store the link',
    prepare: createOnly(async (h) => userProps(h, await loginLink(h))),
  },
  {
    id: 'user-create-claims-link',
    resource: 'user',
    label: 'create, with claims and login link',
    resourceType: USER,
    minimumPocketId: ['POST /api/users', 'PUT /api/custom-claims/user/:userId', 'POST /api/users/:id/one-time-access-token'],
    minimumSecrets: ['PutSecretValue'],
    reason: 'the two above together',
    prepare: createOnly(async (h) => userProps(h, { CustomClaims: CLAIMS, ...await loginLink(h) })),
  },
  {
    id: 'user-update',
    resource: 'user',
    label: 'update (email)',
    resourceType: USER,
    minimumPocketId: ['GET /api/users/:id', 'PUT /api/users/:id'],
    minimumSecrets: [],
    reason: 'Pocket-ID\'s PUT replaces every field: read first, so that fields set in the UI are kept',
    prepare: afterCreate(USER, (h) => userProps(h), (cfn, id, props) =>
      cfn.update('Resource', id, { ...props, Email: `changed-${props.Email}` }, props)),
  },
  {
    id: 'user-update-claims-kept',
    resource: 'user',
    label: 'update (email), claims declared and unchanged',
    resourceType: USER,
    minimumPocketId: ['GET /api/users/:id', 'PUT /api/users/:id'],
    minimumSecrets: [],
    reason: 'as above; the GET answer carries the claims, which already match',
    prepare: afterCreate(USER, (h) => userProps(h, { CustomClaims: CLAIMS }), (cfn, id, props) =>
      cfn.update('Resource', id, { ...props, Email: `changed-${props.Email}` }, props)),
  },
  {
    id: 'user-update-claims',
    resource: 'user',
    label: 'update of the claims only',
    resourceType: USER,
    minimumPocketId: ['GET /api/users/:id', 'PUT /api/custom-claims/user/:userId'],
    minimumSecrets: [],
    reason: 'read (drift check), write the claims; the user body is unchanged',
    prepare: afterCreate(USER, (h) => userProps(h, { CustomClaims: CLAIMS }), (cfn, id, props) =>
      cfn.update('Resource', id, { ...props, CustomClaims: OTHER_CLAIMS }, props)),
  },
  {
    id: 'user-update-link',
    resource: 'user',
    label: 'update (email), with login link',
    resourceType: USER,
    minimumPocketId: ['GET /api/users/:id', 'PUT /api/users/:id'],
    minimumSecrets: [],
    reason: 'as a plain update: the link handed out stays, no new one is issued',
    prepare: afterCreate(USER, async (h) => userProps(h, await loginLink(h)), (cfn, id, props) =>
      cfn.update('Resource', id, { ...props, Email: `changed-${props.Email}` }, props)),
  },
  {
    id: 'user-update-nothing',
    resource: 'user',
    label: 'update that changes nothing',
    resourceType: USER,
    minimumPocketId: ['GET /api/users/:id'],
    minimumSecrets: [],
    reason: 'one read to see whether the server still holds the declared values; a PUT only if it does not',
    prepare: afterCreate(USER, (h) => userProps(h), (cfn, id, props) => cfn.update('Resource', id, props, props)),
  },
  {
    id: 'user-delete',
    resource: 'user',
    label: 'delete (removalPolicy DESTROY)',
    resourceType: USER,
    minimumPocketId: ['DELETE /api/users/:id'],
    minimumSecrets: [],
    reason: 'one DELETE (a retained user, the default, gets no Delete at all)',
    prepare: afterCreate(USER, (h) => userProps(h), (cfn, id, props) => cfn.delete('Resource', id, props)),
  },
  {
    id: 'user-delete-claims-link',
    resource: 'user',
    label: 'delete, with claims and login link',
    resourceType: USER,
    minimumPocketId: ['DELETE /api/users/:id'],
    minimumSecrets: [],
    reason: 'one DELETE (claims go with the user; CloudFormation deletes the link\'s secret)',
    prepare: afterCreate(USER, async (h) => userProps(h, { CustomClaims: CLAIMS, ...await loginLink(h) }), (cfn, id, props) =>
      cfn.delete('Resource', id, props)),
  },

  // Groups
  {
    id: 'group-create',
    resource: 'group',
    label: 'create, with 3 members and claims',
    resourceType: GROUP,
    minimumPocketId: ['POST /api/user-groups', 'PUT /api/custom-claims/user-group/:userGroupId', 'PUT /api/user-groups/:id/users'],
    minimumSecrets: [],
    reason: 'POST (name and friendly name only), then claims and members, each on its own endpoint',
    prepare: createOnly((h) => groupProps(h, h.seedUsers(3))),
  },
  {
    id: 'group-update',
    resource: 'group',
    label: 'update: rename, claims, one member added',
    resourceType: GROUP,
    minimumPocketId: ['GET /api/user-groups/:id', 'PUT /api/user-groups/:id', 'PUT /api/custom-claims/user-group/:userGroupId', 'PUT /api/user-groups/:id/users'],
    minimumSecrets: [],
    reason: 'read (merge mode keeps members added in the UI), then each of the three parts that changed',
    prepare: async (h) => {
      const members = h.seedUsers(3);
      const props = groupProps(h, members);
      const id = await h.create(GROUP, 'Resource', props);
      const [extra] = h.seedUsers(1);
      const next = { ...props, Name: `${props.Name}-renamed`, CustomClaims: OTHER_CLAIMS, MemberUserIds: [...members, extra] };
      return (cfn) => cfn.update('Resource', id, next, props);
    },
  },
  {
    id: 'group-update-members',
    resource: 'group',
    label: 'update: one member added',
    resourceType: GROUP,
    minimumPocketId: ['GET /api/user-groups/:id', 'PUT /api/user-groups/:id/users'],
    minimumSecrets: [],
    reason: 'read the current members (merge mode), write the list',
    prepare: async (h) => {
      const members = h.seedUsers(3);
      const props = groupProps(h, members);
      const id = await h.create(GROUP, 'Resource', props);
      const [extra] = h.seedUsers(1);
      return (cfn) => cfn.update('Resource', id, { ...props, MemberUserIds: [...members, extra] }, props);
    },
  },
  {
    id: 'group-update-nothing',
    resource: 'group',
    label: 'update that changes nothing',
    resourceType: GROUP,
    minimumPocketId: ['GET /api/user-groups/:id'],
    minimumSecrets: [],
    reason: 'one read to see whether the server still holds the declared values',
    prepare: afterCreate(GROUP, (h) => groupProps(h, h.seedUsers(3)), (cfn, id, props) => cfn.update('Resource', id, props, props)),
  },
  {
    id: 'group-delete',
    resource: 'group',
    label: 'delete (with members and claims)',
    resourceType: GROUP,
    minimumPocketId: ['DELETE /api/user-groups/:id'],
    minimumSecrets: [],
    reason: 'one DELETE; memberships and claims go with the group',
    prepare: afterCreate(GROUP, (h) => groupProps(h, h.seedUsers(3)), (cfn, id, props) => cfn.delete('Resource', id, props)),
  },

  // SCIM service providers
  {
    id: 'scim-create',
    resource: 'SCIM service provider',
    label: 'create',
    resourceType: SCIM,
    minimumPocketId: [SCIM_OF_CLIENT, 'POST /api/scim/service-provider'],
    minimumSecrets: [TOKEN_READ],
    reason: `read the bearer token from the user's secret; ${WHY_SCIM_READ}; then the POST`,
    prepare: createOnly(scimProps),
  },
  {
    id: 'scim-update',
    resource: 'SCIM service provider',
    label: 'update of the endpoint',
    resourceType: SCIM,
    minimumPocketId: [SCIM_OF_CLIENT, 'PUT /api/scim/service-provider/:id'],
    minimumSecrets: [TOKEN_READ],
    reason: 'the PUT replaces endpoint, token and client together, so it needs the token (read from the secret) and the provider as it is, read '
      + 'through its client (Pocket-ID has no GET by provider id) to know it still exists and to put it back if the update fails',
    prepare: afterCreate(SCIM, scimProps, (cfn, id, props) => cfn.update('Resource', id, { ...props, Endpoint: 'https://scim2.example.com/v2' }, props)),
  },
  {
    id: 'scim-update-nothing',
    resource: 'SCIM service provider',
    label: 'new tokenVersion, same token',
    resourceType: SCIM,
    minimumPocketId: [SCIM_OF_CLIENT],
    minimumSecrets: [TOKEN_READ],
    reason: 'read the token and the provider: it already holds both, so no PUT',
    prepare: afterCreate(SCIM, scimProps, (cfn, id, props) => cfn.update('Resource', id, { ...props, TokenVersion: '2' }, props)),
  },
  {
    id: 'scim-delete',
    resource: 'SCIM service provider',
    label: 'delete',
    resourceType: SCIM,
    minimumPocketId: ['DELETE /api/scim/service-provider/:id'],
    minimumSecrets: [],
    reason: 'one DELETE; the token is not needed',
    prepare: afterCreate(SCIM, scimProps, (cfn, id, props) => cfn.delete('Resource', id, props)),
  },
  // Signup tokens
  {
    id: 'signup-token-create',
    resource: 'signup token',
    label: 'create, joining 2 groups',
    resourceType: ResourceType.SIGNUP_TOKEN,
    minimumPocketId: ['POST /api/signup-tokens'],
    minimumSecrets: ['GetSecretValue', 'PutSecretValue', 'PutSecretValue'],
    reason: 'one POST (its answer lists the groups kept); the link secret is read first (what a failure puts back, and no token before '
      + 'a secret that cannot be read), marked before the POST (a delivery whose Lambda dies after it leaves a trace to the token it made), '
      + 'then given the link',
    prepare: async (h) => {
      const groups = await Promise.all([1, 2].map((n) => h.create(GROUP, `Group${n}`, groupProps(h, []))));
      const secretArn = await h.ownedSecret('bench-signup-link');
      return (cfn) => cfn.create('Resource', signupTokenProps(h, secretArn, groups));
    },
  },
  {
    id: 'signup-token-delete',
    resource: 'signup token',
    label: 'delete',
    resourceType: ResourceType.SIGNUP_TOKEN,
    minimumPocketId: ['DELETE /api/signup-tokens/:id'],
    minimumSecrets: [],
    reason: 'one DELETE (Pocket-ID answers 204 whether or not the token was there); the secret goes with the construct',
    prepare: async (h) => {
      const props = signupTokenProps(h, await h.ownedSecret('bench-signup-link'), []);
      const id = await h.create(ResourceType.SIGNUP_TOKEN, 'Resource', props);
      return (cfn) => cfn.delete('Resource', id, props);
    },
  },
  // APIs (resource servers) and client grants
  {
    id: 'api-create',
    resource: 'API',
    label: 'create, with 2 permissions',
    resourceType: ResourceType.API,
    minimumPocketId: ['POST /api/apis', 'PUT /api/apis/:id/permissions'],
    minimumSecrets: [],
    reason: 'POST (name and resource only), then the permissions on their own endpoint',
    prepare: createOnly((h) => apiProps(h)),
  },
  {
    id: 'api-update',
    resource: 'API',
    label: 'update: rename, one permission replaced',
    resourceType: ResourceType.API,
    minimumPocketId: ['GET /api/apis/:id', 'GET /api/apis/:id/clients', 'PUT /api/apis/:id', 'PUT /api/apis/:id/permissions'],
    minimumSecrets: [],
    reason: 'read (what Pocket-ID holds); a permission goes, so the clients holding it are listed first: Pocket-ID deletes their grants with it, '
      + 'and a failure must give them back; then the name and the permission set, each on its own endpoint',
    prepare: afterCreate(ResourceType.API, (h) => apiProps(h), (cfn, id, props) =>
      cfn.update('Resource', id, { ...props, Name: 'Orders v2', Permissions: [API_PERMISSIONS[0], { Key: 'orders:ship', Name: 'Ship' }] }, props)),
  },
  {
    id: 'api-update-nothing',
    resource: 'API',
    label: 'update that changes nothing',
    resourceType: ResourceType.API,
    minimumPocketId: ['GET /api/apis/:id'],
    minimumSecrets: [],
    reason: 'one read to see whether the server still holds the declared values',
    prepare: afterCreate(ResourceType.API, (h) => apiProps(h), (cfn, id, props) => cfn.update('Resource', id, props, props)),
  },
  {
    id: 'api-delete',
    resource: 'API',
    label: 'delete (with permissions)',
    resourceType: ResourceType.API,
    minimumPocketId: ['DELETE /api/apis/:id'],
    minimumSecrets: [],
    reason: 'one DELETE; permissions and grants go with the API',
    prepare: afterCreate(ResourceType.API, (h) => apiProps(h), (cfn, id, props) => cfn.delete('Resource', id, props)),
  },
  {
    id: 'api-grant-create',
    resource: 'API grant',
    label: 'create, with permissions of both kinds',
    resourceType: ResourceType.API_GRANT,
    minimumPocketId: ['GET /api/apis/:id', 'GET /api/api-access/:clientId/apis', 'PUT /api/apis/:id/clients/:clientId'],
    minimumSecrets: [],
    reason: 'read the API (permission keys to ids), read the client\'s current grant (to put it back on failure, and to take over one made in the UI), one PUT',
    prepare: createOnly(async (h) => grantProps(h)),
  },
  {
    id: 'api-grant-update-nothing',
    resource: 'API grant',
    label: 'update that changes nothing',
    resourceType: ResourceType.API_GRANT,
    minimumPocketId: ['GET /api/apis/:id', 'GET /api/api-access/:clientId/apis'],
    minimumSecrets: [],
    reason: 'the API\'s permission ids and the grant Pocket-ID holds, to see that nothing needs writing',
    prepare: afterCreate(ResourceType.API_GRANT, (h) => grantProps(h), (cfn, id, props) => cfn.update('Resource', id, props, props)),
  },
  {
    id: 'api-grant-delete',
    resource: 'API grant',
    label: 'delete',
    resourceType: ResourceType.API_GRANT,
    minimumPocketId: ['DELETE /api/apis/:id/clients/:clientId'],
    minimumSecrets: [],
    reason: 'one DELETE',
    prepare: afterCreate(ResourceType.API_GRANT, (h) => grantProps(h), (cfn, id, props) => cfn.delete('Resource', id, props)),
  },

  // Lookups
  {
    id: 'lookup-create',
    resource: 'lookup',
    label: 'create (user by username)',
    resourceType: ResourceType.LOOKUP,
    minimumPocketId: ['GET /api/users'],
    minimumSecrets: [],
    reason: 'one search, one page (Pocket-ID matches parts of names, so the answer is filtered)',
    prepare: async (h) => {
      const [userId] = h.seedUsers(1);
      return (cfn) => cfn.create('Resource', h.props({ Kind: LookupKind.USER, Name: h.usernameOf(userId) }));
    },
  },
  {
    id: 'lookup-delete',
    resource: 'lookup',
    label: 'delete',
    resourceType: ResourceType.LOOKUP,
    minimumPocketId: [],
    minimumSecrets: [],
    reason: 'a lookup owns nothing: no call at all, not even a token read',
    noConnection: true,
    prepare: async (h) => {
      const [userId] = h.seedUsers(1);
      const props = h.props({ Kind: LookupKind.USER, Name: h.usernameOf(userId) });
      const id = await h.create(ResourceType.LOOKUP, 'Resource', props);
      return (cfn) => cfn.delete('Resource', id, props);
    },
  },

  // The application configuration
  {
    id: 'configuration-create',
    resource: 'application configuration',
    label: 'create (settings and an SMTP password from a secret)',
    resourceType: ResourceType.APPLICATION_CONFIGURATION,
    minimumPocketId: ['GET /api/application-configuration/all', 'PUT /api/application-configuration'],
    minimumSecrets: ['GetSecretValue'],
    reason: 'Pocket-ID\'s PUT replaces the whole configuration: read it, send it back with the declared settings; read the password the user keeps',
    prepare: async (h) => {
      const password = await h.ownedSecret('bench-smtp-password');
      return (cfn) => cfn.create('Resource', h.props({ Settings: { appName: 'Bench', smtpHost: 'smtp.example.com' }, SmtpPasswordSource: password }));
    },
  },
  {
    id: 'configuration-update',
    resource: 'application configuration',
    label: 'update (one setting changed)',
    resourceType: ResourceType.APPLICATION_CONFIGURATION,
    minimumPocketId: ['GET /api/application-configuration/all', 'PUT /api/application-configuration'],
    minimumSecrets: [],
    reason: 'read the whole configuration, send it back with the change',
    prepare: afterCreate(ResourceType.APPLICATION_CONFIGURATION, (h) => h.props({ Settings: { appName: 'Bench' } }),
      (cfn, id, props) => cfn.update('Resource', id, { ...props, Settings: { appName: 'Bench 2' } }, props)),
  },
  {
    id: 'configuration-delete',
    resource: 'application configuration',
    label: 'delete (leaves the configuration)',
    resourceType: ResourceType.APPLICATION_CONFIGURATION,
    minimumPocketId: [],
    minimumSecrets: [],
    reason: 'the configuration stays as it is: no call at all, not even a token read',
    noConnection: true,
    prepare: afterCreate(ResourceType.APPLICATION_CONFIGURATION, (h) => h.props({ Settings: { appName: 'Bench' } }),
      (cfn, id, props) => cfn.delete('Resource', id, props)),
  },

  // The application images
  {
    id: 'images-create',
    resource: 'application images',
    label: 'create (logo and favicon from files)',
    resourceType: ResourceType.APPLICATION_IMAGES,
    minimumPocketId: ['GET /api/application-images/logo', 'PUT /api/application-images/logo', 'GET /api/application-images/favicon',
      'PUT /api/application-images/favicon'],
    minimumSecrets: [],
    reason: 'each image: read the one it replaces (to put it back if a later write fails), then upload it',
    prepare: createOnly(async (h) => h.props({ Logo: await imageAsset(h, 'logo.svg'), Favicon: await imageAsset(h, 'favicon.svg') })),
  },
  {
    id: 'images-update',
    resource: 'application images',
    label: 'update (the logo changed, the favicon not)',
    resourceType: ResourceType.APPLICATION_IMAGES,
    minimumPocketId: ['GET /api/application-images/logo', 'PUT /api/application-images/logo'],
    minimumSecrets: [],
    reason: 'only the image whose asset hash changed: read what it replaces, upload it',
    prepare: afterCreate(ResourceType.APPLICATION_IMAGES, async (h) => h.props({ Logo: await imageAsset(h, 'logo.svg'), Favicon: await imageAsset(h, 'favicon.svg') }),
      async (cfn, id, props) => cfn.update('Resource', id, { ...props, Logo: await OBJECTS.asset('logo.svg', Buffer.from(`<svg>${id}-${Date.now()}</svg>`)) }, props)),
  },
  {
    id: 'images-update-nothing',
    resource: 'application images',
    label: 'update that changes nothing',
    resourceType: ResourceType.APPLICATION_IMAGES,
    minimumPocketId: [],
    minimumSecrets: [],
    reason: 'the same asset hashes: nothing to send',
    prepare: afterCreate(ResourceType.APPLICATION_IMAGES, async (h) => h.props({ Logo: await imageAsset(h, 'logo.svg') }),
      (cfn, id, props) => cfn.update('Resource', id, props, props)),
  },
  {
    id: 'images-delete',
    resource: 'application images',
    label: 'delete (leaves the images)',
    resourceType: ResourceType.APPLICATION_IMAGES,
    minimumPocketId: [],
    minimumSecrets: [],
    reason: 'the images stay as they are: no call at all, not even a token read',
    noConnection: true,
    prepare: afterCreate(ResourceType.APPLICATION_IMAGES, async (h) => h.props({ Logo: await imageAsset(h, 'logo.svg') }),
      (cfn, id, props) => cfn.delete('Resource', id, props)),
  },
];
