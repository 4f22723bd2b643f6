/**
 * Rotation of a client secret through Secrets Manager's own protocol: RotateSecret goes to moto, which
 * makes the AWSPENDING version and invokes the rotation function (the bundled handler's `rotate` entry,
 * in its own Lambda container) step by step. After each rotation, what every stage holds is read from
 * Secrets Manager, and which secrets exist and authenticate from Pocket-ID's token endpoint.
 */
import { ResourceType, RotationSettings } from '../../lib/contract';
import { AcceptanceRun } from '../support/acceptance';
import { showsSecret } from '../support/exposure';
import { isRealPocketId } from '../support/pocket-id-target';
import { ROTATION_STEPS, RotationFunction } from '../support/rotation';

const acceptance = new AcceptanceRun(ResourceType.OIDC_CLIENT);
const { run, secrets, secretValues, properties, expectSucceeded } = acceptance;
const suite = acceptance.inSuite();
/** Short enough to wait for in a test, long enough that two rotations in a row fall inside it. */
const OVERLAP_SECONDS = 4;
const functions: RotationFunction[] = [];

afterAll(async () => {
  for (const fn of functions) {
    fn.logs.forEach((line, n) => acceptance.exposure.record('log', `rotation function line ${n + 1}`, line));
    acceptance.exposure.recordErrorOutput('rotation function', fn.container.errorOutput);
    await fn.stop();
  }
});

async function rotationFunction(policy: Partial<RotationSettings> = {}): Promise<RotationFunction> {
  const connection = properties({}) as unknown as RotationSettings;
  const fn = await RotationFunction.start({ ...connection, OverlapSeconds: String(OVERLAP_SECONDS), ...policy });
  functions.push(fn);
  return fn;
}

/** A confidential client made through CloudFormation; returns its id and secret ARN. */
async function confidentialClient(name: string, extra: Record<string, unknown> = {}): Promise<{ clientId: string; secretArn: string }> {
  const secretArn = await secrets.createOwnedSecret(`rotating-${name}`);
  const step = await suite.cfn.create(name, properties({ Name: `${name}-${run}`, IsPublic: 'false', SecretArn: secretArn, ...extra }));
  await expectSucceeded(step);
  return { clientId: step.response.PhysicalResourceId, secretArn };
}

/** The client secret each stage holds (and every value, for the exposure checks). */
async function stages(secretArn: string): Promise<Record<string, string>> {
  const byStage: Record<string, string> = {};
  for (const version of await secrets.versions(secretArn)) {
    // The placeholder CloudFormation's Secret starts with is no JSON.
    const secret = version.value.startsWith('{') ? JSON.parse(version.value).clientSecret : undefined;
    if (typeof secret === 'string') secretValues.add(secret);
    for (const stage of version.stages.filter((label) => label.startsWith('AWS'))) byStage[stage] = secret;
  }
  return byStage;
}

/** The Pocket-ID secret ids recorded as made here, on the version that holds each. */
async function recorded(secretArn: string): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const version of await secrets.versions(secretArn)) {
    for (const label of version.stages.filter((stage) => stage.startsWith('PocketIdSecret-'))) ids[label.slice('PocketIdSecret-'.length)] = version.versionId;
  }
  return ids;
}

function expectNoSecretInLogs(fn: RotationFunction): void {
  for (const line of fn.logs) {
    expect(() => JSON.parse(line)).not.toThrow();
    for (const value of secretValues) expect(showsSecret(line, value)).toBe(false);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a scheduled rotation', () => {
  let clientId: string;
  let secretArn: string;
  let fn: RotationFunction;
  let first: string;
  let second: string;

  beforeAll(async () => {
    ({ clientId, secretArn } = await confidentialClient('rotating'));
    fn = await rotationFunction();
    first = (await stages(secretArn)).AWSCURRENT;
  });

  test('makes a new secret AWSCURRENT, and the one it replaced keeps working', async () => {
    const rotation = await fn.rotate(secretArn);
    expect(rotation.failure).toBeUndefined();
    expect(rotation.steps.map((step) => step.step)).toEqual([...ROTATION_STEPS]);
    const now = await stages(secretArn);
    second = now.AWSCURRENT;
    expect(second).not.toBe(first);
    expect(now.AWSPREVIOUS).toBe(first);
    expect(await secrets.readJson(secretArn)).toMatchObject({ clientId, clientSecret: second, issuer: suite.target.baseUrl });
    expect(await suite.directory.authenticates(clientId, second)).toBe(true);
    expect(await suite.directory.authenticates(clientId, first)).toBe(true);
    const listed = await suite.directory.clientSecrets(clientId);
    expect(listed).toHaveLength(2);
    // Each secret's id is recorded on the version that holds it: the client resource's, and the rotation's.
    const idOf = (value: string) => listed.find((secret) => value.startsWith(secret.prefix!))!.id;
    const versions = await secrets.versions(secretArn);
    const firstVersion = versions.find((version) => version.stages.includes('AWSPREVIOUS'))!.versionId;
    expect(await recorded(secretArn)).toEqual({ [idOf(first)]: firstVersion, [idOf(second)]: rotation.token });
    expectNoSecretInLogs(fn);
  });

  test('a second rotation within the overlap is refused, and changes nothing', async () => {
    const before = await suite.directory.clientSecrets(clientId);
    const rotation = await fn.rotate(secretArn);
    expect(rotation.ok).toBe(false);
    expect(rotation.failure).toMatch(/createSecret of secret .*keeps working until .* \(the overlap\).*Nothing was changed/);
    expect(await stages(secretArn)).toEqual({ AWSCURRENT: second, AWSPREVIOUS: first });
    expect(await suite.directory.clientSecrets(clientId)).toEqual(before);
    expect((await secrets.versions(secretArn)).some((version) => version.stages.includes('AWSPENDING'))).toBe(false);
  });

  test('after the overlap, the next rotation revokes the oldest: two secrets live, both stored', async () => {
    await sleep(OVERLAP_SECONDS * 1000);
    const rotation = await fn.rotate(secretArn);
    expect(rotation.failure).toBeUndefined();
    const now = await stages(secretArn);
    expect(now.AWSPREVIOUS).toBe(second);
    expect(await suite.directory.authenticates(clientId, now.AWSCURRENT)).toBe(true);
    expect(await suite.directory.authenticates(clientId, second)).toBe(true);
    expect(await suite.directory.authenticates(clientId, first)).toBe(false);
    expect(await suite.directory.clientSecrets(clientId)).toHaveLength(2);
    expectNoSecretInLogs(fn);
  });

  test('every step delivered again changes nothing', async () => {
    const token = (await secrets.versions(secretArn)).find((version) => version.stages.includes('AWSCURRENT'))!.versionId;
    const before = { stages: await stages(secretArn), pocketId: await suite.directory.clientSecrets(clientId) };
    for (const step of ROTATION_STEPS) expect((await fn.deliver(step, secretArn, token)).invocation.message).toBeUndefined();
    expect({ stages: await stages(secretArn), pocketId: await suite.directory.clientSecrets(clientId) }).toEqual(before);
  });
});

describe('each step of a rotation, delivered twice', () => {
  test('makes one secret, and the rotation ends as if each ran once', async () => {
    const { clientId, secretArn } = await confidentialClient('twice');
    const fn = await rotationFunction();
    const first = (await stages(secretArn)).AWSCURRENT;
    const token = await fn.begin(secretArn);
    for (const step of ROTATION_STEPS) {
      expect((await fn.deliver(step, secretArn, token)).invocation.message).toBeUndefined();
      expect((await fn.deliver(step, secretArn, token)).invocation.message).toBeUndefined();
    }
    const now = await stages(secretArn);
    expect(now.AWSPREVIOUS).toBe(first);
    expect(await suite.directory.clientSecrets(clientId)).toHaveLength(2);
    expect(await suite.directory.authenticates(clientId, now.AWSCURRENT)).toBe(true);
  });
});

describe('repair', () => {
  test('a current secret revoked in Pocket-ID is replaced by rotate-secret, even within the overlap', async () => {
    const { clientId, secretArn } = await confidentialClient('repaired');
    const fn = await rotationFunction();
    expect((await fn.rotate(secretArn)).failure).toBeUndefined();
    const { AWSCURRENT: revoked, AWSPREVIOUS: previous } = await stages(secretArn);
    const listed = await suite.directory.clientSecrets(clientId);
    const current = listed.find((secret) => revoked.startsWith(secret.prefix!))!;
    await suite.directory.revokeClientSecret(clientId, current.id);
    expect(await suite.directory.authenticates(clientId, revoked)).toBe(false);

    const rotation = await fn.rotate(secretArn);
    expect(rotation.failure).toBeUndefined();
    const now = await stages(secretArn);
    expect(await suite.directory.authenticates(clientId, now.AWSCURRENT)).toBe(true);
    // The secret the dead one replaced is still in its overlap: apps that read it before keep working.
    expect(await suite.directory.authenticates(clientId, previous)).toBe(true);
    expect(await suite.directory.clientSecrets(clientId)).toHaveLength(2);
  });
});

describe('only what it made', () => {
  test('a secret made in Pocket-ID\'s UI stays through rotations; with exclusive secrets it is revoked', async () => {
    const { clientId, secretArn } = await confidentialClient('shared');
    const byHand = await suite.directory.createClientSecret(clientId);
    secretValues.add(byHand.secret);
    const fn = await rotationFunction({ OverlapSeconds: '0' });
    expect((await fn.rotate(secretArn)).failure).toBeUndefined();
    expect((await fn.rotate(secretArn)).failure).toBeUndefined();
    expect(await suite.directory.authenticates(clientId, byHand.secret)).toBe(true);
    expect(await suite.directory.clientSecrets(clientId)).toHaveLength(3);

    const exclusive = await rotationFunction({ OverlapSeconds: '0', ExclusiveSecrets: 'true' });
    expect((await exclusive.rotate(secretArn)).failure).toBeUndefined();
    expect(await suite.directory.authenticates(clientId, byHand.secret)).toBe(false);
    const now = await stages(secretArn);
    expect((await suite.directory.clientSecrets(clientId)).length).toBe(2);
    expect(await suite.directory.authenticates(clientId, now.AWSCURRENT)).toBe(true);
    expect(await suite.directory.authenticates(clientId, now.AWSPREVIOUS)).toBe(true);
  });
});

describe('a secret lifetime', () => {
  test('sets Pocket-ID\'s expiresAt on each secret a rotation makes', async () => {
    const { clientId, secretArn } = await confidentialClient('expiring');
    const fn = await rotationFunction({ SecretLifetimeSeconds: String(10 * 86400) });
    const before = Date.now();
    expect((await fn.rotate(secretArn)).failure).toBeUndefined();
    const { AWSCURRENT: current } = await stages(secretArn);
    const made = (await suite.directory.clientSecrets(clientId)).find((secret) => current.startsWith(secret.prefix!))!;
    const expiresAt = Date.parse(made.expiresAt!);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 10 * 86400_000 - 2_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 10 * 86400_000 + 2_000);
  });
});

describe('failures', () => {
  const onTestServer = isRealPocketId() ? test.skip : test;

  onTestServer('a lost answer to the POST of the new secret: the repeated step finds it, and one secret is made', async () => {
    const { clientId, secretArn } = await confidentialClient('lost-answer');
    const fn = await rotationFunction();
    const token = await fn.begin(secretArn);
    suite.target.testServer!.injectFault({ method: 'POST', path: `/api/oidc/clients/${clientId}/secrets`, afterHandling: true, resetConnection: true });
    const failed = await fn.deliver('createSecret', secretArn, token);
    expect(failed.invocation.ok).toBe(false);
    // Pocket-ID made it; Secrets Manager holds it as AWSPENDING: no live secret is unstored.
    const pending = (await secrets.versions(secretArn)).find((version) => version.versionId === token)!;
    expect(pending.stages).toContain('AWSPENDING');
    expect(await suite.directory.authenticates(clientId, JSON.parse(pending.value).clientSecret)).toBe(true);
    expect(await suite.directory.authenticates(clientId, (await stages(secretArn)).AWSCURRENT)).toBe(true);

    for (const step of ROTATION_STEPS) expect((await fn.deliver(step, secretArn, token)).invocation.message).toBeUndefined();
    expect(await suite.directory.clientSecrets(clientId)).toHaveLength(2);
    expect((await stages(secretArn)).AWSCURRENT).toBe(JSON.parse(pending.value).clientSecret);
  });
});

describe('the client resource', () => {
  test('gives a new client a secret that expires after secretLifetime, and no other', async () => {
    const before = Date.now();
    const { clientId, secretArn } = await confidentialClient('resource-lifetime', { SecretLifetimeSeconds: String(30 * 86400) });
    const listed = await suite.directory.clientSecrets(clientId);
    expect(listed).toHaveLength(1);
    expect(Date.parse(listed[0].expiresAt!)).toBeGreaterThanOrEqual(before + 30 * 86400_000 - 2_000);
    const { AWSCURRENT: current } = await stages(secretArn);
    expect(await suite.directory.authenticates(clientId, current)).toBe(true);
    expect(Object.keys(await recorded(secretArn))).toEqual([listed[0].id]);
  });

  test.each([
    ['stays', {}, 2],
    ['is revoked with exclusiveSecrets', { ExclusiveSecrets: 'true' }, 1],
  ])('replacing a dead stored secret: a secret made in the UI %s', async (_, extra, left) => {
    const name = `resource-repair-${left}`;
    const { clientId, secretArn } = await confidentialClient(name, extra);
    const byHand = await suite.directory.createClientSecret(clientId);
    secretValues.add(byHand.secret);
    const stored = (await stages(secretArn)).AWSCURRENT;
    const storedSecret = (await suite.directory.clientSecrets(clientId)).find((secret) => stored.startsWith(secret.prefix!))!;
    await suite.directory.revokeClientSecret(clientId, storedSecret.id);

    const movedTo = await secrets.createOwnedSecret(`${name}-moved`);
    const oldProps = properties({ Name: `${name}-${run}`, IsPublic: 'false', SecretArn: secretArn, ...extra });
    const update = await suite.cfn.update(name, clientId, properties({ Name: `${name}-${run}`, IsPublic: 'false', SecretArn: movedTo, ...extra }), oldProps);
    await expectSucceeded(update);
    const now = (await stages(movedTo)).AWSCURRENT;
    expect(await suite.directory.authenticates(clientId, now)).toBe(true);
    expect(await suite.directory.authenticates(clientId, byHand.secret)).toBe(left === 2);
    expect(await suite.directory.clientSecrets(clientId)).toHaveLength(left);
  });
});
