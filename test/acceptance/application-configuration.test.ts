/**
 * The application configuration, end to end: the bundled handler, in its own Node.js process, receives
 * the events CloudFormation sends and talks HTTP to Pocket-ID (the test server, or a real Pocket-ID
 * when POCKETID_BASE_URL and POCKETID_API_TOKEN are set) and to moto's Secrets Manager. The
 * configuration is instance-wide: the suite puts back what it found when it ends.
 */
import { randomBytes } from 'crypto';
import { ResourceType } from '../../lib/contract';
import { AcceptanceRun } from '../support/acceptance';
import { CloudFormationSimulator } from '../support/cloudformation';
import { isRealPocketId, PocketIdTarget, testServerVersion } from '../support/pocket-id-target';

const acceptance = new AcceptanceRun(ResourceType.APPLICATION_CONFIGURATION);
const { run, secrets, secretValues, properties, expectSucceeded, expectFailed } = acceptance;
let target: PocketIdTarget;
let cfn: CloudFormationSimulator;
/** The configuration as the suite found it, passwords included. */
let original: Record<string, string>;

async function call(method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(`${target.baseUrl}${path}`, {
    method,
    headers: { 'X-API-Key': target.apiToken, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status}`);
  return JSON.parse(text);
}

async function settings(): Promise<Record<string, string>> {
  const items: Array<{ key: string; value: string }> = await call('GET', '/api/application-configuration/all');
  return Object.fromEntries(items.map((item) => [item.key, item.value]));
}

/** A password in the exposure scan. */
function password(name: string): string {
  const value = `${name}-${randomBytes(12).toString('hex')}`;
  secretValues.add(value);
  return value;
}

beforeAll(async () => {
  ({ target, cfn } = await acceptance.start());
  original = await settings();
  // A setting this library has no prop for: it must survive every write.
  await call('PUT', '/api/application-configuration', { ...original, cimdUrlAllowlist: '["https://apps.example.com/*"]' });
});

afterAll(async () => {
  if (original) await call('PUT', '/api/application-configuration', original);
  await acceptance.stop();
});

describe('the application configuration', () => {
  const logicalId = 'Config';
  let physicalId: string;
  let props: Record<string, unknown>;
  let smtpSecretArn: string;
  let smtpPassword: string;

  test('Create sets the declared settings and keeps the others, one the library does not know included', async () => {
    smtpPassword = password('smtp');
    smtpSecretArn = await secrets.create(`smtp-${run}`, JSON.stringify({ password: smtpPassword }));
    props = properties({
      Settings: { appName: `Acme ${run}`, sessionDuration: '120', smtpHost: 'smtp.example.com', smtpPort: '587', smtpTls: 'starttls', emailLoginNotificationEnabled: 'true' },
      SmtpPasswordSource: smtpSecretArn,
      SmtpPasswordField: 'password',
    });
    const before = await settings();
    const step = await cfn.create(logicalId, props);
    await expectSucceeded(step);
    physicalId = step.response.PhysicalResourceId;
    expect(physicalId).toMatch(/^application-configuration@[0-9a-f]{12}$/);
    expect(step.response.Data ?? {}).toEqual({});
    const after = await settings();
    expect(after).toEqual({
      ...before,
      appName: `Acme ${run}`,
      sessionDuration: '120',
      smtpHost: 'smtp.example.com',
      smtpPort: '587',
      smtpTls: 'starttls',
      emailLoginNotificationEnabled: 'true',
      smtpPassword,
    });
    expect(after.cimdUrlAllowlist).toBe('["https://apps.example.com/*"]');
    expect(JSON.stringify(step.event)).not.toContain(smtpPassword);
  });

  test('Update changes what changed; a setting no longer declared returns to Pocket-ID\'s default', async () => {
    const next = properties({
      Settings: { appName: `Acme ${run}`, smtpHost: 'mail.example.com', smtpPort: '587', smtpTls: 'starttls', emailLoginNotificationEnabled: 'true' },
      SmtpPasswordSource: smtpSecretArn,
      SmtpPasswordField: 'password',
    });
    const step = await cfn.update(logicalId, physicalId, next, props);
    await expectSucceeded(step);
    expect(step.response.PhysicalResourceId).toBe(physicalId);
    const after = await settings();
    expect(after).toMatchObject({ smtpHost: 'mail.example.com', sessionDuration: '60', smtpPassword, cimdUrlAllowlist: '["https://apps.example.com/*"]' });
    props = next;
  });

  test('a new password in the secret reaches Pocket-ID when its version changes, and shows nowhere', async () => {
    smtpPassword = password('smtp-2');
    await secrets.put(smtpSecretArn, JSON.stringify({ password: smtpPassword }));
    const next = { ...props, SmtpPasswordVersion: '2' };
    const step = await cfn.update(logicalId, physicalId, next, props);
    await expectSucceeded(step);
    expect((await settings()).smtpPassword).toBe(smtpPassword);
    props = next;
  });

  test('bad input is refused before anything is sent, naming the prop', async () => {
    const bad = { ...props, Settings: { appName: 'x'.repeat(31), smtpTls: 'ssl', smtpPassword: 'in-the-template' } };
    const step = await cfn.update(logicalId, physicalId, bad, props);
    expectFailed(step, /applicationName must be at most 30 characters.*smtp\.tls must be one of none, starttls, tls.*additionalSettings\.smtpPassword/s);
  });

  test('a setting the Pocket-ID does not have fails before anything is changed', async () => {
    const before = await settings();
    const next = { ...props, Settings: { ...(props.Settings as object), noSuchSetting: 'x', appName: 'Changed' } };
    const step = await cfn.update(logicalId, physicalId, next, props);
    expectFailed(step, /has no setting additionalSettings\.noSuchSetting \('noSuchSetting'\).*Nothing was changed/);
    expect(await settings()).toEqual(before);
  });

  (isRealPocketId() ? test.skip : test)('a failure after the PUT puts the previous configuration back, passwords included', async () => {
    const before = await settings();
    target.testServer!.injectFault({ method: 'PUT', path: '/api/application-configuration', afterHandling: true, status: 500, body: '{"error":"Something went wrong"}', times: 1 });
    const next = { ...props, Settings: { ...(props.Settings as object), appName: 'Rolled back' }, SmtpPasswordSource: undefined };
    const step = await cfn.update(logicalId, physicalId, next, props);
    expectFailed(step, /Update the application configuration/);
    expect(await settings()).toEqual(before);
    expect(step.logs.join('\n')).toContain('undid a partial change');
  });

  test('Delete leaves the configuration as it is, and sends no request', async () => {
    const before = await settings();
    const step = await cfn.delete(logicalId, physicalId, props);
    await expectSucceeded(step);
    expect(await settings()).toEqual(before);
  });
});

(isRealPocketId() ? describe.skip : describe)('a setting of a newer release (2.17) the library sends back as it is', () => {
  const version = '2.17.0';
  // The release this suite's server plays (the release matrix runs it on each): set again after the test.
  afterEach(() => target.testServer!.setVersion(testServerVersion()));

  test('autoCreateOidcClientSecret keeps its value through an update of other settings', async () => {
    target.testServer!.setVersion(version);
    target.testServer!.setAppSettings({ autoCreateOidcClientSecret: 'false' });
    const props = properties({ Settings: { appName: `New ${run}` } });
    const step = await cfn.create('Newer', props);
    await expectSucceeded(step);
    expect(target.testServer!.appSettings()).toMatchObject({ appName: `New ${run}`, autoCreateOidcClientSecret: 'false' });
    target.testServer!.setVersion('2.14.0');
    const refused = await cfn.update('Newer', step.response.PhysicalResourceId, properties({ Settings: { autoCreateOidcClientSecret: 'true' } }), props);
    // The handler's container remembers the release it read: the key missing from /all refuses it all the same.
    expectFailed(refused, /autoCreateOidcClientSecret.*Nothing was changed/);
  });
});
