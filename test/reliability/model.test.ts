/**
 * The fault suite's own yardsticks, on states written by hand: the intended model of an operation and
 * the reading of "Cleanup also failed, remove by hand: …". A wrong yardstick would pass a wrong handler.
 */
import { deterministicUuid } from '../../lambda/ids';
import { ResourceType } from '../../lib/contract';
import { startPocketIdTestServer } from '../pocket-id-server';
import { STACK_ID } from '../support/cloudformation';
import { idFromRequest, intendedOutcome, NEW_GROUP } from './support/model';
import { checkAgainstModel } from './support/model-checks';
import { checkFailure, leftoversNamed } from './support/residue';
import { RawState } from './support/state';

const BASE = { ContractVersion: '1', BaseUrl: 'https://id.example.com/', ApiTokenSecret: 'arn:token' };
const ROLES = { 'api-token': 'arn:token', 'client-secret': 'arn:client-secret' };

let madeClient: any;

/** A client exactly as the Pocket-ID test server holds it, made through its API. */
beforeAll(async () => {
  const server = await startPocketIdTestServer({ rateLimit: false });
  try {
    const body = JSON.stringify({ id: 'c1', name: 'app', description: 'was here', callbackURLs: ['https://app/cb'] });
    const made = await fetch(`${server.baseUrl}/api/oidc/clients`, { method: 'POST', headers: { 'X-API-Key': server.apiToken, 'Content-Type': 'application/json' }, body });
    expect(made.status).toBe(201);
    madeClient = server.client('c1');
  } finally {
    await server.close();
  }
});

function client(fields: Record<string, unknown>): any {
  return { ...madeClient, secretValues: [], ...fields };
}

function state(parts: Partial<RawState>): RawState {
  return { clients: [], users: [], groups: [], emails: [], appSettings: {}, secrets: { 'api-token': 'key' }, secretVersions: {}, ...parts };
}

test('the client id a Create gets is the one lambda/ids.ts publishes, derived again', () => {
  for (const [logicalId, requestId] of [['WebApp', 'r-1'], ['Spa', '9f1c2e7a-0000-4000-8000-000000000000'], ['X', '']]) {
    const event = { StackId: STACK_ID, LogicalResourceId: logicalId, RequestId: requestId };
    expect(idFromRequest(event)).toBe(deterministicUuid(event as any));
  }
});

test('an in-place update: declared fields set, a removed one back to Pocket-ID\'s default, never declared kept, PKCE forced on when public', () => {
  const before = state({ clients: [client({})] });
  const event = {
    ResourceType: ResourceType.OIDC_CLIENT,
    RequestType: 'Update',
    PhysicalResourceId: 'c1',
    ResourceProperties: { ...BASE, Name: 'renamed', IsPublic: 'true' },
    OldResourceProperties: { ...BASE, Name: 'app', Description: 'was here', IsPublic: 'true' },
  };
  const intended = intendedOutcome(before, event, ROLES);
  expect(intended.pocketId.clients.c1).toMatchObject({ name: 'renamed', description: '', callbackURLs: ['https://app/cb'], pkceEnabled: true });
  expect(intended.answer).toEqual({
    PhysicalResourceId: 'c1',
    Data: { ClientId: 'c1', IssuerUrl: 'https://id.example.com', DiscoveryUrl: 'https://id.example.com/.well-known/openid-configuration' },
  });
  expect(intended.clientSecrets.c1).toEqual({ kind: 'none' });
});

test('merge membership keeps members added elsewhere and removes only those declared before', () => {
  const group = { id: 'g1', name: 'eng', friendlyName: 'Eng', customClaims: [], userIds: ['bob', 'carol', 'ui-added'], ldapId: null, allowedOidcClientIds: [] };
  const users = ['bob', 'carol', 'dave', 'ui-added'].map((id) => ({ id, username: id, email: null, customClaims: [], userGroups: [], oneTimeTokens: [] }));
  const event = {
    ResourceType: ResourceType.USER_GROUP,
    RequestType: 'Update',
    PhysicalResourceId: 'g1',
    ResourceProperties: { ...BASE, Name: 'eng', FriendlyName: 'Eng', MemberUserIds: ['carol', 'dave'] },
    OldResourceProperties: { ...BASE, Name: 'eng', FriendlyName: 'Eng', MemberUserIds: ['bob', 'carol'] },
  };
  expect(intendedOutcome(state({ groups: [group], users }), event, ROLES).pocketId.groups.g1.userIds).toEqual(['carol', 'dave', 'ui-added']);
});

test('a group Create is bound to the one new group; a second new group is a difference', () => {
  const event = { ResourceType: ResourceType.USER_GROUP, RequestType: 'Create', ResourceProperties: { ...BASE, Name: 'eng', FriendlyName: 'Eng' } };
  const intended = intendedOutcome(state({}), event, ROLES);
  expect(intended.answer.PhysicalResourceId).toBe(NEW_GROUP);
  const made = (id: string) => ({ id, name: id === 'g1' ? 'eng' : 'other', friendlyName: 'Eng', customClaims: [], userIds: [], ldapId: null, allowedOidcClientIds: [] });
  const answer = { PhysicalResourceId: 'g1', Data: { GroupId: 'g1', GroupName: 'eng' } };
  expect(checkAgainstModel(intended, state({}), state({ groups: [made('g1')] }), answer).problems).toEqual([]);
  expect(checkAgainstModel(intended, state({}), state({ groups: [made('g1'), made('g2')] }), answer).problems).not.toEqual([]);
});

test('an in-place update that rotates the secret apps hold is caught by id and value, and by the stored secret', () => {
  const held = { id: 's1', secret: 'the-secret-apps-hold', isActive: true, createdAt: 't', expiresAt: null };
  const stored = JSON.stringify({ clientId: 'c1', clientSecret: held.secret, issuer: 'https://id.example.com', discoveryUrl: 'x' });
  const version = (id: string, value: string) => ({ versionId: id, stages: ['AWSCURRENT'], value });
  const before = state({ clients: [client({ secretValues: [held] })], secrets: { 'api-token': 'key', 'client-secret': stored }, secretVersions: { 'client-secret': [version('v1', stored)] } });
  const properties = { ...BASE, Name: 'app', Description: 'was here', IsPublic: 'false', SecretArn: 'arn:client-secret' };
  const event = { ResourceType: ResourceType.OIDC_CLIENT, RequestType: 'Update', PhysicalResourceId: 'c1', ResourceProperties: properties, OldResourceProperties: properties };
  const intended = intendedOutcome(before, event, ROLES);
  const rotated = { ...held, id: 's2', secret: 'a-new-secret-nobody-holds' };
  const restored = stored.replace(held.secret, rotated.secret);
  const after = state({ clients: [client({ secretValues: [rotated] })], secrets: { 'api-token': 'key', 'client-secret': restored }, secretVersions: { 'client-secret': [version('v2', restored)] } });
  const problems = checkAgainstModel(intended, before, after, intended.answer).problems.join('\n');
  expect(problems).toMatch(/the secret deployed apps hold \(secret s1 .*\) was revoked/);
  expect(problems).toMatch(/a new secret s2 of client c1 was made/);
  expect(problems).toMatch(/no longer AWSCURRENT/);
  expect(problems).not.toContain(rotated.secret);
  expect(checkAgainstModel(intended, before, before, intended.answer).problems).toEqual([]);
});

test('a confidential Create on 2.17: the secret Pocket-ID made with the client is one of its live secrets, stored or not', async () => {
  const server = await startPocketIdTestServer({ rateLimit: false, version: '2.17.0' });
  let made: any;
  try {
    const body = JSON.stringify({ id: 'c2', name: 'app', callbackURLs: ['https://app/cb'], isPublic: false });
    const headers = { 'X-API-Key': server.apiToken, 'Content-Type': 'application/json' };
    const answer = await fetch(`${server.baseUrl}/api/oidc/clients`, { method: 'POST', headers, body });
    expect(answer.status).toBe(201);
    const { createdSecret } = await answer.json() as { createdSecret?: { id: string; secret: string } };
    made = { ...server.client('c2'), secretValues: server.clientSecrets('c2') };
    // Pocket-ID made one secret with the client, and showed it in the create answer.
    const held = made.secretValues.map((secret: any) => [secret.id, secret.secret, secret.isActive]);
    expect(held).toEqual([[createdSecret?.id, createdSecret?.secret, true]]);
  } finally {
    await server.close();
  }
  const before = state({ secrets: { 'api-token': 'key', 'client-secret': 'placeholder' } });
  const properties = { ...BASE, ClientId: 'c2', Name: 'app', CallbackUrls: ['https://app/cb'], IsPublic: 'false', SecretArn: 'arn:client-secret' };
  const intended = intendedOutcome(before, { ResourceType: ResourceType.OIDC_CLIENT, RequestType: 'Create', ResourceProperties: properties }, ROLES);
  const storing = (secret: string) => {
    const issuer = 'https://id.example.com';
    const value = JSON.stringify({ clientId: 'c2', clientSecret: secret, issuer, discoveryUrl: `${issuer}/.well-known/openid-configuration` });
    return { secrets: { 'api-token': 'key', 'client-secret': value }, secretVersions: { 'client-secret': [{ versionId: 'v2', stages: ['AWSCURRENT'], value }] } };
  };
  const secretProblems = (after: RawState) => checkAgainstModel(intended, before, after, intended.answer).problems.filter((problem) => /secret/.test(problem));
  const serverMade = made.secretValues[0];
  // The handler stored the secret Pocket-ID made: nothing else is live.
  expect(secretProblems(state({ clients: [made], ...storing(serverMade.secret) }))).toEqual([]);
  // It made and stored a second one, and left the one Pocket-ID made live: nobody can read that one.
  const second = { ...serverMade, id: 's-second', secret: 'a-second-secret' };
  expect(secretProblems(state({ clients: [{ ...made, secretValues: [serverMade, second] }], ...storing(second.secret) }))).toEqual([
    'client c2 has 2 live secrets, not exactly one (1 of them stored in no version of any secret)',
  ]);
  // A failed Create that left the client, with the secret Pocket-ID made, is no clean failure.
  const reason = 'Create OIDC client: PUT /api/oidc/clients/c2 returned 500: check Pocket-ID';
  expect(checkFailure(before, state({ clients: [made], secrets: before.secrets }), reason, { roles: ROLES }).problems[0]).toMatch(/^FAILED, and the state changed: .*clients\.c2/);
});

describe('what a Reason names for removal by hand', () => {
  const reason = 'Create OIDC client: PUT /api/x returned 500. Cleanup also failed, remove by hand: OIDC client c1 (Remove the partly created '
    + 'OIDC client: DELETE /api/oidc/clients/c1 returned 500 (a; b)); the previous value of secret arn:client-secret (GetSecretValue failed)\n\nLogs: /aws/lambda/x';

  test('is read item by item', () => {
    expect(leftoversNamed(reason, ROLES).scopes.map((scope) => scope.description)).toEqual(['OIDC client c1', 'the previous value of secret arn:client-secret']);
  });

  test('must be exactly what is left: more is a violation, and so is naming what is as it was', () => {
    const left = client({ secretValues: [] });
    const changedSecret = { 'api-token': 'key', 'client-secret': 'changed' };
    const before = state({ secrets: { 'api-token': 'key', 'client-secret': 'placeholder' } });
    expect(checkFailure(before, state({ clients: [left], secrets: changedSecret }), reason, { roles: ROLES })).toMatchObject({ problems: [], residue: ['OIDC client c1', 'the previous value of secret arn:client-secret'] });
    expect(checkFailure(before, state({ clients: [left], secrets: before.secrets }), reason, { roles: ROLES }).problems).toEqual([
      'the Reason names "the previous value of secret arn:client-secret" as left to remove by hand, but it is as it was',
    ]);
    const alsoAUser = state({ clients: [left], secrets: changedSecret, users: [{ id: 'u1', username: 'u', customClaims: [], oneTimeTokens: [] }] });
    expect(checkFailure(before, alsoAUser, reason, { roles: ROLES }).problems[0]).toMatch(/^FAILED, and the state changed beyond what the Reason names: .pocketId.users.u1/);
  });
});
