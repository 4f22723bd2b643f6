import { createHash } from 'crypto';
import { PocketIdTestServer, SentEmail } from '../../pocket-id-server';
import { TestSecrets } from '../../support/secrets-manager';

/**
 * Everything Pocket-ID and Secrets Manager hold that an operation may change, read straight from
 * the test server's store and from moto (never through the handler's proxy).
 */
export interface RawState {
  /** Client DTOs plus allowedUserGroupIds, and each client's secrets with their values. */
  readonly clients: any[];
  /** User DTOs (claims and groups included), each with its live one-time access tokens. */
  readonly users: any[];
  /** Groups with claims, member ids and the clients that admit them. */
  readonly groups: any[];
  readonly emails: SentEmail[];
  /** The value of every secret the case involves, by role (api-token, client-secret, …). */
  readonly secrets: Record<string, string>;
}

export async function readState(server: PocketIdTestServer, secrets: TestSecrets, roles: Record<string, string>): Promise<RawState> {
  const clients = server.clients().map((client) => ({ ...client, secretValues: server.clientSecrets(client.id) }));
  const users = server.users().map((user) => ({ ...user, oneTimeTokens: server.oneTimeTokens(user.id) }));
  const values: Record<string, string> = {};
  for (const [role, arn] of Object.entries(roles).sort(([a], [b]) => a.localeCompare(b))) {
    values[role] = await secrets.read(arn);
  }
  return { clients, users, groups: server.groups(), emails: server.sentEmails(), secrets: values };
}

/**
 * Every generated value in the state: client secrets and login tokens on the server, and the client
 * secrets and login links stored in Secrets Manager (also those Pocket-ID no longer holds). None may
 * leave the handler, nor appear in this suite's reports.
 */
export function secretValuesIn(state: RawState): string[] {
  const stored = Object.values(state.secrets).flatMap((value) => {
    const parsed = parseObject(value);
    const loginUrl = typeof parsed?.loginUrl === 'string' ? parsed.loginUrl : undefined;
    return [parsed?.clientSecret, loginUrl, loginUrl?.split('/lc/')[1]].filter((v): v is string => typeof v === 'string' && v !== '');
  });
  return [
    ...state.clients.flatMap((client) => client.secretValues.map((secret: { secret: string }) => secret.secret)),
    ...state.users.flatMap((user) => user.oneTimeTokens),
    ...stored,
  ];
}

function parseObject(text: string): Record<string, unknown> | undefined {
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
const TIME_KEYS = new Set(['createdAt', 'expiresAt']);

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
  const relabel = (value: unknown) => JSON.parse(replaceAll(JSON.stringify(value), labels));
  const clients = state.clients.map((client) => relabel({ ...client, credentials: { ...client.credentials, secrets: undefined } }));
  // Tokens are counted: a stored link names "a live token", whichever of the user's it is.
  const users = state.users.map((user) => relabel({ ...user, oneTimeTokens: user.oneTimeTokens.length }));
  const groups = state.groups.map((group) => {
    const { id: _, ...rest } = relabel(group);
    return rest;
  });
  const secrets = Object.fromEntries(Object.entries(state.secrets).map(([role, value]) => [role, modelOfSecret(value, labels)]));
  return normalize({
    clients: sortBy(clients, (c) => c.id),
    users: sortBy(users, (u) => u.id),
    groups: sortBy(groups, (g) => g.name),
    emails: state.emails.length,
    secrets,
  });
}

/** `value` with the generated ids of the states (group ids) replaced by their labels. */
export function withLabels(states: readonly RawState[], value: unknown): unknown {
  const labels = new Map(states.flatMap((state) => [...idLabels(state)]));
  return value === undefined ? undefined : JSON.parse(replaceAll(JSON.stringify(value), labels));
}

function idLabels(state: RawState): Map<string, string> {
  return new Map(state.groups.map((group) => [group.id, `group:${group.name}`]));
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
  const masks = new Map<string, string>();
  for (const value of [...secretValuesIn(before), ...secretValuesIn(after)]) {
    masks.set(value, `<secret ${createHash('sha256').update(value).digest('hex').slice(0, 6)}>`);
  }
  const mask = (state: RawState) => JSON.parse(replaceAll(JSON.stringify(state), masks));
  return differences(mask(before), mask(after), limit);
}

function brief(value: unknown): string {
  if (value === undefined) return 'absent';
  const text = JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
