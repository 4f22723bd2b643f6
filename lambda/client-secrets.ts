import { randomInt } from 'crypto';
import { UnexpectedResponseError } from './errors';
import { listOf } from './properties';
import type { OperationContext } from './resource';
import { SecretsStore, SecretVersionInfo } from './secrets';

/** A client secret as Pocket-ID lists it: never its value, only its first characters. */
export interface ClientSecretInfo {
  readonly id: string;
  /** The secret's first characters; empty for one migrated from before Pocket-ID 2.14. */
  readonly prefix?: string;
  readonly createdAt?: string;
  readonly expiresAt?: string | null;
  readonly isActive?: boolean;
}

/** A secret as Pocket-ID answers its creation: the only time it shows the value. */
export interface NewClientSecret extends ClientSecretInfo {
  readonly secret: string;
}

/** Pocket-ID refuses a 21st secret, expired ones included (model.MaxOidcClientSecrets). */
export const MAX_CLIENT_SECRETS = 20;

/**
 * The staging label that records, on the Secrets Manager version holding a secret's value, that this
 * library made Pocket-ID secret `<id>`. Labels outlive the AWSCURRENT/AWSPREVIOUS moves, so a secret
 * stays known as ours until it is revoked, whichever version holds it.
 */
const OWNED_LABEL_PREFIX = 'PocketIdSecret-';
const SECRET_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const SECRET_LENGTH = 48;
/** Pocket-ID keeps this many leading characters in clear (model.OidcClientSecretPrefixLength). */
const PREFIX_LENGTH = 4;

export function clientPath(clientId: string): string {
  return `/api/oidc/clients/${encodeURIComponent(clientId)}`;
}

export async function listClientSecrets(clientId: string, context: OperationContext): Promise<ClientSecretInfo[]> {
  const path = `${clientPath(clientId)}/secrets`;
  const secrets = await context.api.get<unknown>('List OIDC client secrets', path);
  if (secrets !== null && !(Array.isArray(secrets) && secrets.every((s) => typeof s?.id === 'string'))) {
    throw new UnexpectedResponseError({ operation: 'List OIDC client secrets', method: 'GET', path }, 'not a list of secrets');
  }
  return listOf<ClientSecretInfo>(secrets);
}

/** What a new secret is: its value (else Pocket-ID generates one) and when it expires (else never). */
export interface SecretRequest {
  readonly secret?: string;
  readonly expiresAt?: string;
}

/** Has Pocket-ID make a secret; its value goes to the redactor before anything could log it. */
export async function createClientSecret(clientId: string, request: SecretRequest, context: OperationContext): Promise<NewClientSecret> {
  context.redactor.add(request.secret);
  const path = `${clientPath(clientId)}/secrets`;
  const created = await context.api.post<NewClientSecret>('Create OIDC client secret', path, request, { expect: isNewSecret });
  context.redactor.add(created.secret);
  return created;
}

export async function revokeClientSecret(clientId: string, secretId: string, context: OperationContext): Promise<void> {
  const isGone = async () => !(await listClientSecrets(clientId, context)).some((s) => s.id === secretId);
  await context.api.delete('Revoke OIDC client secret', `${clientPath(clientId)}/secrets/${encodeURIComponent(secretId)}`, isGone);
}

/** Whether Pocket-ID still accepts the secret: not expired (ActiveSecrets). */
export function isLive(secret: ClientSecretInfo, now = Date.now()): boolean {
  if (secret.isActive === false) return false;
  return !secret.expiresAt || Date.parse(secret.expiresAt) > now;
}

/** The listed secret that can hold `value`: its prefix matches (a migrated secret, with none, matches any). */
export function holdsValue(secret: ClientSecretInfo, value: string): boolean {
  return !secret.prefix || value.startsWith(secret.prefix);
}

/**
 * A new secret value, 48 letters and digits, whose prefix no secret of the client has: so the secret it
 * becomes is the one listed secret with that prefix, even before its id is known.
 */
export function generateSecretValue(taken: readonly ClientSecretInfo[]): string {
  const prefixes = new Set(taken.map((secret) => secret.prefix).filter((prefix) => prefix));
  for (;;) {
    const value = Array.from({ length: SECRET_LENGTH }, () => SECRET_ALPHABET[randomInt(SECRET_ALPHABET.length)]).join('');
    if (!prefixes.has(value.slice(0, PREFIX_LENGTH))) return value;
  }
}

/** The listed secret made from `value` (by its unique prefix), if Pocket-ID holds it. */
export function secretMadeFrom(listed: readonly ClientSecretInfo[], value: string): ClientSecretInfo | undefined {
  const matches = listed.filter((secret) => secret.prefix && value.startsWith(secret.prefix));
  return matches.length === 1 ? matches[0] : undefined;
}

/** `expiresAt` for a secret made now that lives `lifetimeSeconds`, if it has a lifetime. */
export function expiryOf(lifetimeSeconds: number | undefined, now = Date.now()): string | undefined {
  return lifetimeSeconds === undefined ? undefined : new Date(now + lifetimeSeconds * 1000).toISOString();
}

/** The Pocket-ID secret ids recorded on the versions of a Secrets Manager secret, with the version of each. */
export function recordedSecretIds(versions: readonly SecretVersionInfo[]): Map<string, string> {
  const recorded = new Map<string, string>();
  for (const version of versions) {
    for (const stage of version.stages) {
      if (stage.startsWith(OWNED_LABEL_PREFIX)) recorded.set(stage.slice(OWNED_LABEL_PREFIX.length), version.versionId);
    }
  }
  return recorded;
}

/**
 * The ids of the listed secrets this library made: those recorded on a version of its Secrets Manager
 * secret, and those made from a value it stored (`values`: what AWSCURRENT and AWSPREVIOUS hold; a
 * secret stored before ids were recorded is known this way).
 */
export function ownedSecretIds(
  recorded: ReadonlyMap<string, string>,
  values: ReadonlyArray<string | undefined>,
  listed: readonly ClientSecretInfo[],
): Set<string> {
  const owned = new Set(recorded.keys());
  for (const value of values) {
    const made = value ? secretMadeFrom(listed, value) : undefined;
    if (made) owned.add(made.id);
  }
  return owned;
}

/** Records on version `versionId` that this library made Pocket-ID secret `secretId`. */
export async function recordSecretId(store: SecretsStore, secretArn: string, versionId: string, secretId: string): Promise<void> {
  await store.moveStage(secretArn, `${OWNED_LABEL_PREFIX}${secretId}`, { to: versionId });
}

/** Drops the record of a secret that is gone (a version left with no label may then be deleted by Secrets Manager). */
export async function forgetSecretId(store: SecretsStore, secretArn: string, versionId: string, secretId: string): Promise<void> {
  await store.moveStage(secretArn, `${OWNED_LABEL_PREFIX}${secretId}`, { from: versionId });
}

function isNewSecret(answer: unknown): boolean {
  const secret = answer as { id?: unknown; secret?: unknown } | undefined;
  return typeof secret?.id === 'string' && typeof secret.secret === 'string' && secret.secret !== '';
}
