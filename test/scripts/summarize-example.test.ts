import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { OidcClient, OidcClientProps, PocketId, User, UserGroup, UserProps } from '../../lib';
import { describeSynth } from '../../scripts/summary/describe';
import { Templates } from '../../scripts/summary/template';

const STACK_NAME = 'Directory';
const PREVIOUS_SOURCE = 'the previous synth';

/** The declarations of one synth of a small directory: a client, two users, a group. */
interface Directory {
  readonly baseUrl?: string;
  readonly client?: Partial<OidcClientProps>;
  readonly alice?: Partial<UserProps>;
  /** Members of the group, and groups the client allows, by name. */
  readonly members?: Array<'alice' | 'bob'>;
  readonly allowedGroups?: Array<'admins' | 'staff'>;
}

/** The real constructs, synthesized: what the main job reads from cdk.out. */
function synth(directory: Directory = {}): Templates {
  const stack = new Stack(new App(), STACK_NAME, { env: { account: '123456789012', region: 'eu-west-1' } });
  const pocketId = new PocketId(stack, 'PocketId', {
    baseUrl: directory.baseUrl ?? 'https://auth.example.com',
    apiToken: secretsmanager.Secret.fromSecretNameV2(stack, 'Token', 'pocket-id/api-token'),
  });
  const users = {
    alice: new User(stack, 'Alice', { pocketId, username: 'alice', email: 'alice@example.com', ...directory.alice }),
    bob: new User(stack, 'Bob', { pocketId, username: 'bob' }),
  };
  const groups = {
    admins: new UserGroup(stack, 'Admins', { pocketId, name: 'admins', friendlyName: 'Administrators', members: (directory.members ?? ['alice', 'bob']).map((name) => users[name]) }),
    staff: new UserGroup(stack, 'Staff', { pocketId, name: 'staff', friendlyName: 'Staff' }),
  };
  new OidcClient(stack, 'WebApp', {
    pocketId,
    name: 'Web',
    clientId: 'web-app',
    callbackUrls: ['https://app.example.com/callback'],
    allowedUserGroups: (directory.allowedGroups ?? ['admins', 'staff']).map((name) => groups[name]),
    ...directory.client,
  });
  return new Map([[STACK_NAME, Template.fromStack(stack).toJSON()]]);
}

/** The summary's lines for one entity: its action line and the indented lines under it. */
function entitySection(lines: string[], label: RegExp): string[] {
  const start = lines.findIndex((line) => /^ {4}\S/.test(line) && label.test(line));
  if (start < 0) throw new Error(`no entity ${label} in:\n${lines.join('\n')}`);
  const end = lines.findIndex((line, index) => index > start && !line.startsWith('        '));
  return lines.slice(start, end).map((line) => line.trim());
}

function changesBetween(previous: Directory, current: Directory, label: RegExp): string[] {
  return entitySection(describeSynth(synth(current), synth(previous), PREVIOUS_SOURCE), label);
}

describe('the main job\'s summary', () => {
  test('without a previous synth, everything is created; with the same synth, nothing changes', () => {
    const created = describeSynth(synth(), new Map(), PREVIOUS_SOURCE);
    expect(created).toContain('  (no previous synth: everything would be created)');
    expect(entitySection(created, /OIDC client "Web"/)[0]).toMatch(/^\+ create OIDC client "Web" \[WebApp[0-9A-F]{8}\]$/);
    const again = describeSynth(synth(), synth(), PREVIOUS_SOURCE);
    expect(again).toContain(`  (changes are against ${PREVIOUS_SOURCE})`);
    expect(again.filter((line) => /^ {4}[+~!-]/.test(line))).toEqual([]);
  });

  test('a changed fixed client id is a replacement: a new id and secret, and what must be reconfigured', () => {
    const section = changesBetween({}, { client: { clientId: 'web-app-v2' } }, /OIDC client "Web"/);
    expect(section[0]).toMatch(/^! replace OIDC client "Web" \[WebApp[0-9A-F]{8}\]$/);
    expect(section).toContain('clientId: "web-app" → "web-app-v2": a new client, with a new client secret; the old client is deleted once the deploy succeeded');
    expect(section).toContain('reconfigure every app that uses the old client id "web-app"');
    expect(section).toContainEqual(expect.stringMatching(
      /^the new client secret replaces the old one in Secrets Manager secret WebAppSecret[0-9A-F]{8}: apps must read it again, and any copy of the old secret stops working$/));
  });

  test('fixing the id of a client that had a generated one replaces it too', () => {
    const section = changesBetween({ client: { clientId: undefined } }, {}, /OIDC client "Web"/);
    expect(section[0]).toMatch(/^! replace /);
    expect(section).toContain('clientId: the UUID chosen at create → "web-app": a new client, with a new client secret; the old client is deleted once the deploy succeeded');
    expect(section).toContain('reconfigure every app that uses the old client id (the UUID chosen at create)');
  });

  test('a public client\'s replacement has no secret to renew', () => {
    const section = changesBetween({ client: { isPublic: true } }, { client: { isPublic: true, clientId: 'spa' } }, /OIDC client "Web"/);
    expect(section).toContain('clientId: "web-app" → "spa": a new client; the old client is deleted once the deploy succeeded');
    expect(section.join('\n')).not.toContain('client secret replaces');
  });

  test('a changed fixed user id is a replacement, and keeping the username is said to fail the deploy', () => {
    const renamed = changesBetween(
      { alice: { userId: uuid(1), removalPolicy: RemovalPolicy.DESTROY } },
      { alice: { userId: uuid(2), username: 'alice2', email: 'alice2@example.com', removalPolicy: RemovalPolicy.DESTROY } },
      /user "alice2"/,
    );
    expect(renamed[0]).toMatch(/^! replace user "alice2" \[Alice[0-9A-F]{8}\]$/);
    expect(renamed).toContain(`userId: "${uuid(1)}" → "${uuid(2)}": a new user, without the passkeys registered to the old one (alice2 registers one again); `
      + 'the old user is deleted once the deploy succeeded, with its passkeys');
    expect(renamed).toContainEqual(expect.stringMatching(new RegExp(`^reconfigure whatever knows the old user id "${uuid(1)}": apps that keep users by the tokens' sub claim`)));
    expect(renamed).toContain('username: "alice" → "alice2"');

    // Users are retained by default.
    const kept = changesBetween({ alice: { userId: uuid(1) } }, { alice: { userId: uuid(2) } }, /user "alice"/);
    expect(kept).toContainEqual(expect.stringMatching(/the old user stays in Pocket-ID \(removalPolicy RETAIN\)$/));
    expect(kept).toContain('the deploy fails: Pocket-ID creates the new user before the old one is deleted, and the old user still has username "alice" '
      + 'and email "alice@example.com": change username and email together with userId');
  });

  test('changed properties are shown old → new, long values shortened, lists as what is added and removed', () => {
    const section = changesBetween({}, {
      client: { name: 'Web portal', description: 'd'.repeat(100), callbackUrls: ['https://app.example.com/callback', 'https://new.example.com/cb'] },
    }, /OIDC client "Web portal"/);
    expect(section[0]).toMatch(/^~ update OIDC client "Web portal"/);
    expect(section).toContain('name: "Web" → "Web portal"');
    expect(section).toContain(`description: not set → "${'d'.repeat(59)}…"`);
    expect(section).toContain('callbackUrls: + "https://new.example.com/cb"');
  });

  test('members leaving a group and groups no longer allowed by a client are named', () => {
    const group = changesBetween({}, { members: ['alice'] }, /group "admins"/);
    expect(group[0]).toMatch(/^~ update group "admins"/);
    expect(group).toContainEqual(expect.stringMatching(/^members removed from the group: bob \[Bob[0-9A-F]{8}\]$/));

    const client = changesBetween({}, { allowedGroups: ['admins'] }, /OIDC client "Web"/);
    expect(client).toContainEqual(expect.stringMatching(/^allowed groups removed: staff \[Staff[0-9A-F]{8}\] \(their members lose access, unless another allowed group has them\)$/));
  });

  test('a changed base URL is flagged: what happens if it is another Pocket-ID, and if it is the same one', () => {
    const current = synth({ baseUrl: 'https://id.example.org' });
    const lines = describeSynth(current, synth(), PREVIOUS_SOURCE);
    const prefix = 'baseUrl changes from https://auth.example.com to https://id.example.org: if https://id.example.org is another Pocket-ID,';
    expect(entitySection(lines, /OIDC client "Web"/)).toEqual(expect.arrayContaining([
      expect.stringMatching(/^! update OIDC client "Web"/),
      `${prefix} the client is created there with the same id, with a new client secret, and removed from https://auth.example.com once the deploy succeeded; `
        + 'if it is the same Pocket-ID at a new URL, the client is updated in place',
    ]));
    expect(entitySection(lines, /group "admins"/)).toContain(`${prefix} the group is created there and removed from https://auth.example.com once the deploy succeeded; `
      + 'if it is the same Pocket-ID at a new URL, the group is updated in place');
    expect(entitySection(lines, /user "bob"/)).toContain(`${prefix} the user is created there with the same id and kept on https://auth.example.com with its passkeys (a URL change never deletes a user); `
      + 'if it is the same Pocket-ID at a new URL, the user is updated in place');
  });
});

function uuid(digit: number): string {
  const d = String(digit);
  return `${d.repeat(8)}-${d.repeat(4)}-4${d.repeat(3)}-8${d.repeat(3)}-${d.repeat(12)}`;
}
