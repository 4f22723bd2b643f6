import { PocketIdHttpClient, RetryPolicy } from './http-client';
import { Logger } from './logger';
import { Redactor } from './redactor';
import { PocketIdRelease, readRelease } from './release';
import { SecretsStore, SecretValueNames, SecretValueSource, valueInSecret } from './secrets';
import { ConnectionProperties, LOG_LEVELS } from '../lib/contract';
import { validateBaseUrl } from '../lib/private/validation';

export const DEFAULT_TIMEOUT_SECONDS = 30;

/**
 * The per-container cache of API tokens: the one piece of module-level state, so that a warm container
 * reads each token secret once. Keyed by secret and JSON field; each entry also remembers the release of
 * each base URL read with that token, so that the version too is read once.
 */
const tokenCache = new Map<string, { token: string; releases: Map<string, ReadRelease> }>();

/** A release as read, and when: a cached one older than RELEASE_MAX_AGE_MS is read again. */
interface ReadRelease {
  readonly release: PocketIdRelease;
  readonly readAt: number;
}

/**
 * How long a container trusts the release it read: the events of one deployment share one read, and
 * an upgraded Pocket-ID (a new major above all) is seen within minutes, not when the container ends.
 */
const RELEASE_MAX_AGE_MS = 10 * 60_000;

export interface ConnectOptions {
  readonly secrets: SecretsStore;
  readonly logger: Logger;
  readonly redactor: Redactor;
  /** Epoch milliseconds after which no request may start, asked before each one. */
  readonly deadline: () => number;
  readonly retry?: RetryPolicy;
}

/** A connection to one Pocket-ID instance: its API, and the release it runs. */
export interface Connection {
  readonly api: PocketIdHttpClient;
  readonly release: PocketIdRelease;
  /** Whether `release` came from the container's cache rather than from a read for this event. */
  readonly releaseCached: boolean;
  /** Reads the release again, for the cache too: Pocket-ID may have been upgraded since it was read. */
  rereadRelease(): Promise<PocketIdRelease>;
}

/** Connects to the Pocket-ID instance the properties name; its release is read once per container, and again when old. */
export async function connect(properties: ConnectionProperties, options: ConnectOptions): Promise<Connection> {
  const source = tokenSourceOf(properties);
  const entry = await cachedToken(source, options);
  const client = new PocketIdHttpClient({
    ...clientOptions(properties, options),
    apiToken: entry.token,
    retry: options.retry,
    refreshToken: () => refreshToken(source, entry.token, options),
  });
  const read = async () => {
    const release = await readRelease(client, properties.BaseUrl, options.logger);
    entry.releases.set(properties.BaseUrl, { release, readAt: Date.now() });
    return release;
  };
  const cached = entry.releases.get(properties.BaseUrl);
  const fresh = cached !== undefined && Date.now() - cached.readAt < RELEASE_MAX_AGE_MS;
  return { api: client, release: fresh ? cached.release : await read(), releaseCached: fresh, rereadRelease: read };
}

/** Whether two base URLs reach the same Pocket-ID instance, another one, or that cannot be told. */
export type InstanceIdentity = 'same' | 'other' | 'unknown';

/**
 * Tells whether `previous` and `current` reach the same Pocket-ID: each instance signs tokens with keys
 * of its own, published without authentication in its JWKS, so the same key ids mean the same instance
 * (one behind a new URL), other key ids another instance. No API key is sent to the old URL: it may no
 * longer be Pocket-ID's. Unknown when either JWKS cannot be read.
 */
export async function compareInstances(
  previous: ConnectionProperties,
  current: ConnectionProperties,
  options: ConnectOptions,
): Promise<InstanceIdentity> {
  const [before, now] = await Promise.all([signingKeyIds(previous, options), signingKeyIds(current, options)]);
  if (!before || !now) return 'unknown';
  return before.length === now.length && before.every((kid) => now.includes(kid)) ? 'same' : 'other';
}

async function signingKeyIds(properties: ConnectionProperties, options: ConnectOptions): Promise<string[] | undefined> {
  const client = new PocketIdHttpClient({ ...clientOptions(properties, options), retry: { maxAttempts: 2, baseDelayMs: 500, maxDelayMs: 1_000 } });
  try {
    const jwks = await client.get<{ keys?: Array<{ kid?: unknown }> }>('Read the signing keys that identify the Pocket-ID instance', '/.well-known/jwks.json');
    const kids = (jwks?.keys ?? []).map((key) => key?.kid).filter((kid): kid is string => typeof kid === 'string');
    return kids.length > 0 ? kids : undefined;
  } catch (error) {
    options.logger.warn('could not read the signing keys of a Pocket-ID instance', { baseUrl: properties.BaseUrl, reason: (error as Error).message });
    return undefined;
  } finally {
    client.close();
  }
}

/** Whether an update points the resource at another base URL than before. */
export function baseUrlChanged(properties: ConnectionProperties, previous: ConnectionProperties): boolean {
  return normalizedBaseUrl(properties) !== normalizedBaseUrl(previous);
}

export function normalizedBaseUrl(properties: ConnectionProperties): string {
  return String(properties.BaseUrl ?? '').replace(/\/+$/, '');
}

function clientOptions(properties: ConnectionProperties, options: ConnectOptions) {
  return {
    baseUrl: normalizedBaseUrl(properties),
    timeoutMs: parseTimeoutSeconds(properties.TimeoutSeconds) * 1000,
    skipTlsVerify: properties.SkipTlsVerify === 'true',
    logger: options.logger,
    deadline: options.deadline,
  };
}

/** The connection properties every resource carries, checked before anything is read or sent. */
export function validateConnection(properties: ConnectionProperties): string[] {
  const problems: string[] = [];
  if (typeof properties.BaseUrl !== 'string' || properties.BaseUrl === '') problems.push('baseUrl is required');
  else problems.push(...validateBaseUrl('baseUrl', properties.BaseUrl));
  if (properties.IssuerUrl !== undefined) problems.push(...validateBaseUrl('issuerUrl', String(properties.IssuerUrl)));
  if (typeof properties.ApiTokenSecret !== 'string' || properties.ApiTokenSecret === '') {
    problems.push('apiToken is required: ApiTokenSecret names the secret that holds the Pocket-ID API key');
  }
  if (properties.ApiTokenField !== undefined && (typeof properties.ApiTokenField !== 'string' || properties.ApiTokenField === '')) {
    problems.push('apiTokenField must be the non-empty key of the JSON field that holds the API key');
  }
  const seconds = Number(properties.TimeoutSeconds);
  if (properties.TimeoutSeconds !== undefined && !(seconds >= 1 && seconds <= 120)) {
    problems.push(`timeout must be between 1 and 120 seconds (got ${JSON.stringify(properties.TimeoutSeconds)})`);
  }
  if (properties.LogLevel !== undefined && !(LOG_LEVELS as readonly string[]).includes(String(properties.LogLevel))) {
    problems.push(`logLevel must be one of ${LOG_LEVELS.join(', ')} (got ${JSON.stringify(properties.LogLevel)})`);
  }
  return problems;
}

/** Where the API key is: a secret, and the field of its JSON value if it has one. */
type TokenSource = SecretValueSource;

const API_KEY: SecretValueNames = { prop: 'apiToken', fieldProp: 'apiTokenField', what: 'the API key' };

function tokenSourceOf(properties: ConnectionProperties): TokenSource {
  return { secretId: properties.ApiTokenSecret, field: properties.ApiTokenField };
}

function cacheKey(source: TokenSource): string {
  return JSON.stringify([source.secretId, source.field ?? null]);
}

async function cachedToken(source: TokenSource, options: ConnectOptions) {
  let entry = tokenCache.get(cacheKey(source));
  if (!entry) {
    const value = await options.secrets.readString(source.secretId);
    options.redactor.add(value);
    entry = { token: apiKeyIn(value, source), releases: new Map<string, ReadRelease>() };
    tokenCache.set(cacheKey(source), entry);
  }
  options.redactor.add(entry.token);
  return entry;
}

/** The API key held in a secret's value, trimmed: a key never starts or ends with white space, a value pasted in often does. */
function apiKeyIn(value: string, source: TokenSource): string {
  return valueInSecret(value, source, API_KEY).trim();
}

/** After a 401: re-reads the secret, in case the key was rotated since this container cached it. */
async function refreshToken(source: TokenSource, staleToken: string, options: ConnectOptions): Promise<string | undefined> {
  tokenCache.delete(cacheKey(source));
  const entry = await cachedToken(source, options);
  if (entry.token === staleToken) return undefined;
  options.logger.info('the API key changed since it was cached; retrying with the new one', { secret: source.secretId });
  return entry.token;
}

export function parseTimeoutSeconds(value: string | undefined): number {
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULT_TIMEOUT_SECONDS;
}
