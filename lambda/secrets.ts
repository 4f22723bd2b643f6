import {
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import type { Redactor } from './redactor';
import type { Operation } from './resource';
import type { ConnectionProperties } from '../lib/contract';
import { parseJsonObject } from '../lib/private/json';

/** What a confidential client's secret holds, as JSON. */
export interface ClientCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly issuer: string;
  readonly discoveryUrl: string;
}

/** One version of a secret that still has a staging label. */
export interface SecretVersionInfo {
  readonly versionId: string;
  readonly stages: readonly string[];
  /** When Secrets Manager made the version, in epoch milliseconds. */
  readonly createdAt: number;
}

/** A Secrets Manager call failed; the message names the secret and the action, never a value. */
export class SecretsError extends Error {
  /**
   * Secrets Manager refused the call (a 4xx answer: denied, not found, throttled, invalid): it did not
   * happen. Otherwise (a 5xx, no answer) a write may have landed all the same.
   */
  public readonly refused: boolean;

  /** `reading` says what of the secret was being read, when not its current value. */
  constructor(action: string, secretId: string, cause: unknown, reading?: string) {
    super(`${action} on secret ${secretId} failed: ${describeAwsError(cause, reading)}`);
    this.name = 'SecretsError';
    const status = (cause as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
    this.refused = status !== undefined && status >= 400 && status < 500;
  }
}

/**
 * Reads and writes Secrets Manager secrets. The AWS SDK retries throttling itself; a test points it at
 * another endpoint through AWS_ENDPOINT_URL_SECRETS_MANAGER, as the SDK documents.
 */
export class SecretsStore {
  constructor(private readonly client: SecretsManagerClient = new SecretsManagerClient({})) {}

  public async readString(secretId: string): Promise<string> {
    try {
      const result = await this.client.send(new GetSecretValueCommand({ SecretId: secretId }));
      if (result.SecretString === undefined) {
        throw new Error('the secret has no string value (a binary secret?)');
      }
      return result.SecretString;
    } catch (error) {
      throw new SecretsError('GetSecretValue', secretId, error);
    }
  }

  /** The value the secret held before its latest write (its AWSPREVIOUS version), or undefined when it had none. */
  public async readPreviousString(secretId: string): Promise<string | undefined> {
    try {
      const result = await this.client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSPREVIOUS' }));
      return result.SecretString;
    } catch (error) {
      if ((error as { name?: string }).name === 'ResourceNotFoundException') return undefined;
      throw new SecretsError('GetSecretValue', secretId, error, 'its AWSPREVIOUS version');
    }
  }

  /** Stores `value` as the new AWSCURRENT version; returns the version's id. */
  public async writeString(secretId: string, value: string): Promise<string | undefined> {
    try {
      return (await this.client.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: value }))).VersionId;
    } catch (error) {
      throw new SecretsError('PutSecretValue', secretId, error);
    }
  }

  /** The versions that have a staging label (Secrets Manager may delete the others at any time). */
  public async versions(secretId: string): Promise<SecretVersionInfo[]> {
    const versions: SecretVersionInfo[] = [];
    let nextToken: string | undefined;
    try {
      do {
        const page = await this.client.send(new ListSecretVersionIdsCommand({ SecretId: secretId, NextToken: nextToken, MaxResults: 100 }));
        for (const version of page.Versions ?? []) {
          if (!version.VersionId || (version.VersionStages ?? []).length === 0) continue;
          versions.push({ versionId: version.VersionId, stages: version.VersionStages!, createdAt: version.CreatedDate?.getTime() ?? 0 });
        }
        nextToken = page.NextToken;
      } while (nextToken);
    } catch (error) {
      throw new SecretsError('ListSecretVersionIds', secretId, error);
    }
    return versions;
  }

  /** The value of one version, or undefined when it has none (the AWSPENDING version Secrets Manager makes before createSecret). */
  public async readVersion(secretId: string, versionId: string): Promise<string | undefined> {
    try {
      const result = await this.client.send(new GetSecretValueCommand({ SecretId: secretId, VersionId: versionId }));
      return result.SecretString;
    } catch (error) {
      if ((error as { name?: string }).name === 'ResourceNotFoundException') return undefined;
      throw new SecretsError('GetSecretValue', secretId, error, `version ${versionId}`);
    }
  }

  /** Stores `value` as version `versionId` with exactly `stages`; repeating it with the same value changes nothing. */
  public async writeVersion(secretId: string, versionId: string, value: string, stages: string[]): Promise<void> {
    try {
      const version = { ClientRequestToken: versionId, SecretString: value, VersionStages: stages };
      await this.client.send(new PutSecretValueCommand({ SecretId: secretId, ...version }));
    } catch (error) {
      throw new SecretsError('PutSecretValue', secretId, error);
    }
  }

  /** Attaches `stage` to version `to` and/or removes it from version `from` (moving AWSCURRENT also moves AWSPREVIOUS). */
  public async moveStage(secretId: string, stage: string, move: { to?: string; from?: string }): Promise<void> {
    try {
      await this.client.send(new UpdateSecretVersionStageCommand({
        SecretId: secretId,
        VersionStage: stage,
        MoveToVersionId: move.to,
        RemoveFromVersionId: move.from,
      }));
    } catch (error) {
      throw new SecretsError('UpdateSecretVersionStage', secretId, error);
    }
  }

  public destroy(): void {
    this.client.destroy();
  }
}

/**
 * Writes `text` to a secret as one step of an operation, with its way back: the secret gets back the
 * value it held (`previous`, when it was read first; else the value Secrets Manager kept as
 * AWSPREVIOUS, if the write landed). A write Secrets Manager refused left nothing to undo; one whose
 * answer was lost is read back: if it landed, it is done. Returns the new version's id, when the answer told it.
 */
export async function writeSecret(operation: Operation, secretId: string, text: string, previous: string | undefined): Promise<string | undefined> {
  const undo = () => operation.undo.add(`the previous value of secret ${secretId}`, undoWrite(operation.secrets, secretId, text, previous), {
    requests: 3,
    isUndone: async () => {
      const current = await operation.secrets.readString(secretId);
      return previous !== undefined ? current === previous : current !== text;
    },
  });
  let versionId: string | undefined;
  try {
    versionId = await operation.secrets.writeString(secretId, text);
  } catch (error) {
    if (error instanceof SecretsError && error.refused) throw error;
    undo();
    if (await operation.secrets.readString(secretId).then((current) => current !== text, () => true)) throw error;
    operation.logger.warn('the answer to a write of a secret was lost, but the value is stored', { secret: secretId });
    return undefined;
  }
  undo();
  return versionId;
}

function undoWrite(store: SecretsStore, secretId: string, written: string, previous: string | undefined): () => Promise<void> {
  return async () => {
    const current = await store.readString(secretId);
    if (previous !== undefined) {
      if (current !== previous) await store.writeString(secretId, previous);
      return;
    }
    if (current !== written) return;
    const before = await store.readPreviousString(secretId);
    if (before !== undefined) await store.writeString(secretId, before);
  };
}

/** What a client's secret holds: the issuer and discovery URL come from the connection, as the client resource writes them. */
export function credentialsOf(clientId: string, clientSecret: string, connection: Partial<ConnectionProperties>): ClientCredentials {
  const issuer = issuerOf(connection);
  return { clientId, clientSecret, issuer, discoveryUrl: discoveryUrlOf(issuer) };
}

export function issuerOf(connection: Partial<ConnectionProperties>): string {
  return String(connection.IssuerUrl ?? connection.BaseUrl ?? '').replace(/\/+$/, '');
}

export function discoveryUrlOf(issuer: string): string {
  return `${issuer}/.well-known/openid-configuration`;
}

export function parseCredentials(text: string): ClientCredentials | undefined {
  try {
    const value = JSON.parse(text);
    const valid = value && typeof value.clientId === 'string' && typeof value.clientSecret === 'string' && value.clientSecret !== '';
    return valid ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Where a value is kept: a secret, and the field of its JSON value if it has one. */
export interface SecretValueSource {
  readonly secretId: string;
  readonly field?: string;
}

/** How messages name a value kept in a secret the user owns: the props that name the secret and the field, and what the value is. */
export interface SecretValueNames {
  /** `apiToken` */
  readonly prop: string;
  /** `apiTokenField` */
  readonly fieldProp: string;
  /** `the API key` */
  readonly what: string;
}

/**
 * Reads a value the user keeps in a secret they own (the whole value, or one field of its JSON); the
 * value and what it holds go to the redactor before anything could show them.
 */
export async function readValueInSecret(
  source: SecretValueSource,
  names: SecretValueNames,
  context: { readonly secrets: SecretsStore; readonly redactor: Redactor },
): Promise<string> {
  const value = await context.secrets.readString(source.secretId);
  context.redactor.add(value);
  const held = valueInSecret(value, source, names);
  context.redactor.add(held);
  return held;
}

/**
 * The value held in a secret's value: the value itself, or one field of its JSON object. A JSON
 * object where a plain value is expected would be sent as it is and refused with a puzzling answer, so
 * it is refused here, saying why. Messages never quote the value.
 */
export function valueInSecret(value: string, source: SecretValueSource, names: SecretValueNames): string {
  const where = `${names.prop}: the secret ${source.secretId}`;
  if (source.field === undefined) {
    if (parseJsonObject(value) !== undefined) {
      throw new Error(`${where} holds a JSON object, not ${names.what} itself: set ${names.fieldProp} to the key of the field that holds ${names.what}, `
        + `or store ${names.what} alone as the secret's value`);
    }
    return value;
  }
  const parsed = parseJsonObject(value);
  if (!parsed) {
    throw new Error(`${where} is not a JSON object, so it has no field '${source.field}': remove ${names.fieldProp} to use the whole value as ${names.what}`);
  }
  const held = parsed[source.field];
  if (typeof held !== 'string' || held.trim() === '') {
    throw new Error(`${where} has no field '${source.field}' holding a string: check ${names.fieldProp} against the secret's keys`);
  }
  return held;
}

/** A value the user brings in a secret they own (a client secret, a SCIM token), and what makes it one Pocket-ID can use. */
export interface BroughtValue extends SecretValueNames {
  /** How messages name what the value must be: `a client secret Pocket-ID takes`. */
  readonly kind: string;
  readonly minLength: number;
  /** Whether a character may be part of the value. */
  readonly allows: (character: string) => boolean;
  /** The rule, as messages state it: `at least 16 printable ASCII characters (...)`. */
  readonly rule: string;
  /** How messages name the characters it does not allow: `not printable ASCII`. */
  readonly disallowed: string;
}

/**
 * Reads a value the user brings from their secret (its whole value, or one field of its JSON value);
 * the value goes to the redactor before anything could show it. One Pocket-ID could not use is an
 * error before anything is sent, that says how long it is, never what it is.
 */
export async function readBroughtValue(
  context: Pick<Operation, 'secrets' | 'redactor'>,
  source: SecretValueSource,
  brought: BroughtValue,
): Promise<string> {
  const secret = await readValueInSecret(source, brought, context);
  const characters = [...secret];
  const others = characters.filter((character) => !brought.allows(character)).length;
  if (characters.length >= brought.minLength && others === 0) return secret;
  const where = source.field === undefined ? `the value of the secret ${source.secretId}` : `the field '${source.field}' of the secret ${source.secretId}`;
  throw new Error(`${brought.prop}: ${where} is not ${brought.kind}: it must be ${brought.rule}, and it has ${characters.length} characters`
    + `${others > 0 ? `, ${others} of them ${brought.disallowed}` : ''}. Put a valid value into the secret and deploy again`);
}

function describeAwsError(error: unknown, reading: string | undefined): string {
  const e = error as { name?: string; message?: string; $metadata?: { requestId?: string } };
  const name = e?.name && e.name !== 'Error' ? `${e.name}: ` : '';
  const requestId = e?.$metadata?.requestId ? ` (AWS request id ${e.$metadata.requestId})` : '';
  const what = reading ? ` (reading ${reading})` : '';
  return `${name}${e?.message ?? String(error)}${what}${requestId}${hint(e?.name)}`;
}

/** What to do about each error, so that every message ends with it. */
function hint(name: string | undefined): string {
  switch (name) {
    case 'AccessDeniedException':
      return '. The handler\'s role may not use this secret (or its KMS key): is it owned by this stack? Check the secret\'s and the key\'s policies';
    case 'ResourceNotFoundException':
      return '. The secret does not exist (deleted outside CloudFormation?): restore it, or check its name or ARN';
    case 'InvalidRequestException':
      return '. The secret may be scheduled for deletion: restore it or deploy again after it is gone';
    case 'ThrottlingException':
    case 'TooManyRequestsException':
      return '. Secrets Manager kept throttling after the AWS SDK\'s retries: deploy again later';
    case 'DecryptionFailure':
      return '. Secrets Manager could not decrypt the secret: check that its KMS key is enabled and that the handler may use it';
    case 'InternalServiceError':
      return '. Secrets Manager failed: deploy again later';
    default:
      return '. Check the secret and the handler\'s network path to Secrets Manager, then deploy again';
  }
}
