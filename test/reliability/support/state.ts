import { createHash } from 'crypto';
import { PocketIdTestServer, SentEmail, SignupTokenView } from '../../pocket-id-server';
import { SecretVersion, TestSecrets } from '../../support/secrets-manager';

/**
 * Everything Pocket-ID and Secrets Manager hold that an operation may change, read straight from
 * the test server's store and from moto (never through the handler's proxy).
 */
export interface RawState {
  /** Client DTOs plus allowedUserGroupIds, each client's secrets with their values, and the digests of its logos. */
  readonly clients: any[];
  /** User DTOs (claims and groups included), each with its live one-time access tokens. */
  readonly users: any[];
  /** Groups with claims, member ids and the clients that admit them. */
  readonly groups: any[];
  // APIs
  /** APIs with their permissions and the grants on them (permission keys), as the test server's apis() shows them. */
  readonly apis?: any[];
  readonly emails: SentEmail[];
  // SCIM service providers
  /** SCIM service providers as stored: endpoint, token, oidcClientId, lastSyncedAt. */
  readonly scimProviders?: any[];
  /** The live signup tokens, values in clear (as Pocket-ID lists them), with `userGroupIds`. */
  readonly signupTokens?: SignupTokenView[];
  /** The application configuration, by Pocket-ID's key (passwords in clear, as Pocket-ID keeps them). */
  readonly appSettings: Record<string, string>;
  /** The application images, by Pocket-ID's name: the type each is served as and the digest of its bytes. */
  readonly appImages?: Record<string, { type: string; digest: string }>;
  /** The value of every secret the case involves (its AWSCURRENT version), by role (api-token, client-secret, …). */
  readonly secrets: Record<string, string>;
  /** Every version of those secrets, by role: what a write left behind in AWSPREVIOUS and older versions. */
  readonly secretVersions: Record<string, SecretVersion[]>;
}

export async function readState(server: PocketIdTestServer, secrets: TestSecrets, roles: Record<string, string>): Promise<RawState> {
  const clients = server.clients().map((client) => ({
    ...client,
    secretValues: server.clientSecrets(client.id),
    logoDigests: server.clientLogoDigests(client.id),
  }));
  const users = server.users().map((user) => ({ ...user, oneTimeTokens: server.oneTimeTokens(user.id) }));
  const values: Record<string, string> = {};
  const versions: Record<string, SecretVersion[]> = {};
  for (const [role, arn] of Object.entries(roles).sort(([a], [b]) => a.localeCompare(b))) {
    versions[role] = await secrets.versions(arn);
    values[role] = versions[role].find((version) => version.stages.includes('AWSCURRENT'))?.value ?? await secrets.read(arn);
  }
  const scimProviders = server.scimProviders();
  const signupTokens = server.signupTokens();
  const emails = server.sentEmails();
  const apis = server.apis();
  const appSettings = server.appSettings();
  const groups = server.groups();
  const appImages = server.appImages();
  return { clients, users, groups, apis, emails, scimProviders, signupTokens, appSettings, appImages, secrets: values, secretVersions: versions };
}

/**
 * Whether Pocket-ID and Secrets Manager hold exactly what they held: every entity, client secret (id
 * and value), token and email, and the AWSCURRENT value of every secret. Versions are not compared: an
 * undo writes the previous value back, which makes a new version with the old value.
 */
export function sameHoldings(before: RawState, after: RawState): boolean {
  return JSON.stringify(holdings(before)) === JSON.stringify(holdings(after));
}

function holdings(state: RawState): Omit<RawState, 'secretVersions'> {
  const { secretVersions: _, ...rest } = state;
  return rest;
}

/**
 * Every generated value in the state: client secrets and login tokens on the server, and the client
 * secrets and login links stored in Secrets Manager (also those Pocket-ID no longer holds). None may
 * leave the handler, nor appear in this suite's reports.
 */
export function secretValuesIn(state: RawState): string[] {
  const everyVersion = [...Object.values(state.secrets), ...Object.values(state.secretVersions ?? {}).flat().map((version) => version.value)];
  const stored = [...new Set(everyVersion)].flatMap((value) => {
    const parsed = parseObject(value);
    const loginUrl = typeof parsed?.loginUrl === 'string' ? parsed.loginUrl : undefined;
    const signupUrl = typeof parsed?.signupUrl === 'string' ? parsed.signupUrl : undefined;
    return [parsed?.clientSecret, loginUrl, loginUrl?.split('/lc/')[1], signupUrl, signupUrl?.split('/st/')[1]]
      .filter((v): v is string => typeof v === 'string' && v !== '');
  });
  return [
    ...state.clients.flatMap((client) => client.secretValues.map((secret: { secret: string }) => secret.secret)),
    ...state.users.flatMap((user) => user.oneTimeTokens),
    // SCIM service providers: Pocket-ID answers their tokens in clear
    ...(state.scimProviders ?? []).map((provider) => provider.token).filter((token) => token !== ''),
    ...(state.signupTokens ?? []).map((token) => token.token),
    ...stored,
  ];
}

/** The JSON object a secret holds, or undefined when it holds something else. */
export function parseObject(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text);
    return value && typeof value === 'object' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Keys whose string lists are sets: their order carries no meaning. */
const SET_KEYS = new Set(['allowedUserGroupIds', 'userIds', 'allowedOidcClientIds']);
/** Keys whose values are clock readings. */
const TIME_KEYS = new Set(['createdAt', 'expiresAt', 'lastSyncedAt']);

/**
 * The state as a comparable model: what differs between two runs of the same operation only because
 * it is generated (group ids, client secrets, login tokens, the static API user's name, timestamps)
 * is replaced by a label that says what it is ("secret 0 of client X"). A stored client secret that
 * Pocket-ID does not hold becomes "a secret Pocket-ID does not hold"; a stored login link whose
 * token is not live, likewise.
 */
export function modelOf(state: RawState): unknown {
  const labels = idLabels(state);
  for (const client of state.clients) {
    client.secretValues.forEach((secret: { id: string; secret: string }, index: number) => {
      labels.set(secret.id, `secret-id ${index} of client ${client.id}`);
      labels.set(secret.secret, `secret ${index} of client ${client.id}`);
    });
  }
  for (const user of state.users) {
    for (const token of user.oneTimeTokens) labels.set(token, `a live token of user ${user.id}`);
    if (user.id === '00000000-0000-0000-0000-000000000000') labels.set(user.username, 'static-api-user');
  }
  // Signup tokens: Pocket-ID chooses ids and values; a stored link names "a live signup token".
  (state.signupTokens ?? []).forEach((token, index) => {
    labels.set(token.token, `a live signup token ${index}`);
    labels.set(token.id, `signup token id ${index}`);
  });
  const relabel = (value: unknown) => JSON.parse(replaceAll(JSON.stringify(value), labels));
  const clients = state.clients.map((client) => relabel({ ...client, credentials: { ...client.credentials, secrets: undefined } }));
  // Tokens are counted: a stored link names "a live token", whichever of the user's it is.
  // A user's groups come in no order Pocket-ID promises (its preload has no ORDER BY): compared by name.
  const users = state.users.map((user) => relabel({
    ...user,
    oneTimeTokens: user.oneTimeTokens.length,
    ...(Array.isArray(user.userGroups) ? { userGroups: sortBy(user.userGroups, (g: any) => String(g.name)) } : {}),
  }));
  const groups = state.groups.map((group) => {
    const { id: _, ...rest } = relabel(group);
    return rest;
  });
  const secrets = Object.fromEntries(Object.entries(state.secrets).map(([role, value]) => [role, modelOfSecret(value, labels)]));
  // SCIM service providers: Pocket-ID chooses their ids; a token is named by the secret that holds it
  const tokenRoles = new Map(Object.entries(state.secrets).map(([role, value]) => [value, `the value of ${role}`]));
  const scimProviders = (state.scimProviders ?? []).map(({ id: _, token, ...rest }) => relabel({ ...rest, token: tokenRoles.get(token) ?? 'another token' }));
  // APIs: Pocket-ID chooses API and permission ids, and the order of new permissions
  const apis = (state.apis ?? []).map((held) => relabel({ ...held, permissions: sortBy(held.permissions, (p: any) => p.key) }));
  return normalize({
    clients: sortBy(clients, (c) => c.id),
    users: sortBy(users, (u) => u.id),
    groups: sortBy(groups, (g) => g.name),
    apis: sortBy(apis, (a) => a.resource),
    emails: state.emails.length,
    scimProviders: sortBy(scimProviders, (p) => `${p.oidcClientId} ${p.endpoint}`),
    signupTokens: (state.signupTokens ?? []).map((token) => relabel({ ...token, token: undefined, id: undefined })),
    appSettings: relabel(state.appSettings),
    secrets,
  });
}

/** `value` with the generated ids of the states (group ids) replaced by their labels. */
export function withLabels(states: readonly RawState[], value: unknown): unknown {
  const labels = new Map(states.flatMap((state) => [...idLabels(state)]));
  return value === undefined ? undefined : JSON.parse(replaceAll(JSON.stringify(value), labels));
}

function idLabels(state: RawState): Map<string, string> {
  const apis = (state.apis ?? []).flatMap((held) => [
    [held.id, `api:${held.resource}`] as const,
    ...held.permissions.map((p: any) => [p.id, `permission:${held.resource}:${p.key}`] as const),
  ]);
  return new Map([...state.groups.map((group) => [group.id, `group:${group.name}`] as const), ...apis]);
}

function modelOfSecret(value: string, labels: Map<string, string>): unknown {
  let parsed: any;
  try {
    parsed = JSON.parse(value);
  } catch {
    return value;
  }
  if (!parsed || typeof parsed !== 'object') return value;
  const model = JSON.parse(replaceAll(value, labels));
  if ('clientSecret' in model && !labels.has(parsed.clientSecret)) model.clientSecret = 'a secret Pocket-ID does not hold';
  if (typeof model.loginUrl === 'string' && !/\/lc\/a live token of user /.test(model.loginUrl)) model.loginUrl = 'a link whose token is not live';
  if (typeof model.signupUrl === 'string' && !/\/st\/a live signup token /.test(model.signupUrl)) model.signupUrl = 'a link whose token is not live';
  return model;
}

function normalize(value: unknown, key?: string): unknown {
  if (Array.isArray(value)) {
    const items = value.map((item) => normalize(item));
    return key && SET_KEYS.has(key) ? [...items].sort() : items;
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, TIME_KEYS.has(k) && typeof v === 'string' ? '<time>' : normalize(v, k)]));
  }
  return value;
}

function replaceAll(text: string, labels: Map<string, string>): string {
  let result = text;
  for (const [raw, label] of labels) result = result.split(raw).join(label);
  return result;
}

function sortBy<T>(items: T[], key: (item: T) => string): T[] {
  return [...items].sort((a, b) => key(a).localeCompare(key(b)));
}

/** Where two JSON values differ, as `path: before → after` lines (at most `limit`). */
export function differences(before: unknown, after: unknown, limit = 6): string[] {
  const found: string[] = [];
  const walk = (a: unknown, b: unknown, path: string) => {
    if (found.length >= limit) return;
    if (JSON.stringify(a) === JSON.stringify(b)) return;
    if (a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
      const keys = Array.isArray(a)
        ? [...Array(Math.max(a.length, (b as unknown[]).length)).keys()].map(String)
        : [...new Set([...Object.keys(a as object), ...Object.keys(b as object)])];
      for (const k of keys) walk((a as any)[k], (b as any)[k], `${path}${Array.isArray(a) ? `[${k}]` : `.${k}`}`);
      return;
    }
    found.push(`${path || '(root)'}: ${brief(a)} → ${brief(b)}`);
  };
  walk(before, after, '');
  return found;
}

/** Where two raw states differ, every generated secret value shown only as a short hash. */
export function maskedDifferences(before: RawState, after: RawState, limit = 6): string[] {
  const mask = masker([before, after]);
  return differences(mask(holdings(before)), mask(holdings(after)), limit);
}

/** Replaces every generated secret value of the states by a short hash of it, so that reports can show where values differ. */
export function masker(states: readonly RawState[]): (value: unknown) => any {
  const masks = new Map<string, string>();
  for (const value of states.flatMap(secretValuesIn)) masks.set(value, masked(value));
  return (value: unknown) => (value === undefined ? undefined : JSON.parse(replaceAll(JSON.stringify(value), masks)));
}

/** A secret value as reports show it: a short hash. */
export function masked(value: string): string {
  return `<secret ${createHash('sha256').update(value).digest('hex').slice(0, 6)}>`;
}

function brief(value: unknown): string {
  if (value === undefined) return 'absent';
  const text = JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
