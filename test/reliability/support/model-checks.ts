import {
  Answer, ClientSecretRule, Intended, NEW_API, NEW_GROUP, NEW_SCIM_PROVIDER, NEW_SIGNUP_TOKEN, NEW_SIGNUP_TOKEN_EXPIRY, signupTokenSettings,
  StoredRule, TokenRule, viewOf,
} from './model';
import { differences, masker, parseObject, RawState } from './state';

/**
 * A SUCCESS held to the intended model: Pocket-ID's entities, the answer, each client's secrets by id
 * and value, each Secrets Manager secret (AWSCURRENT and its versions) and each user's live one-time
 * tokens. Messages show generated values only as short hashes.
 */
export interface ModelCheck {
  readonly problems: string[];
  /** Live tokens of the operation's user beyond the intended ones that nothing stores: the documented limitation. */
  readonly unstoredTokens: number;
}

export interface ModelCheckOptions {
  /** Roles whose secrets CloudFormation deletes right after (what a rolled-back deployment made): what only they hold counts as unstored. */
  readonly deletedRoles?: readonly string[];
}

export function checkAgainstModel(
  intended: Intended,
  before: RawState,
  after: RawState,
  answer: Answer,
  options: ModelCheckOptions = {},
): ModelCheck {
  const mask = masker([before, after]);
  const bound = bindNewScimProvider(intended, before, bindNewGroup(intended, before, after, answer));
  const problems: string[] = [];
  if (intended.mustFail) problems.push(`SUCCESS, but the operation cannot succeed: ${intended.mustFail}`);
  const stateDiff = differences(mask(intended.pocketId), mask(bound.view));
  if (stateDiff.length > 0) problems.push(`SUCCESS, but Pocket-ID does not hold the intended state: ${stateDiff.join('; ')}`);
  const answerDiff = differences(intended.answer, bound.answer);
  if (answerDiff.length > 0) problems.push(`SUCCESS, but not the intended answer: ${answerDiff.join('; ')}`);
  for (const [clientId, rule] of Object.entries(intended.clientSecrets)) problems.push(...clientSecretProblems(clientId, rule, before, after));
  for (const [role, rule] of Object.entries(intended.stored)) problems.push(...storedProblems(role, rule, before, after, mask));
  const tokens = tokenProblems(intended, before, after, options.deletedRoles ?? []);
  return { problems: [...problems, ...tokens.problems], unstoredTokens: tokens.unstored };
}

/** Pocket-ID chooses a new group's id: the one group the state did not have before takes the model's placeholder. */
function bindNewGroup(intended: Intended, before: RawState, after: RawState, answer: Answer): { view: unknown; answer: Answer } {
  const view = viewOf(after);
  const madeTokens = (after.signupTokens ?? []).filter((token) => !(before.signupTokens ?? []).some((old) => old.id === token.id));
  if (intended.answer.PhysicalResourceId === NEW_SIGNUP_TOKEN && madeTokens.length === 1) {
    const [made] = madeTokens;
    const rename = <T>(value: T): T => JSON.parse(JSON.stringify(value)
      .split(made.id).join(NEW_SIGNUP_TOKEN).split(made.expiresAt).join(NEW_SIGNUP_TOKEN_EXPIRY));
    return { view, answer: rename(answer) };
  }
  const made = Object.keys(view.groups).filter((id) => !before.groups.some((group) => group.id === id));
  // Pocket-ID chooses a new API's id too: the one API the state did not have before takes the model's placeholder
  const madeApis = (after.apis ?? []).filter((held) => !(before.apis ?? []).some((old) => old.id === held.id)).map((held) => String(held.id));
  if (intended.answer.PhysicalResourceId === NEW_API && madeApis.length === 1) {
    const renameApi = <T>(value: T): T => JSON.parse(JSON.stringify(value).split(madeApis[0]).join(NEW_API));
    return { view: renameApi(view), answer: renameApi(answer) };
  }
  if (!(NEW_GROUP in intended.pocketId.groups) || made.length !== 1) return { view, answer };
  const rename = <T>(value: T): T => JSON.parse(JSON.stringify(value).split(made[0]).join(NEW_GROUP));
  return { view: rename(view), answer: rename(answer) };
}

// SCIM service providers
/** Pocket-ID chooses a new provider's id too: the one provider the state did not have before takes the model's placeholder. */
function bindNewScimProvider(intended: Intended, before: RawState, bound: { view: any; answer: Answer }): { view: unknown; answer: Answer } {
  const made = Object.keys(bound.view.scimProviders).filter((id) => !(before.scimProviders ?? []).some((provider) => provider.id === id));
  if (!(NEW_SCIM_PROVIDER in intended.pocketId.scimProviders) || made.length !== 1) return bound;
  const rename = <T>(value: T): T => JSON.parse(JSON.stringify(value).split(made[0]).join(NEW_SCIM_PROVIDER));
  return { view: rename(bound.view), answer: rename(bound.answer) };
}

// Client secrets, by id and value

interface LiveSecret {
  readonly id: string;
  readonly secret: string;
}

function liveSecretsOf(state: RawState, clientId: string): LiveSecret[] {
  const client = state.clients.find((c) => c.id === clientId);
  return (client?.secretValues ?? []).filter((s: any) => s.isActive).map((s: any) => ({ id: s.id, secret: s.secret }));
}

function clientSecretProblems(clientId: string, rule: ClientSecretRule, before: RawState, after: RawState): string[] {
  if (!after.clients.some((client) => client.id === clientId)) return [];
  const has = liveSecretsOf(after, clientId);
  switch (rule.kind) {
    case 'none':
      return has.length === 0 ? [] : [`client ${clientId} has ${has.length} live secret(s): a public client has none`];
    case 'unchanged':
      return keptSecretProblems(clientId, before, after);
    case 'one-stored':
      if (has.length !== 1) return [`client ${clientId} has ${has.length} live secrets, not exactly one${unstoredOf(has, after)}`];
      return credentialsIn(after, rule.role)?.clientSecret === has[0].secret ? [] : [`AWSCURRENT of ${rule.role} does not hold the live secret of client ${clientId}`];
    case 'kept-stored': {
      const kept = has.find((secret) => secret.id === rule.secretId);
      const stored = kept && credentialsIn(after, rule.role)?.clientSecret === kept.secret;
      return [...keptSecretProblems(clientId, before, after), ...stored ? [] : [`AWSCURRENT of ${rule.role} does not hold secret ${rule.secretId}, the one apps hold`]];
    }
    case 'adopted-stored':
      return adoptedSecretProblems(clientId, rule, before, after);
  }
}

/** One new live secret, stored; the secrets the adopted client had kept live, or all revoked. */
function adoptedSecretProblems(clientId: string, rule: ClientSecretRule & { kind: 'adopted-stored' }, before: RawState, after: RawState): string[] {
  const had = liveSecretsOf(before, clientId);
  const has = liveSecretsOf(after, clientId);
  const made = has.filter((secret) => !had.some((old) => old.id === secret.id));
  const problems = made.length === 1 ? [] : [`adopted client ${clientId} has ${made.length} new live secrets, not exactly one${unstoredOf(made, after)}`];
  if (made.length === 1 && credentialsIn(after, rule.role)?.clientSecret !== made[0].secret) {
    problems.push(`AWSCURRENT of ${rule.role} does not hold the new secret of adopted client ${clientId}`);
  }
  const stillLive = had.filter((old) => has.some((secret) => secret.id === old.id));
  if (rule.revokesOthers && stillLive.length > 0) problems.push(`${stillLive.length} secret(s) adopted client ${clientId} had are still live: AdoptedSecrets revoke`);
  if (!rule.revokesOthers && stillLive.length < had.length) problems.push(`${had.length - stillLive.length} secret(s) adopted client ${clientId} had were revoked: AdoptedSecrets keep`);
  return problems;
}

/**
 * How many of the live secrets no version of any of the case's secrets holds: a secret nobody can
 * read (Pocket-ID 2.17+ makes one with each confidential client and shows it only in the create answer).
 */
function unstoredOf(live: readonly LiveSecret[], after: RawState): string {
  const stored = new Set(Object.values(after.secretVersions).flat().map((version) => parseObject(version.value)?.clientSecret));
  const unstored = live.filter((secret) => !stored.has(secret.secret)).length;
  return unstored === 0 ? '' : ` (${unstored} of them stored in no version of any secret)`;
}

/** Nothing asked for a new secret: each one the client had is still live, the one apps hold above all, and none was made. */
function keptSecretProblems(clientId: string, before: RawState, after: RawState): string[] {
  const had = liveSecretsOf(before, clientId);
  const has = liveSecretsOf(after, clientId);
  const same = (a: LiveSecret) => (b: LiveSecret) => a.id === b.id && a.secret === b.secret;
  const revoked = had.filter((secret) => !has.some(same(secret))).map((secret) => {
    const holder = Object.keys(before.secrets).find((role) => credentialsIn(before, role)?.clientSecret === secret.secret);
    return holder
      ? `the secret deployed apps hold (secret ${secret.id} of client ${clientId}, AWSCURRENT of ${holder} before) was revoked`
      : `secret ${secret.id} of client ${clientId} was revoked`;
  });
  const made = has.filter((secret) => !had.some(same(secret))).map((secret) => `a new secret ${secret.id} of client ${clientId} was made, although nothing asked for one`);
  return [...revoked, ...made];
}

function credentialsIn(state: RawState, role: string): Record<string, unknown> | undefined {
  return parseObject(state.secrets[role]);
}

// Secrets Manager, AWSCURRENT and versions

function storedProblems(role: string, rule: StoredRule, before: RawState, after: RawState, mask: Mask): string[] {
  switch (rule.kind) {
    case 'unchanged':
      return unchangedSecretProblems(role, before, after, mask);
    case 'credentials': {
      const issuer = rule.issuer;
      const wanted = { clientId: rule.clientId, clientSecret: '<a live secret of the client>', issuer, discoveryUrl: `${issuer}/.well-known/openid-configuration` };
      return shapeProblems(role, after, wanted, ['clientSecret'], mask);
    }
    case 'signup-link':
      return signupLinkProblems(role, rule, after, mask);
    case 'login-link':
      return loginLinkProblems(role, rule, after, mask);
  }
}

function unchangedSecretProblems(role: string, before: RawState, after: RawState, mask: Mask): string[] {
  const problems: string[] = [];
  if (after.secrets[role] !== before.secrets[role]) {
    const apps = credentialsIn(before, role)?.clientSecret ? 'the credentials deployed apps hold are no longer AWSCURRENT' : 'AWSCURRENT changed';
    problems.push(`secret ${role}: ${apps} (${brief(mask(before.secrets[role]))} → ${brief(mask(after.secrets[role]))})`);
  }
  const known = new Set((before.secretVersions[role] ?? []).map((version) => version.versionId));
  const written = (after.secretVersions[role] ?? []).filter((version) => !known.has(version.versionId));
  if (written.length > 0) problems.push(`secret ${role}: ${written.length} new version(s) written, although nothing asked for a change`);
  return problems;
}

/** AWSCURRENT holds JSON with exactly these keys and values; `generated` keys only need to be non-empty strings. */
type Mask = (value: unknown) => any;

function shapeProblems(role: string, after: RawState, wanted: Record<string, unknown>, generated: readonly string[], mask: Mask): string[] {
  const stored = credentialsIn(after, role);
  if (!stored) return [`secret ${role}: AWSCURRENT is not JSON (${brief(mask(after.secrets[role]))})`];
  const comparable = Object.fromEntries(Object.entries(stored).map(([key, value]) =>
    [key, generated.includes(key) && typeof value === 'string' && value !== '' ? wanted[key] : value]));
  const diff = differences(wanted, mask(comparable));
  return diff.length > 0 ? [`secret ${role}: AWSCURRENT is not what it must hold: ${diff.join('; ')}`] : [];
}

/** The link names a live token with the declared settings, on the issuer, with the token's own expiry. */
function signupLinkProblems(role: string, rule: Extract<StoredRule, { kind: 'signup-link' }>, after: RawState, mask: Mask): string[] {
  const stored = credentialsIn(after, role);
  if (!stored) return [`secret ${role}: AWSCURRENT is not JSON (${brief(mask(after.secrets[role]))})`];
  const token = (after.signupTokens ?? []).find((candidate) => candidate.id === stored.signupTokenId);
  if (!token) return [`secret ${role}: the signup link names no live token (${brief(mask(stored))})`];
  const { usageCount: _, ...settings } = signupTokenSettings(token);
  const wanted = {
    signupUrl: `${rule.issuer}/st/${token.token}`,
    signupTokenId: token.id,
    expiresAt: token.expiresAt,
    usageLimit: token.usageLimit,
    userGroupIds: [...token.userGroupIds].sort(),
    ...(rule.tokenVersion !== undefined ? { tokenVersion: rule.tokenVersion } : {}),
  };
  const problems = differences(mask(wanted), mask({ ...stored, userGroupIds: [...(stored.userGroupIds as string[] ?? [])].sort() }))
    .map((line) => `secret ${role}: not the link of token ${token.id}: ${line}`);
  if (JSON.stringify(settings) !== JSON.stringify(rule.settings)) problems.push(`secret ${role}: token ${token.id} has not the declared settings`);
  return problems;
}

/** How far a stored expiry may be from now plus the lifetime: the case's own duration and then some. */
const EXPIRY_TOLERANCE_MS = 5 * 60_000;

/** Whether a stored expiry is about the declared lifetime from now. */
function expiresAsDeclared(expiresAt: unknown, lifetimeSeconds: number): boolean {
  return Math.abs(Date.parse(String(expiresAt)) - (Date.now() + lifetimeSeconds * 1000)) < EXPIRY_TOLERANCE_MS;
}

function loginLinkProblems(role: string, rule: Extract<StoredRule, { kind: 'login-link' }>, after: RawState, mask: Mask): string[] {
  const wanted = { username: rule.username, userId: rule.userId, loginUrl: `${rule.issuer}/lc/<a token>`, expiresAt: '<the link\'s expiry>' };
  const stored = credentialsIn(after, role);
  const link = typeof stored?.loginUrl === 'string' ? stored.loginUrl : '';
  const shaped = stored && {
    ...stored,
    loginUrl: link.startsWith(`${rule.issuer}/lc/`) && link.length > `${rule.issuer}/lc/`.length ? wanted.loginUrl : link,
    expiresAt: expiresAsDeclared(stored.expiresAt, rule.lifetimeSeconds) ? wanted.expiresAt : stored.expiresAt,
  };
  if (!shaped) return [`secret ${role}: AWSCURRENT is not JSON (${brief(mask(after.secrets[role]))})`];
  const diff = differences(wanted, mask(shaped));
  return diff.length > 0 ? [`secret ${role}: AWSCURRENT is not the login link it must hold: ${diff.join('; ')}`] : [];
}

// One-time tokens

/** The one-time token of a login link. */
export function tokenOfLink(value: string | undefined): string | undefined {
  const url = parseObject(value)?.loginUrl;
  return typeof url === 'string' && url.includes('/lc/') ? url.slice(url.lastIndexOf('/lc/') + 4) : undefined;
}

/** Where each token is held: every version of every secret of the case (but those CloudFormation deletes), and every email sent. */
export function tokenHolders(state: RawState, deletedRoles: readonly string[] = []): Map<string, string[]> {
  const holders = new Map<string, string[]>();
  const hold = (token: string | undefined, where: string) => token && holders.set(token, [...holders.get(token) ?? [], where]);
  for (const [role, versions] of Object.entries(state.secretVersions)) {
    if (deletedRoles.includes(role)) continue;
    for (const version of versions) hold(tokenOfLink(version.value), `version ${version.versionId} (${version.stages.join(', ') || 'no label'}) of secret ${role}`);
  }
  for (const email of state.emails) hold(email.token, `an email to ${email.to}`);
  return holders;
}

export function tokensOf(state: RawState, userId: string): string[] {
  return state.users.find((user) => user.id === userId)?.oneTimeTokens ?? [];
}

interface TokenCheck {
  readonly problems: string[];
  readonly unstored: number;
}

function tokenProblems(intended: Intended, before: RawState, after: RawState, deletedRoles: readonly string[]): TokenCheck {
  const holders = tokenHolders(after, deletedRoles);
  const problems: string[] = [];
  let unstored = 0;
  for (const [userId, rule] of Object.entries(intended.tokens)) {
    if (!after.users.some((user) => user.id === userId)) continue;
    const expected = expectedTokens(userId, rule, before, after, problems);
    const has = tokensOf(after, userId);
    if (expected.some((token) => !has.includes(token))) problems.push(`user ${userId} lost a live one-time token`);
    const extra = has.filter((token) => !expected.includes(token));
    const stored = extra.filter((token) => holders.has(token));
    if (extra.length > 0 && userId === intended.subjectUserId && stored.length === 0) unstored += extra.length;
    else if (extra.length > 0) problems.push(extraTokensProblem(userId, extra, holders));
  }
  return { problems, unstored };
}

function expectedTokens(userId: string, rule: TokenRule, before: RawState, after: RawState, problems: string[]): string[] {
  const had = tokensOf(before, userId);
  if (rule.kind === 'unchanged') return had;
  const token = tokenOfLink(after.secrets[rule.role]);
  if (!token) return had;
  if (had.includes(token) || !tokensOf(after, userId).includes(token)) problems.push(`the login link in ${rule.role} carries no new live token of user ${userId}`);
  return [...had, token];
}

function extraTokensProblem(userId: string, extra: string[], holders: Map<string, string[]>): string {
  const held = extra.flatMap((token) => holders.get(token) ?? []);
  return `user ${userId} has ${extra.length} more live one-time token(s) than intended${held.length > 0 ? `, held in ${held.join('; ')}` : ''}`;
}

function brief(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text === undefined ? 'absent' : text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

