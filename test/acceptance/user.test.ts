/**
 * The user lifecycle, end to end: the bundled handler, in its own Node.js process, receives the events
 * CloudFormation sends; it talks HTTP to Pocket-ID (the test server, or a real Pocket-ID when
 * POCKETID_BASE_URL and POCKETID_API_TOKEN are set) and the AWS SDK to moto's Secrets Manager.
 * After each step the state of both is read back and the response and logs are checked for secrets.
 */
import { randomBytes, randomUUID } from 'crypto';
import { ResourceType } from '../../lib/contract';
import { AcceptanceRun, escapeRegExp, requestsLogged, without } from '../support/acceptance';
import { CloudFormationSimulator, CREATE_FAILED_MARKER } from '../support/cloudformation';
import { PocketIdDirectory } from '../support/pocket-id-directory';
import { isRealPocketId, PocketIdTarget } from '../support/pocket-id-target';

const acceptance = new AcceptanceRun(ResourceType.USER);
/** secretValues also gets the run's login tokens and links: none may appear in a response or a log line. */
const { run, secrets, secretValues, properties, expectSucceeded, expectFailed } = acceptance;
let target: PocketIdTarget;
let directory: PocketIdDirectory;
let cfn: CloudFormationSimulator;
/** Every user id the run may have left in Pocket-ID; removed at the end (a real server's database is shared). */
const touchedUserIds = new Set<string>();
acceptance.onStep((step) => {
  if (step.response.Status === 'SUCCESS') touchedUserIds.add(step.response.PhysicalResourceId);
});
const MISSING_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:does-not-exist-AbCdEf';

beforeAll(async () => {
  ({ target, directory, cfn } = await acceptance.start());
});

afterAll(async () => {
  if (directory) await directory.deleteUsers([...touchedUserIds]);
  await acceptance.stop();
});

/** A username and email of this run, so that a real server's other users are never touched. */
function person(name: string): { Username: string; Email: string } {
  return { Username: `${name}-${run}`, Email: `${name}-${run}@example.com` };
}

/** Reads the stored login link and adds its URL and token to the values no response or log may show. */
async function rememberLoginLink(secretArn: string): Promise<any> {
  const stored = await secrets.readJson(secretArn).catch(() => ({}));
  if (typeof stored.loginUrl === 'string') {
    secretValues.add(stored.loginUrl);
    secretValues.add(tokenOf(stored.loginUrl));
  }
  return stored;
}

function tokenOf(loginUrl: string): string {
  return loginUrl.slice(loginUrl.lastIndexOf('/lc/') + 4);
}

/** The secret holds a link for the user, built on the issuer, with an expiry `lifetimeSeconds` from about now. */
async function expectStoredLoginLink(secretArn: string, expected: { userId: string; username: string; issuer?: string; lifetimeSeconds: number }) {
  const stored = await rememberLoginLink(secretArn);
  const issuer = expected.issuer ?? target.baseUrl;
  expect(stored).toEqual({
    username: expected.username,
    userId: expected.userId,
    loginUrl: expect.stringMatching(new RegExp(`^${escapeRegExp(issuer)}/lc/[A-Za-z0-9]{6,}$`)),
    expiresAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/),
  });
  const secondsLeft = (Date.parse(stored.expiresAt) - Date.now()) / 1000;
  expect(secondsLeft).toBeGreaterThan(expected.lifetimeSeconds - 120);
  expect(secondsLeft).toBeLessThanOrEqual(expected.lifetimeSeconds);
  // The test server shows its live tokens; a real Pocket-ID is asked to sign in with the token (which uses it up).
  if (target.testServer) expect(target.testServer.oneTimeTokens(expected.userId)).toContain(tokenOf(stored.loginUrl));
  else expect(await directory.exchangeLoginToken(tokenOf(stored.loginUrl))).toBe(true);
  return stored;
}

describe('a user', () => {
  const logicalId = 'Alice';
  let loginSecretArn: string;
  let userId: string;
  let createProps: Record<string, unknown>;

  test('Create makes the user with every field, its claims, and a login link stored in Secrets Manager', async () => {
    loginSecretArn = await secrets.createOwnedSecret('alice-login');
    createProps = properties({
      ...person('alice'),
      EmailVerified: 'true',
      FirstName: 'Alice',
      LastName: 'Liddell',
      DisplayName: 'Alice L.',
      IsAdmin: 'true',
      Locale: 'de',
      Disabled: 'false',
      CustomClaims: [{ Key: 'department', Value: 'engineering' }, { Key: 'level', Value: '3' }],
      LoginLinkLifetimeSeconds: '3600',
      LoginLinkSecretArn: loginSecretArn,
    });
    const step = await cfn.create(logicalId, createProps);
    await rememberLoginLink(loginSecretArn);
    await expectSucceeded(step);

    userId = step.response.PhysicalResourceId;
    expect(userId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(step.response.Data).toEqual({ UserId: userId, Username: `alice-${run}` });
    expect(await directory.user(userId)).toMatchObject({
      username: `alice-${run}`,
      email: `alice-${run}@example.com`,
      emailVerified: true,
      firstName: 'Alice',
      lastName: 'Liddell',
      displayName: 'Alice L.',
      isAdmin: true,
      locale: 'de',
      disabled: false,
      customClaims: [{ key: 'department', value: 'engineering' }, { key: 'level', value: '3' }],
    });
    await expectStoredLoginLink(loginSecretArn, { userId, username: `alice-${run}`, lifetimeSeconds: 3600 });
  });

  test('Update renames in place, returns removed fields to Pocket-ID\'s defaults, replaces the claims and issues no new link', async () => {
    const linkBefore = await secrets.read(loginSecretArn);
    const newProps = {
      ...without(createProps, 'DisplayName', 'Locale', 'IsAdmin'),
      ...person('alice-renamed'),
      FirstName: 'Alicia',
      CustomClaims: [{ Key: 'department', Value: 'operations' }, { Key: 'team', Value: 'core' }],
    };
    const step = await cfn.update(logicalId, userId, newProps, createProps);
    await expectSucceeded(step);

    expect(step.response.PhysicalResourceId).toBe(userId);
    expect(step.response.Data).toEqual({ UserId: userId, Username: `alice-renamed-${run}` });
    const updated = await directory.user(userId);
    expect(updated).toMatchObject({
      username: `alice-renamed-${run}`,
      email: `alice-renamed-${run}@example.com`,
      emailVerified: true,
      firstName: 'Alicia',
      lastName: 'Liddell',
      displayName: '', // removed from the properties: back to Pocket-ID's default
      locale: null,
      isAdmin: false,
    });
    expect(sortedClaims(updated)).toEqual([{ key: 'department', value: 'operations' }, { key: 'team', value: 'core' }]);
    expect(await secrets.read(loginSecretArn)).toBe(linkBefore);
    createProps = newProps;
  });

  test('Update keeps what was set in Pocket-ID\'s UI and never declared; claims no longer declared are cleared', async () => {
    await directory.editUser(userId, { displayName: 'Set in the UI', locale: 'fr' });
    const newProps = { ...without(createProps, 'CustomClaims'), LastName: 'Pleasance' };
    const step = await cfn.update(logicalId, userId, newProps, createProps);
    await expectSucceeded(step);

    expect(await directory.user(userId)).toMatchObject({
      username: `alice-renamed-${run}`,
      lastName: 'Pleasance',
      displayName: 'Set in the UI', // never declared: the server's value stays
      locale: 'fr',
      customClaims: [],
    });
    createProps = newProps;
  });

  test('an Update that changes nothing, declared claims included, only reads the user', async () => {
    const props = { ...createProps, CustomClaims: [{ Key: 'team', Value: 'core' }] };
    await expectSucceeded(await cfn.update(logicalId, userId, props, createProps));
    const step = await cfn.update(logicalId, userId, props, props);
    await expectSucceeded(step);
    expect(requestsLogged(step).map((line) => `${line.method} ${line.path}`)).toEqual([expect.stringMatching(/^GET \/api\/users\//)]);
    expect(await directory.user(userId)).toMatchObject({ customClaims: [{ key: 'team', value: 'core' }] });
    createProps = props;
  });

  test('a failed Update is rolled back by the next Update', async () => {
    const failingProps = { ...createProps, FirstName: 'Failing', LoginLinkSecretArn: MISSING_SECRET_ARN };
    const failed = await cfn.update(logicalId, userId, failingProps, createProps);
    expectFailed(failed, /SecretValue on secret \S+ failed: ResourceNotFoundException/);

    const rollback = await cfn.update(logicalId, userId, createProps, failingProps);
    await rememberLoginLink(loginSecretArn);
    await expectSucceeded(rollback);
    expect(rollback.response.PhysicalResourceId).toBe(userId);
    expect(await directory.user(userId)).toMatchObject({ firstName: 'Alicia', lastName: 'Pleasance', displayName: 'Set in the UI' });
    // The secret came back into the properties: it gets a fresh link for the user.
    await expectStoredLoginLink(loginSecretArn, { userId, username: `alice-renamed-${run}`, lifetimeSeconds: 3600 });
  });

  test('Delete removes the user; a second Delete finds it gone and succeeds', async () => {
    const step = await cfn.delete(logicalId, userId, createProps);
    await expectSucceeded(step);
    expect(await directory.user(userId)).toBeUndefined();

    const again = await cfn.delete(logicalId, userId, createProps);
    await expectSucceeded(again);
    expect(again.logs.some((line) => JSON.parse(line).message === 'the user was already gone')).toBe(true);
  });
});

function sortedClaims(user: any): Array<{ key: string; value: string }> {
  return [...user.customClaims].sort((a, b) => a.key.localeCompare(b.key));
}

describe('replacement', () => {
  test('changing the fixed user id creates a new user; the old one goes with its Delete', async () => {
    const [idA, idB] = [randomUUID(), randomUUID()];
    const oldProps = properties({ ...person('fixed-a'), UserId: idA, FirstName: 'Fixed' });
    await expectSucceeded(await cfn.create('Fixed', oldProps));

    const newProps = { ...oldProps, ...person('fixed-b'), UserId: idB };
    const replaced = await cfn.update('Fixed', idA, newProps, oldProps);
    await expectSucceeded(replaced);
    expect(replaced.response.PhysicalResourceId).toBe(idB);
    expect(replaced.response.Data).toEqual({ UserId: idB, Username: `fixed-b-${run}` });
    expect(await directory.user(idB)).toMatchObject({ username: `fixed-b-${run}`, firstName: 'Fixed' });
    expect(await directory.user(idA)).toBeDefined();

    await expectSucceeded(await cfn.delete('Fixed', idA, oldProps));
    expect(await directory.user(idA)).toBeUndefined();
    expect(await directory.user(idB)).toBeDefined();
    await expectSucceeded(await cfn.delete('Fixed', idB, newProps));
  });

  test('a user id change that keeps the username and email fails clearly and changes nothing', async () => {
    const idA = randomUUID();
    const oldProps = properties({ ...person('keeps-name'), UserId: idA });
    await expectSucceeded(await cfn.create('KeepsName', oldProps));

    const newProps = { ...oldProps, UserId: randomUUID() };
    const failed = await cfn.update('KeepsName', idA, newProps, oldProps);
    expectFailed(failed, /already belongs to another Pocket-ID user.*change username and email together with userId/);
    expect(await directory.usersNamed(`keeps-name-${run}`)).toEqual([expect.objectContaining({ id: idA })]);
    expect(await directory.user(newProps.UserId as string)).toBeUndefined();
    await expectSucceeded(await cfn.delete('KeepsName', idA, oldProps));
  });

  test('the rollback of a user id change returns to the old user, and the cleanup removes the new one', async () => {
    const [idA, idB] = [randomUUID(), randomUUID()];
    const oldProps = properties({ ...person('rb-a'), UserId: idA, CustomClaims: [{ Key: 'origin', Value: 'a' }] });
    const newProps = { ...oldProps, ...person('rb-b'), UserId: idB };
    await expectSucceeded(await cfn.create('Rb', oldProps));
    await expectSucceeded(await cfn.update('Rb', idA, newProps, oldProps));

    // A later resource failed: CloudFormation sends the swapped Update to the new user...
    const rollback = await cfn.update('Rb', idB, oldProps, newProps);
    await expectSucceeded(rollback);
    expect(rollback.response.PhysicalResourceId).toBe(idA);
    // ...then deletes the one it no longer needs.
    await expectSucceeded(await cfn.delete('Rb', idB, newProps));

    expect(await directory.user(idB)).toBeUndefined();
    expect(await directory.user(idA)).toMatchObject({ username: `rb-a-${run}`, customClaims: [{ key: 'origin', value: 'a' }] });
    await expectSucceeded(await cfn.delete('Rb', idA, oldProps));
  });
});

describe('failures and repeats', () => {
  test('a Create that fails after making the user removes it; its Delete never reaches the handler', async () => {
    const props = properties({ ...person('halfway'), LoginLinkLifetimeSeconds: '3600', LoginLinkSecretArn: MISSING_SECRET_ARN });
    const failed = await cfn.create('Halfway', props);
    expectFailed(failed, /SecretValue on secret \S+ failed: ResourceNotFoundException/);
    expect(failed.response.PhysicalResourceId).toBe(CREATE_FAILED_MARKER);
    expect(await directory.usersNamed(`halfway-${run}`)).toEqual([]);

    const deleted = await cfn.delete('Halfway', CREATE_FAILED_MARKER, props);
    await expectSucceeded(deleted);
    expect(deleted.logs).toEqual([]);
  });

  test.each([
    ['a generated user id', false],
    ['a fixed user id', true],
  ])('the same Create delivered twice makes one user and keeps the first login link (%s)', async (label, fixed) => {
    const name = `twice-${fixed ? 'fixed' : 'generated'}`;
    const loginSecretArn = await secrets.createOwnedSecret(name);
    const props = properties({
      ...person(name),
      UserId: fixed ? randomUUID() : undefined,
      CustomClaims: [{ Key: 'delivery', Value: label }],
      LoginLinkLifetimeSeconds: '7200',
      LoginLinkSecretArn: loginSecretArn,
    });
    const requestId = `request-${randomBytes(4).toString('hex')}`;
    const first = await cfn.create('Twice', props, requestId);
    const firstLink = await rememberLoginLink(loginSecretArn);
    const second = await cfn.create('Twice', props, requestId);
    await expectSucceeded(first);
    await expectSucceeded(second);

    const userId = first.response.PhysicalResourceId;
    expect(second.response.PhysicalResourceId).toBe(userId);
    expect(await directory.usersNamed(`${name}-${run}`)).toEqual([expect.objectContaining({ id: userId, customClaims: [{ key: 'delivery', value: label }] })]);
    expect(await secrets.readJson(loginSecretArn)).toEqual(firstLink);
    if (target.testServer) expect(target.testServer.oneTimeTokens(userId)).toEqual([tokenOf(firstLink.loginUrl)]);
    await expectSucceeded(await cfn.delete('Twice', userId, props));
  });

  test('a username someone else holds (in any case) fails with a clear conflict and changes nothing', async () => {
    const ownerId = await directory.createUser({ ...lowerCaseKeys(person('owner')), firstName: 'Owner' });
    touchedUserIds.add(ownerId);
    const intruder = properties({ Username: `OWNER-${run}`, Email: `intruder-${run}@example.com`, FirstName: 'Intruder' });
    const step = await cfn.create('Intruder', intruder);
    expectFailed(step, new RegExp(`409 already_in_use.*The username 'OWNER-${run}' already belongs to another Pocket-ID user .*choose another username`));
    expect(step.response.PhysicalResourceId).toBe(CREATE_FAILED_MARKER);
    expect(await directory.usersNamed(`owner-${run}`)).toEqual([expect.objectContaining({ id: ownerId, firstName: 'Owner' })]);
    expect(await directory.usersWithEmail(`intruder-${run}@example.com`)).toEqual([]);
    await directory.deleteUser(ownerId);
  });

  test('a fixed user id someone else holds fails naming that user, and touches it not', async () => {
    const ownerId = await directory.createUser({ ...lowerCaseKeys(person('id-owner')), id: randomUUID() });
    touchedUserIds.add(ownerId);
    const step = await cfn.create('IdIntruder', properties({ ...person('id-intruder'), UserId: ownerId }));
    expectFailed(step, new RegExp(`the user id ${ownerId} already belongs to the Pocket-ID user 'id-owner-${run}'.*Choose another userId`));
    expect(await directory.user(ownerId)).toMatchObject({ username: `id-owner-${run}` });
    await directory.deleteUser(ownerId);
  });

  test('an Update to a username someone else holds fails with a clear conflict and changes nothing', async () => {
    const ownerId = await directory.createUser(lowerCaseKeys(person('taken')));
    touchedUserIds.add(ownerId);
    const props = properties({ ...person('wants-taken'), FirstName: 'Before' });
    const created = await cfn.create('WantsTaken', props);
    await expectSucceeded(created);
    const userId = created.response.PhysicalResourceId;

    const failed = await cfn.update('WantsTaken', userId, { ...props, Username: `taken-${run}`, FirstName: 'After' }, props);
    expectFailed(failed, new RegExp(`Update user: PUT /api/users/${userId} returned 409 already_in_use.*The username 'taken-${run}' already belongs`));
    expect(await directory.user(userId)).toMatchObject({ username: `wants-taken-${run}`, firstName: 'Before' });
    await expectSucceeded(await cfn.delete('WantsTaken', userId, props));
    await directory.deleteUser(ownerId);
  });

  test('removing the email while Pocket-ID requires one fails clearly and changes nothing', async () => {
    const props = properties({ ...person('keeps-email'), FirstName: 'Kept' });
    const created = await cfn.create('KeepsEmail', props);
    await expectSucceeded(created);
    const userId = created.response.PhysicalResourceId;

    const failed = await cfn.update('KeepsEmail', userId, { ...without(props, 'Email'), FirstName: 'Changed' }, props);
    expectFailed(failed, /Email is required.*This Pocket-ID requires an email address for every user/);
    expect(await directory.user(userId)).toMatchObject({ email: `keeps-email-${run}@example.com`, firstName: 'Kept' });
    await expectSucceeded(await cfn.delete('KeepsEmail', userId, props));
  });

  test('invalid properties fail before anything is sent, naming the field and the rule', async () => {
    const requestsBefore = target.testServer?.requests.length;
    const props = properties({
      Username: '-bad-',
      Email: 'not-an-email',
      IsAdmin: 'yes',
      UserId: 'not-a-uuid',
      CustomClaims: [{ Key: 'email', Value: 'x' }, { Key: 'team', Value: 'a' }, { Key: 'team', Value: 'b' }],
      LoginLinkLifetimeSeconds: '30',
      EmailLoginLink: 'true',
    });
    const step = await cfn.create('Invalid', props);
    expectFailed(step, /invalid properties/);
    for (const rule of [
      /username may contain only letters/,
      /email must be an email address/,
      /isAdmin: expected true or false, got "yes"/,
      /userId must be a UUID/,
      /customClaims\.email is a claim Pocket-ID sets itself/,
      /customClaims has the key 'team' more than once/,
      /loginLink\.lifetime must be whole seconds between 1 minute and 31 days \(got 30 s\)/,
      /loginLink needs LoginLinkSecretArn/,
    ]) {
      expect(step.response.Reason).toMatch(rule);
    }
    if (target.testServer) expect(target.testServer.requests.length).toBe(requestsBefore);
    expect(requestsLogged(step)).toEqual([]);
    expect(await directory.usersNamed('-bad-')).toEqual([]);

    const noEmail = await cfn.create('NoEmail', properties({ Username: `no-email-${run}`, EmailLoginLink: 'true' }));
    expectFailed(noEmail, /emailLoginLink needs email/);
  });
});

function lowerCaseKeys(fields: { Username: string; Email: string }): { username: string; email: string } {
  return { username: fields.Username, email: fields.Email };
}

describe('Pocket-ID\'s signup defaults', () => {
  let defaultGroupId: string;

  beforeAll(async () => {
    defaultGroupId = await directory.createGroup(`everyone-${run}`, 'Everyone');
    await directory.setSignupDefaults([defaultGroupId], [{ key: 'tier', value: 'free' }]);
  });

  afterAll(async () => {
    await directory.setSignupDefaults([], []);
    await directory.deleteGroup(defaultGroupId);
  });

  test('a created user joins no default group; undeclared claims keep Pocket-ID\'s defaults', async () => {
    const step = await cfn.create('Defaults', properties({ ...person('defaults'), FirstName: 'Defaults' }));
    await expectSucceeded(step);
    const user = await directory.user(step.response.PhysicalResourceId);
    expect(user.userGroups).toEqual([]);
    expect(await directory.memberIds(defaultGroupId)).toEqual([]);
    expect(user.customClaims).toEqual([{ key: 'tier', value: 'free' }]);
  });

  test('declared claims win over the defaults, an empty set included', async () => {
    const declared = await cfn.create('Declared', properties({ ...person('declared'), CustomClaims: [{ Key: 'team', Value: 'core' }] }));
    const none = await cfn.create('NoClaims', properties({ ...person('no-claims'), CustomClaims: [] }));
    await expectSucceeded(declared);
    await expectSucceeded(none);
    expect((await directory.user(declared.response.PhysicalResourceId)).customClaims).toEqual([{ key: 'team', value: 'core' }]);
    expect((await directory.user(none.response.PhysicalResourceId)).customClaims).toEqual([]);
    expect(await directory.memberIds(defaultGroupId)).toEqual([]);
  });
});

describe('groups written from the user\'s side', () => {
  let readers: string;
  let writers: string;
  let ops: string;
  const groupIdsOf = async (userId: string) => ((await directory.user(userId)).userGroups ?? []).map((group: { id: string }) => group.id).sort();

  beforeAll(async () => {
    [readers, writers, ops] = [await directory.createGroup(`readers-${run}`), await directory.createGroup(`writers-${run}`), await directory.createGroup(`ops-${run}`)];
  });

  afterAll(async () => {
    await directory.deleteGroups([readers, writers, ops]);
  });

  test('Create joins exactly the declared groups; Update keeps a membership added in the UI and leaves a group no longer declared', async () => {
    const props = properties({ ...person('joiner'), UserGroupIds: [readers, writers] });
    const created = await cfn.create('Joiner', props);
    await expectSucceeded(created);
    const userId = created.response.PhysicalResourceId;
    expect(await groupIdsOf(userId)).toEqual([readers, writers].sort());

    await directory.addMember(ops, userId);
    const next = { ...props, UserGroupIds: [writers] };
    await expectSucceeded(await cfn.update('Joiner', userId, next, props));
    expect(await groupIdsOf(userId)).toEqual([writers, ops].sort());

    // No longer managed: the memberships this resource declared are taken back, the UI's stays.
    await expectSucceeded(await cfn.update('Joiner', userId, without(next, 'UserGroupIds'), next));
    expect(await groupIdsOf(userId)).toEqual([ops]);
  });

  test('an Update that declares the groups the user is in sends no membership write', async () => {
    const props = properties({ ...person('steady'), UserGroupIds: [readers] });
    const created = await cfn.create('Steady', props);
    await expectSucceeded(created);
    const step = await cfn.update('Steady', created.response.PhysicalResourceId, { ...props, FirstName: 'Steady' }, props);
    await expectSucceeded(step);
    expect(requestsLogged(step).filter((request) => request.path.endsWith('/user-groups'))).toEqual([]);
  });

  test('a group that does not exist fails naming it: a Create leaves no user, an Update puts the groups back', async () => {
    const missing = randomUUID();
    const failed = await cfn.create('Nowhere', properties({ ...person('nowhere'), UserGroupIds: [readers, missing] }));
    expectFailed(failed, new RegExp(`these groups are not Pocket-ID groups, so Pocket-ID left the user out of them: ${missing}`));
    expect(await directory.usersNamed(`nowhere-${run}`)).toEqual([]);

    const props = properties({ ...person('mover'), UserGroupIds: [readers] });
    const created = await cfn.create('Mover', props);
    await expectSucceeded(created);
    const userId = created.response.PhysicalResourceId;
    expectFailed(await cfn.update('Mover', userId, { ...props, UserGroupIds: [writers, missing] }, props), new RegExp(missing));
    expect(await groupIdsOf(userId)).toEqual([readers]);
  });
});

describe('login links', () => {
  test('an Update that adds a login link issues one on the issuer URL; a lifetime change alone issues none', async () => {
    const props = properties({ ...person('late-link'), IssuerUrl: 'https://auth.example.com/' });
    const created = await cfn.create('LateLink', props);
    await expectSucceeded(created);
    const userId = created.response.PhysicalResourceId;

    const loginSecretArn = await secrets.createOwnedSecret('late-link');
    const withLink = { ...props, LoginLinkLifetimeSeconds: '86400', LoginLinkSecretArn: loginSecretArn };
    const added = await cfn.update('LateLink', userId, withLink, props);
    await rememberLoginLink(loginSecretArn);
    await expectSucceeded(added);
    await expectStoredLoginLink(loginSecretArn, { userId, username: `late-link-${run}`, issuer: 'https://auth.example.com', lifetimeSeconds: 86400 });

    const before = await secrets.read(loginSecretArn);
    const longer = { ...withLink, LoginLinkLifetimeSeconds: '172800' };
    await expectSucceeded(await cfn.update('LateLink', userId, longer, withLink));
    expect(await secrets.read(loginSecretArn)).toBe(before);
    await expectSucceeded(await cfn.delete('LateLink', userId, longer));
  });

  test('emailing a link while Pocket-ID does not allow it fails with what to turn on, and removes the new user', async () => {
    if (target.testServer) target.testServer.setAppConfig({ emailOneTimeAccessAsAdminEnabled: false });
    const props = properties({ ...person('emailed-off'), EmailLoginLink: 'true' });
    const step = await cfn.create('EmailedOff', props);
    expectFailed(step, /one-time-access-email returned 403 one_time_access_disabled.*turn on the one-time access email for admins.*or use loginLink/);
    expect(await directory.usersNamed(`emailed-off-${run}`)).toEqual([]);
  });
});

describe('drift', () => {
  test('a user deleted outside CloudFormation is created again by the next Update', async () => {
    const props = properties({ ...person('drift'), CustomClaims: [{ Key: 'k', Value: 'v' }] });
    const created = await cfn.create('Drift', props);
    await expectSucceeded(created);
    await directory.deleteUser(created.response.PhysicalResourceId);

    const newProps = { ...props, FirstName: 'Again' };
    const updated = await cfn.update('Drift', created.response.PhysicalResourceId, newProps, props);
    await expectSucceeded(updated);
    const newId = updated.response.PhysicalResourceId;
    expect(newId).not.toBe(created.response.PhysicalResourceId);
    expect(await directory.user(newId)).toMatchObject({ username: `drift-${run}`, firstName: 'Again', customClaims: [{ key: 'k', value: 'v' }] });
    await expectSucceeded(await cfn.delete('Drift', newId, newProps));
  });
});

(isRealPocketId() ? describe.skip : describe)('test server only: behaviour a real server cannot be made to show', () => {
  afterEach(() => target.testServer!.setAppConfig({ emailOneTimeAccessAsAdminEnabled: false }));

  test('with admin emails allowed, Create asks Pocket-ID to email the user a login link', async () => {
    target.testServer!.setAppConfig({ emailOneTimeAccessAsAdminEnabled: true });
    const props = properties({ ...person('emailed'), EmailLoginLink: 'true' });
    const step = await cfn.create('Emailed', props);
    await expectSucceeded(step);
    const userId = step.response.PhysicalResourceId;
    const sent = target.testServer!.sentEmails().filter((email) => email.userId === userId);
    expect(sent).toEqual([expect.objectContaining({ to: `emailed-${run}@example.com`, loginLink: expect.stringMatching(`^${escapeRegExp(target.baseUrl)}/lc/`) })]);
    await expectSucceeded(await cfn.delete('Emailed', userId, props));
  });

  test('an email that fails after the user was made removes the user', async () => {
    target.testServer!.setAppConfig({ emailOneTimeAccessAsAdminEnabled: true });
    target.testServer!.injectFault({ method: 'POST', path: /\/one-time-access-email$/, status: 500 });
    const props = properties({ ...person('email-fails'), EmailLoginLink: 'true' });
    const step = await cfn.create('EmailFails', props);
    expectFailed(step, /Email a one-time login link: POST .* returned 500/);
    expect(await directory.usersNamed(`email-fails-${run}`)).toEqual([]);
  });

  test('a Create whose answer is lost still emails the login link, once', async () => {
    target.testServer!.setAppConfig({ emailOneTimeAccessAsAdminEnabled: true });
    target.testServer!.injectFault({ method: 'POST', path: '/api/users', status: 502, afterHandling: true });
    const props = properties({ ...person('lost-emailed'), EmailLoginLink: 'true' });
    const step = await cfn.create('LostEmailed', props);
    await expectSucceeded(step);
    const userId = step.response.PhysicalResourceId;
    expect(target.testServer!.sentEmails().filter((email) => email.userId === userId)).toHaveLength(1);
    await expectSucceeded(await cfn.delete('LostEmailed', userId, props));
  });

  test('the same Create delivered again takes over the user and sends no second email', async () => {
    target.testServer!.setAppConfig({ emailOneTimeAccessAsAdminEnabled: true });
    const props = properties({ ...person('redelivered'), EmailLoginLink: 'true' });
    const requestId = `request-${randomBytes(4).toString('hex')}`;
    const first = await cfn.create('Redelivered', props, requestId);
    await expectSucceeded(first);
    const again = await cfn.create('Redelivered', props, requestId);
    await expectSucceeded(again);
    const userId = first.response.PhysicalResourceId;
    expect(again.response.PhysicalResourceId).toBe(userId);
    expect(target.testServer!.sentEmails().filter((email) => email.userId === userId)).toHaveLength(1);
    await expectSucceeded(await cfn.delete('Redelivered', userId, props));
  });

  test('a Create whose answer is lost after Pocket-ID made the user finds it and finishes, making one user', async () => {
    target.testServer!.injectFault({ method: 'POST', path: '/api/users', status: 502, afterHandling: true });
    const props = properties({ ...person('lost-answer'), CustomClaims: [{ Key: 'k', Value: 'v' }] });
    const step = await cfn.create('LostAnswer', props);
    await expectSucceeded(step);
    const found = await directory.usersNamed(`lost-answer-${run}`);
    expect(found).toEqual([expect.objectContaining({ id: step.response.PhysicalResourceId, customClaims: [{ key: 'k', value: 'v' }] })]);
    await expectSucceeded(await cfn.delete('LostAnswer', step.response.PhysicalResourceId, props));
  });
});
