/**
 * The SCIM service provider lifecycle, end to end: the bundled handler, in its own Node.js process,
 * receives the events CloudFormation sends, reads the bearer token from a secret the user owns (moto),
 * and talks HTTP to Pocket-ID (the test server, or a real Pocket-ID when POCKETID_BASE_URL and
 * POCKETID_API_TOKEN are set). Pocket-ID's sync reaches a small SCIM endpoint on loopback, which checks
 * the bearer token and records what it was sent. Every token is in the run's exposure scan: Pocket-ID
 * answers each read with the token in clear, and no step may show it.
 */
import { randomBytes } from 'crypto';
import { ResourceType } from '../../lib/contract';
import { AcceptanceRun, StartedRun } from '../support/acceptance';
import { CREATE_FAILED_MARKER } from '../support/cloudformation';
import { ScimEndpoint } from '../support/scim-endpoint';

const acceptance = new AcceptanceRun(ResourceType.SCIM_SERVICE_PROVIDER);
const { run, secrets, properties, userSecret, expectSucceeded, expectFailed } = acceptance;
let suite: StartedRun;
let endpoint: ScimEndpoint;
const clientIds: string[] = [];
const userIds: string[] = [];

beforeAll(async () => {
  suite = await acceptance.start();
  endpoint = await ScimEndpoint.start();
});

afterAll(async () => {
  if (suite) {
    await suite.directory.deleteClients(clientIds);
    await suite.directory.deleteUsers(userIds);
  }
  await endpoint?.stop();
  await acceptance.stop();
});

/** A bearer token (in the exposure scan once a secret holds it). */
function newToken(): string {
  return `scim-${randomBytes(24).toString('base64url')}`;
}

async function newClient(name: string): Promise<string> {
  const clientId = await suite.directory.createClient(`scim-${name}-${run}`);
  clientIds.push(clientId);
  return clientId;
}

describe('a SCIM service provider for a client', () => {
  const logicalId = 'Provisioning';
  let clientId: string;
  let otherClientId: string;
  let tokenArn: string;
  let first: string;
  let second: string;
  let providerId: string;
  let props: Record<string, unknown>;

  beforeAll(async () => {
    clientId = await newClient('app');
    otherClientId = await newClient('other');
    first = newToken();
    second = newToken();
    tokenArn = await userSecret(`scim-token-${run}`, first, 'token');
    userIds.push(await suite.directory.createUser({ username: `scim-alice-${run}`, email: `scim-alice-${run}@example.com`, firstName: 'Alice' }));
  });

  async function deploy(next: Record<string, unknown>) {
    const step = await suite.cfn.update(logicalId, providerId, next, props);
    await expectSucceeded(step);
    expect(step.response.PhysicalResourceId).toBe(providerId);
    props = next;
    return step;
  }

  test('Create makes the client\'s provider with the endpoint and the token of the secret; Data holds only its id', async () => {
    props = properties({ ClientId: clientId, Endpoint: `${endpoint.url}/first`, TokenSecret: tokenArn, TokenField: 'token' });
    const step = await suite.cfn.create(logicalId, props);
    await expectSucceeded(step);
    providerId = step.response.PhysicalResourceId;
    expect(step.response.Data).toEqual({ ProviderId: providerId });
    const held = await suite.directory.scimProviderOf(clientId);
    expect({ id: held.id, endpoint: held.endpoint, token: held.token }).toEqual({ id: providerId, endpoint: `${endpoint.url}/first`, token: first });
  });

  test('a repeated delivery of the same Create takes over the provider the first one made', async () => {
    const repeat = await suite.cfn.create(logicalId, props);
    await expectSucceeded(repeat);
    expect(repeat.response.PhysicalResourceId).toBe(providerId);
    expect((await suite.directory.scimProviderOf(clientId)).id).toBe(providerId);
  });

  test('an endpoint change keeps the provider and its token (Pocket-ID\'s PUT would clear a token left out)', async () => {
    await deploy({ ...props, Endpoint: endpoint.url });
    const held = await suite.directory.scimProviderOf(clientId);
    expect({ endpoint: held.endpoint, token: held.token }).toEqual({ endpoint: endpoint.url, token: first });
  });

  test('a new tokenVersion rolls out the secret\'s new value', async () => {
    await secrets.put(tokenArn, JSON.stringify({ token: second }));
    await deploy({ ...props, TokenVersion: '2' });
    expect((await suite.directory.scimProviderOf(clientId)).token).toBe(second);
  });

  test('syncAfterDeploy: Pocket-ID syncs, and the endpoint got the bearer token and the client\'s users', async () => {
    endpoint.expectedToken = second;
    endpoint.clear();
    await deploy({ ...props, SyncAfterDeploy: 'true' });
    expect(endpoint.requests.length).toBeGreaterThan(0);
    expect(endpoint.requests.every((request) => request.authorized)).toBe(true);
    expect(endpoint.requests.slice(0, 2).map((request) => `${request.method} ${request.path}?${request.query}`))
      .toEqual(['GET /Users?count=1000&startIndex=1', 'GET /Groups?count=1000&startIndex=1']);
    const alice = [...endpoint.users.values()].find((user) => user.externalId === userIds[0]);
    expect(alice).toMatchObject({ userName: `scim-alice-${run}`, active: true, emails: [{ value: `scim-alice-${run}@example.com`, primary: true }] });
    expect((await suite.directory.scimProviderOf(clientId)).lastSyncedAt).not.toBeNull();
  });

  test('a sync that fails (the endpoint refuses the new token) fails the deploy and undoes the change', async () => {
    const wrong = newToken();
    acceptance.secretValues.add(wrong);
    await secrets.put(tokenArn, JSON.stringify({ token: wrong }));
    const next = { ...props, TokenVersion: '3' };
    const step = await suite.cfn.update(logicalId, providerId, next, props);
    expectFailed(step, /syncAfterDeploy: the SCIM sync to .* failed: POST \/api\/scim\/service-provider\/[0-9a-f-]+\/sync returned 500 internal_error.*undoes the provider change/);
    expect((await suite.directory.scimProviderOf(clientId)).token).toBe(second);
    await secrets.put(tokenArn, JSON.stringify({ token: second }));
  });

  test('a client change moves the provider, with its id, to the other client', async () => {
    await deploy({ ...props, ClientId: otherClientId, SyncAfterDeploy: 'false' });
    expect(await suite.directory.scimProviderOf(clientId)).toBeUndefined();
    const held = await suite.directory.scimProviderOf(otherClientId);
    expect({ id: held.id, token: held.token }).toEqual({ id: providerId, token: second });
  });

  test('Delete removes it; a second Delete finds it gone and succeeds', async () => {
    await expectSucceeded(await suite.cfn.delete(logicalId, providerId, props));
    expect(await suite.directory.scimProviderOf(otherClientId)).toBeUndefined();
    await expectSucceeded(await suite.cfn.delete(logicalId, providerId, props));
  });
});

describe('what Pocket-ID holds already', () => {
  test('a client deleted first took its provider along: the provider\'s Delete counts it done', async () => {
    const clientId = await newClient('gone');
    const tokenArn = await userSecret(`scim-gone-${run}`, newToken());
    const props = properties({ ClientId: clientId, Endpoint: endpoint.url, TokenSecret: tokenArn });
    const create = await suite.cfn.create('Gone', props);
    await expectSucceeded(create);
    await suite.directory.deleteClient(clientId);
    await expectSucceeded(await suite.cfn.delete('Gone', create.response.PhysicalResourceId, props));
  });

  test('a provider made in Pocket-ID\'s UI is refused, and left as it was', async () => {
    const clientId = await newClient('ui');
    const uiToken = newToken();
    acceptance.secretValues.add(uiToken);
    const uiProvider = await suite.directory.createScimProvider(clientId, `${endpoint.url}/ui`, uiToken);
    const tokenArn = await userSecret(`scim-ui-${run}`, newToken());
    const step = await suite.cfn.create('Ui', properties({ ClientId: clientId, Endpoint: endpoint.url, TokenSecret: tokenArn }));
    expectFailed(step, new RegExp(`OIDC client ${clientId} already has the SCIM service provider ${uiProvider}, which this resource did not create`));
    expect(step.response.PhysicalResourceId).toBe(CREATE_FAILED_MARKER);
    const held = await suite.directory.scimProviderOf(clientId);
    expect({ id: held.id, endpoint: held.endpoint, token: held.token }).toEqual({ id: uiProvider, endpoint: `${endpoint.url}/ui`, token: uiToken });
  });

  test('a token secret whose value is no bearer token fails before anything is sent, without showing it', async () => {
    const clientId = await newClient('badtoken');
    const tokenArn = await userSecret(`scim-bad-${run}`, 'has a space and more');
    const step = await suite.cfn.create('Bad', properties({ ClientId: clientId, Endpoint: endpoint.url, TokenSecret: tokenArn }));
    expectFailed(step, /token: the value of the secret .* is not a bearer token Pocket-ID can send: .* it has 20 characters, 4 of them spaces or control characters/);
    expect(await suite.directory.scimProviderOf(clientId)).toBeUndefined();
  });
});
