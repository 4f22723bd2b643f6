import { PocketIdApiError } from './errors';
import { PocketIdHttpClient, RetryPolicy } from './http-client';
import { Logger } from './logger';
import { Redactor } from './redactor';
import { SecretsStore } from './secrets';
import { ConnectionProperties, LOG_LEVELS } from '../lib/contract';
import { validateBaseUrl } from '../lib/private/validation';

/** The oldest Pocket-ID this release supports: 2.14 changed the client secret endpoints. */
export const MIN_POCKET_ID_VERSION = [2, 14, 0] as const;
const DEFAULT_TIMEOUT_SECONDS = 30;

/**
 * The per-container cache of API tokens: the one piece of module-level state, so that a warm container
 * reads each token secret once. Keyed by secret; each entry also remembers the base URLs whose
 * server version was checked with that token.
 */
const tokenCache = new Map<string, { token: string; checkedBaseUrls: Set<string> }>();

export interface ConnectOptions {
  readonly secrets: SecretsStore;
  readonly logger: Logger;
  readonly redactor: Redactor;
  /** Epoch milliseconds after which no request may start. */
  readonly deadline: number;
  readonly retry?: RetryPolicy;
}

/** An HTTP client for the Pocket-ID instance the properties name, its version checked once per container. */
export async function connect(properties: ConnectionProperties, options: ConnectOptions): Promise<PocketIdHttpClient> {
  const secretId = properties.ApiTokenSecret;
  const entry = await cachedToken(secretId, options);
  const client = new PocketIdHttpClient({
    baseUrl: properties.BaseUrl.replace(/\/+$/, ''),
    apiToken: entry.token,
    timeoutMs: parseTimeoutSeconds(properties.TimeoutSeconds) * 1000,
    skipTlsVerify: properties.SkipTlsVerify === 'true',
    logger: options.logger,
    deadline: options.deadline,
    retry: options.retry,
    refreshToken: () => refreshToken(secretId, entry.token, options),
  });
  if (!entry.checkedBaseUrls.has(properties.BaseUrl)) {
    await assertSupportedVersion(client, properties.BaseUrl);
    entry.checkedBaseUrls.add(properties.BaseUrl);
  }
  return client;
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
  const seconds = Number(properties.TimeoutSeconds);
  if (properties.TimeoutSeconds !== undefined && !(seconds >= 1 && seconds <= 120)) {
    problems.push(`timeout must be between 1 and 120 seconds (got ${JSON.stringify(properties.TimeoutSeconds)})`);
  }
  if (properties.LogLevel !== undefined && !(LOG_LEVELS as readonly string[]).includes(String(properties.LogLevel))) {
    problems.push(`logLevel must be one of ${LOG_LEVELS.join(', ')} (got ${JSON.stringify(properties.LogLevel)})`);
  }
  return problems;
}

async function cachedToken(secretId: string, options: ConnectOptions) {
  let entry = tokenCache.get(secretId);
  if (!entry) {
    const token = (await options.secrets.readString(secretId)).trim();
    entry = { token, checkedBaseUrls: new Set<string>() };
    tokenCache.set(secretId, entry);
  }
  options.redactor.add(entry.token);
  return entry;
}

/** After a 401: re-reads the secret, in case the key was rotated since this container cached it. */
async function refreshToken(secretId: string, staleToken: string, options: ConnectOptions): Promise<string | undefined> {
  tokenCache.delete(secretId);
  const entry = await cachedToken(secretId, options);
  if (entry.token === staleToken) return undefined;
  options.logger.info('the API key changed since it was cached; retrying with the new one', { secret: secretId });
  return entry.token;
}

async function assertSupportedVersion(client: PocketIdHttpClient, baseUrl: string): Promise<void> {
  let version: string | undefined;
  try {
    const answer = await client.get<{ currentVersion?: string }>('Check the Pocket-ID version', '/api/version/current');
    version = answer?.currentVersion;
  } catch (error) {
    if (error instanceof PocketIdApiError && error.status === 404) {
      throw new Error(`Check the Pocket-ID version: GET /api/version/current returned 404: the server at ${baseUrl} has no such endpoint, so it is not `
        + 'Pocket-ID\'s API (a wrong baseUrl, or a proxy in front of Pocket-ID) or a Pocket-ID older than 2.5. Check baseUrl; cdk-pocket-id '
        + 'supports Pocket-ID 2.14 and newer, so upgrade an older Pocket-ID.');
    }
    throw error;
  }
  const parsed = parseVersion(version);
  if (parsed && compareVersions(parsed, MIN_POCKET_ID_VERSION) < 0) {
    throw new Error(`Pocket-ID at ${baseUrl} is version ${version}; cdk-pocket-id supports Pocket-ID ${MIN_POCKET_ID_VERSION.join('.')} and newer. Upgrade Pocket-ID.`);
  }
}

export function parseVersion(version: string | undefined): number[] | undefined {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version ?? '');
  return match ? match.slice(1, 4).map(Number) : undefined;
}

function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < 3; i++) {
    if (a[i] !== b[i]) return a[i] - b[i];
  }
  return 0;
}

function parseTimeoutSeconds(value: string | undefined): number {
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULT_TIMEOUT_SECONDS;
}
