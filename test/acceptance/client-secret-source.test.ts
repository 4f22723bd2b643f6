/**
 * A client secret the user brings: ClientSecretSource names a secret they own in Secrets Manager (moto),
 * whose value the bundled handler reads and has Pocket-ID hold instead of one it generates. After each
 * step: which values authenticate at Pocket-ID's token endpoint, what the construct's own secret holds,
 * and which secrets Pocket-ID lists. Every value used is in the run's exposure scan.
 */
import { randomBytes } from 'crypto';
import { ResourceType } from '../../lib/contract';
import { AcceptanceRun, requestsLogged } from '../support/acceptance';
import { CREATE_FAILED_MARKER, Step } from '../support/cloudformation';

const acceptance = new AcceptanceRun(ResourceType.OIDC_CLIENT);
const { run, secrets, secretValues, properties, expectSucceeded, expectFailed } = acceptance;
const suite = acceptance.inSuite();

/** A value Pocket-ID takes as a secret it is given (16 or more printable ASCII characters), in the exposure scan. */
function newValue(length = 40): string {
  const value = randomBytes(length).toString('base64url').slice(0, length);
  secretValues.add(value);
  return value;
}

/** A secret the user owns, holding `value` as the field `secret` of a JSON object. */
async function sourceHolding(name: string, value: string): Promise<string> {
  return secrets.create(`brought-${name}`, JSON.stringify({ secret: value }));
}

async function putInSource(sourceArn: string, value: string): Promise<void> {
  await secrets.put(sourceArn, JSON.stringify({ secret: value }));
}

/** The credentials JSON a client's owned secret holds, once the handler wrote it. */
function credentialsOf(clientId: string, clientSecret: string): Record<string, string> {
  const issuer = suite.target.baseUrl;
  return { clientId, clientSecret, issuer, discoveryUrl: `${issuer}/.well-known/openid-configuration` };
}

/** The requests of the step that touched the client's secrets in Pocket-ID (listed, made or revoked). */
function secretRequests(step: Step): Array<{ method: string; path: string }> {
  return requestsLogged(step).filter((request) => request.path.includes('/secrets'));
}

describe('a client secret the user brings', () => {
  const logicalId = 'Brought';
  let sourceArn: string;
  let secretArn: string;
  let clientId: string;
  let props: Record<string, unknown>;
  let first: string;
  let second: string;

  beforeAll(async () => {
    first = newValue();
    second = newValue();
    sourceArn = await sourceHolding('webapp', first);
    secretArn = await secrets.createOwnedSecret('brought-webapp-client');
    props = properties({ Name: `brought-${run}`, IsPublic: 'false', SecretArn: secretArn, ClientSecretSource: sourceArn, ClientSecretField: 'secret' });
  });

  test('Create has Pocket-ID hold the value: it authenticates, the owned secret holds it, and it is the client\'s only secret', async () => {
    const step = await suite.cfn.create(logicalId, props);
    await expectSucceeded(step);
    clientId = step.response.PhysicalResourceId;
    expect(await secrets.readJson(secretArn)).toEqual(credentialsOf(clientId, first));
    expect(await suite.directory.authenticates(clientId, first)).toBe(true);
    // Pocket-ID 2.17+ made a secret with the client: revoked, since nobody could read it.
    expect(await suite.directory.clientSecrets(clientId)).toHaveLength(1);
  });

  test('an update that changes nothing of the secret reads nothing: a new value in the source is not seen', async () => {
    await putInSource(sourceArn, second);
    const versionsBefore = await secrets.versions(secretArn);
    const listedBefore = await suite.directory.clientSecrets(clientId);
    const renamed = { ...props, Name: `brought-renamed-${run}` };
    const step = await suite.cfn.update(logicalId, clientId, renamed, props);
    await expectSucceeded(step);
    props = renamed;
    expect(secretRequests(step)).toEqual([]);
    expect(await secrets.versions(secretArn)).toEqual(versionsBefore);
    expect(await suite.directory.clientSecrets(clientId)).toEqual(listedBefore);
    expect(await suite.directory.authenticates(clientId, first)).toBe(true);
    expect(await suite.directory.authenticates(clientId, second)).toBe(false);
  });

  test('a changed ClientSecretVersion rolls the new value out: it authenticates, the old one does not', async () => {
    const rolled = { ...props, ClientSecretVersion: '2' };
    const step = await suite.cfn.update(logicalId, clientId, rolled, props);
    await expectSucceeded(step);
    props = rolled;
    expect(await suite.directory.authenticates(clientId, second)).toBe(true);
    expect(await suite.directory.authenticates(clientId, first)).toBe(false);
    expect(await secrets.readJson(secretArn)).toEqual(credentialsOf(clientId, second));
    expect(await suite.directory.clientSecrets(clientId)).toHaveLength(1);
  });

  test('a changed ClientSecretVersion with the value Pocket-ID already holds makes no secret and writes nothing', async () => {
    const versionsBefore = await secrets.versions(secretArn);
    const listedBefore = await suite.directory.clientSecrets(clientId);
    const again = { ...props, ClientSecretVersion: '3' };
    const step = await suite.cfn.update(logicalId, clientId, again, props);
    await expectSucceeded(step);
    props = again;
    expect(secretRequests(step).filter((request) => request.method !== 'GET')).toEqual([]);
    expect(await secrets.versions(secretArn)).toEqual(versionsBefore);
    expect(await suite.directory.clientSecrets(clientId)).toEqual(listedBefore);
    expect(await suite.directory.authenticates(clientId, second)).toBe(true);
  });

  test('Delete removes the client; the user\'s secret stays as it is', async () => {
    await expectSucceeded(await suite.cfn.delete(logicalId, clientId, props));
    expect(await suite.directory.client(clientId)).toBeUndefined();
    expect(JSON.parse(await secrets.read(sourceArn))).toEqual({ secret: second });
  });
});

describe('bringing a secret to a client that had a generated one', () => {
  test('the brought value replaces the generated secret, which stops working', async () => {
    const secretArn = await secrets.createOwnedSecret('switched-client');
    const generatedProps = properties({ Name: `switched-${run}`, IsPublic: 'false', SecretArn: secretArn });
    const created = await suite.cfn.create('Switched', generatedProps);
    await expectSucceeded(created);
    const clientId = created.response.PhysicalResourceId;
    const generated = (await secrets.readJson(secretArn)).clientSecret;
    secretValues.add(generated);

    const value = newValue(24);
    const sourceArn = await secrets.create('brought-plain', value);
    const broughtProps = { ...generatedProps, ClientSecretSource: sourceArn };
    await expectSucceeded(await suite.cfn.update('Switched', clientId, broughtProps, generatedProps));
    expect(await suite.directory.authenticates(clientId, value)).toBe(true);
    expect(await suite.directory.authenticates(clientId, generated)).toBe(false);
    expect(await secrets.readJson(secretArn)).toEqual(credentialsOf(clientId, value));
    expect(await suite.directory.clientSecrets(clientId)).toHaveLength(1);
    await expectSucceeded(await suite.cfn.delete('Switched', clientId, broughtProps));
  });
});

describe('the same Create delivered twice', () => {
  test('makes one client holding the brought value, and one secret', async () => {
    const value = newValue();
    const sourceArn = await sourceHolding('twice', value);
    const secretArn = await secrets.createOwnedSecret('brought-twice-client');
    const props = properties({ Name: `brought-twice-${run}`, IsPublic: 'false', SecretArn: secretArn, ClientSecretSource: sourceArn, ClientSecretField: 'secret' });
    const requestId = `request-${randomBytes(4).toString('hex')}`;
    const first = await suite.cfn.create('Twice', props, requestId);
    const second = await suite.cfn.create('Twice', props, requestId);
    await expectSucceeded(first);
    await expectSucceeded(second);
    const clientId = first.response.PhysicalResourceId;
    expect(second.response.PhysicalResourceId).toBe(clientId);
    expect(await suite.directory.clientsNamed(`brought-twice-${run}`)).toHaveLength(1);
    expect(await secrets.readJson(secretArn)).toEqual(credentialsOf(clientId, value));
    expect(await suite.directory.clientSecrets(clientId)).toHaveLength(1);
    expect(await suite.directory.authenticates(clientId, value)).toBe(true);
    await expectSucceeded(await suite.cfn.delete('Twice', clientId, props));
  });
});

describe('a value Pocket-ID would refuse fails the Create, and leaves nothing behind', () => {
  test.each<[string, () => { text: string; field?: string }, RegExp]>([
    ['a value too short', () => ({ text: JSON.stringify({ secret: `short-${newValue(5)}` }), field: 'secret' }),
      /clientSecret: the field 'secret' of the secret \S+ is not a client secret Pocket-ID takes: it must be at least 16 printable ASCII characters .*it has 11 characters\./],
    ['a missing field', () => ({ text: JSON.stringify({ other: newValue() }), field: 'secret' }),
      /clientSecret: the secret \S+ has no field 'secret' holding a string: check clientSecretField against the secret's keys/],
    ['a value with a line break', () => ({ text: `${newValue(20)}\n` }),
      /clientSecret: the value of the secret \S+ is not a client secret Pocket-ID takes: .*it has 21 characters, 1 of them not printable ASCII/],
  ])('%s', async (name, source, reason) => {
    const { text, field } = source();
    secretValues.add(text);
    const sourceArn = await secrets.create('brought-bad', text);
    const secretArn = await secrets.createOwnedSecret('brought-bad-client');
    const placeholder = await secrets.read(secretArn);
    const clientName = `bad-${name.replace(/\W+/g, '-')}-${run}`;
    const props = properties({ Name: clientName, IsPublic: 'false', SecretArn: secretArn, ClientSecretSource: sourceArn, ClientSecretField: field });
    const step = await suite.cfn.create('BadSource', props);
    expectFailed(step, reason);
    expect(step.response.PhysicalResourceId).toBe(CREATE_FAILED_MARKER);
    expect(await suite.directory.clientsNamed(clientName)).toEqual([]);
    expect(await secrets.read(secretArn)).toBe(placeholder);
  });

});

describe('properties the handler refuses before anything is sent, naming the field', () => {
  test.each<[string, (sourceArn: string) => Record<string, unknown>, RegExp]>([
    ['a public client that names a secret', (sourceArn) => ({ IsPublic: 'true', ClientSecretSource: sourceArn }), /clientSecret needs a confidential client/],
    ['an empty source', () => ({ ClientSecretSource: '' }), /clientSecret must name a Secrets Manager secret/],
    ['a list for the source', (sourceArn) => ({ ClientSecretSource: [sourceArn] }), /clientSecret must be a string/],
    ['an empty field', (sourceArn) => ({ ClientSecretSource: sourceArn, ClientSecretField: '' }), /clientSecretField must not be empty/],
    ['a field without a source', () => ({ ClientSecretField: 'secret' }), /clientSecretField needs clientSecret/],
    ['a version without a source', () => ({ ClientSecretVersion: '2' }), /clientSecretVersion needs clientSecret/],
  ])('%s', async (name, extra, reason) => {
    const sourceArn = await secrets.create('brought-refused', newValue());
    const secretArn = await secrets.createOwnedSecret('brought-refused-client');
    const clientName = `refused-${name.replace(/\W+/g, '-')}-${run}`.slice(0, 50);
    const step = await suite.cfn.create('Refused', properties({ Name: clientName, IsPublic: 'false', SecretArn: secretArn, ...extra(sourceArn) }));
    expectFailed(step, reason);
    expect(requestsLogged(step).filter((request) => request.path !== '/api/version/current')).toEqual([]);
    expect(await suite.directory.clientsNamed(clientName)).toEqual([]);
  });
});
