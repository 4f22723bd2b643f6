/**
 * The signup token lifecycle, end to end: the bundled handler, in its own Node.js process, receives the
 * events CloudFormation sends; it talks HTTP to Pocket-ID (the test server, or a real Pocket-ID when
 * POCKETID_BASE_URL and POCKETID_API_TOKEN are set) and the AWS SDK to moto's Secrets Manager. The
 * link the secret holds is used to sign people up, as the signup page does.
 */
import { randomBytes } from 'crypto';
import { ResourceType } from '../../lib/contract';
import { AcceptanceRun, escapeRegExp } from '../support/acceptance';
import { CloudFormationSimulator, CREATE_FAILED_MARKER } from '../support/cloudformation';
import { PocketIdDirectory } from '../support/pocket-id-directory';
import { PocketIdTarget } from '../support/pocket-id-target';

const acceptance = new AcceptanceRun(ResourceType.SIGNUP_TOKEN);
const { run, secrets, secretValues, properties, expectSucceeded, expectFailed } = acceptance;
let target: PocketIdTarget;
let directory: PocketIdDirectory;
let cfn: CloudFormationSimulator;
let groupIds: string[];
/** Users the run signed up, and tokens it may have left: removed at the end (a real server's data is shared). */
const signedUpUserIds: string[] = [];
const touchedTokenIds = new Set<string>();
acceptance.onStep((step) => {
  if (step.response.Status === 'SUCCESS') touchedTokenIds.add(step.response.PhysicalResourceId);
});
const MISSING_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:does-not-exist-AbCdEf';

beforeAll(async () => {
  ({ target, directory, cfn } = await acceptance.start());
  groupIds = [await directory.createGroup(`st-a-${run}`), await directory.createGroup(`st-b-${run}`)];
});

afterAll(async () => {
  if (directory) {
    for (const id of touchedTokenIds) await directory.deleteSignupToken(id).catch(() => undefined);
    await directory.deleteUsers(signedUpUserIds);
    await directory.deleteGroups(groupIds ?? []);
  }
  await acceptance.stop();
});

/** The live tokens, each value (and link) added to what no response or log may show. */
async function liveTokens(): Promise<any[]> {
  const tokens = await directory.signupTokens();
  for (const token of tokens) {
    secretValues.add(token.token);
    secretValues.add(`${target.baseUrl}/st/${token.token}`);
  }
  return tokens;
}

async function tokenIds(): Promise<string[]> {
  return (await liveTokens()).map((token) => token.id);
}

/** Reads the stored link, checks its shape, and remembers its values as secrets. */
async function storedLink(secretArn: string): Promise<any> {
  const stored = await secrets.readJson(secretArn);
  if (typeof stored.signupUrl === 'string') {
    secretValues.add(stored.signupUrl);
    secretValues.add(tokenOf(stored.signupUrl));
  }
  return stored;
}

function tokenOf(signupUrl: string): string {
  return signupUrl.slice(signupUrl.lastIndexOf('/st/') + 4);
}

function tokenProps(extra: Record<string, unknown>): Record<string, unknown> {
  return properties({ LifetimeSeconds: '7200', UsageLimit: '1', ...extra });
}

async function signUp(token: string, name: string) {
  const answer = await directory.signUp(token, { username: `${name}-${run}`, email: `${name}-${run}@example.com`, firstName: name });
  if (answer.status === 201) signedUpUserIds.push(answer.body.id);
  return answer;
}

describe('a signup token', () => {
  test('Create stores a link that signs up people into the groups, as many as the usage limit', async () => {
    const secretArn = await secrets.createOwnedSecret('signup-link');
    const props = tokenProps({ UsageLimit: '2', UserGroupIds: groupIds, SignupLinkSecretArn: secretArn });
    const step = await cfn.create('Invite', props);
    await expectSucceeded(step);
    const tokenId = step.response.PhysicalResourceId;
    const stored = await storedLink(secretArn);
    expect(stored).toEqual({
      signupUrl: expect.stringMatching(new RegExp(`^${escapeRegExp(target.baseUrl)}/st/[A-Za-z0-9]{16}$`)),
      signupTokenId: tokenId,
      expiresAt: step.response.Data!.ExpiresAt,
      usageLimit: 2,
      userGroupIds: expect.arrayContaining(groupIds),
    });
    expect(step.response.Data).toEqual({ SignupTokenId: tokenId, ExpiresAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/) });
    const secondsLeft = (Date.parse(stored.expiresAt) - Date.now()) / 1000;
    expect(secondsLeft).toBeGreaterThan(7200 - 120);
    expect(secondsLeft).toBeLessThanOrEqual(7201);

    const first = await signUp(tokenOf(stored.signupUrl), 'st-first');
    expect(first.status).toBe(201);
    expect(first.body.userGroups.map((g: { id: string }) => g.id).sort()).toEqual([...groupIds].sort());
    expect((await signUp(tokenOf(stored.signupUrl), 'st-second')).status).toBe(201);
    const third = await signUp(tokenOf(stored.signupUrl), 'st-third');
    expect({ status: third.status, code: third.body.code }).toEqual({ status: 401, code: 'token_invalid_or_expired' });
    expect((await liveTokens()).find((t) => t.id === tokenId)).toMatchObject({ usageCount: 2, usageLimit: 2 });

    await expectSucceeded(await cfn.delete('Invite', tokenId, props));
    expect(await tokenIds()).not.toContain(tokenId);
    const late = await signUp(tokenOf(stored.signupUrl), 'st-late');
    expect(late.status).toBe(401);
  });

  test('a changed setting replaces the token; the cleanup Delete removes the old one', async () => {
    const secretArn = await secrets.createOwnedSecret('replaced');
    const oldProps = tokenProps({ SignupLinkSecretArn: secretArn, UserGroupIds: [groupIds[0]] });
    const created = await cfn.create('Replaced', oldProps);
    await expectSucceeded(created);
    const oldId = created.response.PhysicalResourceId;
    for (const change of [{ UsageLimit: '3' }, { LifetimeSeconds: '3600' }, { UserGroupIds: groupIds }, { TokenVersion: '2026-12' }]) {
      const currentId = (await storedLink(secretArn)).signupTokenId;
      const newProps = { ...oldProps, ...change };
      const replaced = await cfn.update('Replaced', currentId, newProps, oldProps);
      await expectSucceeded(replaced);
      const newId = replaced.response.PhysicalResourceId;
      expect(newId).not.toBe(currentId);
      expect(await storedLink(secretArn)).toMatchObject({ signupTokenId: newId });
      await expectSucceeded(await cfn.delete('Replaced', currentId, oldProps));
      const live = await tokenIds();
      expect(live).toContain(newId);
      expect(live).not.toContain(currentId);
      Object.assign(oldProps, change);
    }
    expect(await storedLink(secretArn)).toMatchObject({ usageLimit: 3, userGroupIds: expect.arrayContaining(groupIds), tokenVersion: '2026-12' });
    expect(oldId).toBeDefined();
    await expectSucceeded(await cfn.delete('Replaced', (await storedLink(secretArn)).signupTokenId, oldProps));
  });

  test('the rollback of a replacement returns to the old token, whose link the secret holds again', async () => {
    const secretArn = await secrets.createOwnedSecret('rollback');
    const oldProps = tokenProps({ SignupLinkSecretArn: secretArn });
    const newProps = { ...oldProps, UsageLimit: '5' };
    const created = await cfn.create('Rb', oldProps);
    await expectSucceeded(created);
    const oldId = created.response.PhysicalResourceId;
    const oldLink = await storedLink(secretArn);
    const replaced = await cfn.update('Rb', oldId, newProps, oldProps);
    await expectSucceeded(replaced);
    const newId = replaced.response.PhysicalResourceId;

    // A later resource failed: CloudFormation sends the swapped Update to the new token...
    const rollback = await cfn.update('Rb', newId, oldProps, newProps);
    await expectSucceeded(rollback);
    expect(rollback.response.PhysicalResourceId).toBe(oldId);
    // ...then deletes the one it no longer needs.
    await expectSucceeded(await cfn.delete('Rb', newId, newProps));

    const live = await tokenIds();
    expect(live).toContain(oldId);
    expect(live).not.toContain(newId);
    expect(await storedLink(secretArn)).toEqual(oldLink);
    await expectSucceeded(await cfn.delete('Rb', oldId, oldProps));
  });

  test('an update of the connection only keeps the token and link; a token deleted outside is made again', async () => {
    const secretArn = await secrets.createOwnedSecret('in-place');
    const props = tokenProps({ SignupLinkSecretArn: secretArn });
    const created = await cfn.create('InPlace', props);
    await expectSucceeded(created);
    const tokenId = created.response.PhysicalResourceId;
    const link = await storedLink(secretArn);
    const quiet = { ...props, LogLevel: 'info' };
    const kept = await cfn.update('InPlace', tokenId, quiet, props);
    await expectSucceeded(kept);
    expect(kept.response.PhysicalResourceId).toBe(tokenId);
    expect(await storedLink(secretArn)).toEqual(link);

    await directory.deleteSignupToken(tokenId);
    const remade = await cfn.update('InPlace', tokenId, props, quiet);
    await expectSucceeded(remade);
    const newId = remade.response.PhysicalResourceId;
    expect(newId).not.toBe(tokenId);
    expect(await storedLink(secretArn)).toMatchObject({ signupTokenId: newId });
    expect(await tokenIds()).toContain(newId);
    await expectSucceeded(await cfn.delete('InPlace', newId, props));
    // Pocket-ID answers 204 for a token that is gone: a second Delete succeeds too.
    await expectSucceeded(await cfn.delete('InPlace', newId, props));
  });
});

describe('failures and repeats', () => {
  test('a group Pocket-ID does not hold fails the Create clearly and leaves no token and no link', async () => {
    const secretArn = await secrets.createOwnedSecret('unknown-group');
    const placeholder = await secrets.read(secretArn);
    const missing = '6f1c2a52-3d1e-4b8a-9c1f-0e2d3c4b5a69';
    const before = await tokenIds();
    const failed = await cfn.create('Unknown', tokenProps({ SignupLinkSecretArn: secretArn, UserGroupIds: [groupIds[0], missing] }));
    expectFailed(failed, new RegExp(`Pocket-ID left out these user groups, which it does not hold: ${missing}`));
    expect(failed.response.PhysicalResourceId).toBe(CREATE_FAILED_MARKER);
    expect((await tokenIds()).filter((id) => !before.includes(id))).toEqual([]);
    expect(await secrets.read(secretArn)).toBe(placeholder);
  });

  test('a secret that cannot be read fails the Create before a token exists', async () => {
    const before = await tokenIds();
    const failed = await cfn.create('NoSecret', tokenProps({ SignupLinkSecretArn: MISSING_SECRET_ARN }));
    expectFailed(failed, /GetSecretValue on secret \S+ failed: ResourceNotFoundException/);
    expect((await tokenIds()).filter((id) => !before.includes(id))).toEqual([]);
  });

  test('bad settings are refused before anything is sent, naming the field and the rule', async () => {
    const secretArn = await secrets.createOwnedSecret('bad');
    const failed = await cfn.create('Bad', tokenProps({ SignupLinkSecretArn: secretArn, LifetimeSeconds: '1', UsageLimit: '101' }));
    expectFailed(failed, /lifetime must be whole seconds, more than 1 second and at most 744 hours.*usageLimit must be a whole number from 1 to 100/);
    expect(failed.logs.filter((line) => JSON.parse(line).message === 'Pocket-ID request')).toEqual([]);
  });

  test('the same Create delivered twice makes one token and keeps the first link', async () => {
    const secretArn = await secrets.createOwnedSecret('twice');
    const props = tokenProps({ SignupLinkSecretArn: secretArn, UsageLimit: '4' });
    const before = await tokenIds();
    const requestId = `request-${randomBytes(4).toString('hex')}`;
    const first = await cfn.create('Twice', props, requestId);
    const firstLink = await storedLink(secretArn);
    const second = await cfn.create('Twice', props, requestId);
    await expectSucceeded(first);
    await expectSucceeded(second);
    expect(second.response.PhysicalResourceId).toBe(first.response.PhysicalResourceId);
    expect((await tokenIds()).filter((id) => !before.includes(id))).toEqual([first.response.PhysicalResourceId]);
    expect(await storedLink(secretArn)).toEqual(firstLink);
    await expectSucceeded(await cfn.delete('Twice', first.response.PhysicalResourceId, props));
  });
});
