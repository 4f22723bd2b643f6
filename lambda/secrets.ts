import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';

/** What a confidential client's secret holds, as JSON. */
export interface ClientCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly issuer: string;
  readonly discoveryUrl: string;
}

/** A Secrets Manager call failed; the message names the secret and the action, never a value. */
export class SecretsError extends Error {
  /** `reading` says what of the secret was being read, when not its current value. */
  constructor(action: string, secretId: string, cause: unknown, reading?: string) {
    super(`${action} on secret ${secretId} failed: ${describeAwsError(cause, reading)}`);
    this.name = 'SecretsError';
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

  public async writeString(secretId: string, value: string): Promise<void> {
    try {
      await this.client.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: value }));
    } catch (error) {
      throw new SecretsError('PutSecretValue', secretId, error);
    }
  }

  public destroy(): void {
    this.client.destroy();
  }
}

/**
 * The undo step for a write of `written`: the secret gets back the value it held, `previous` when that
 * was read first. A secret that was not read first (one CloudFormation just made for an entity this
 * operation created) gets back the value Secrets Manager kept as AWSPREVIOUS, if the write landed.
 */
export function undoWrite(store: SecretsStore, secretId: string, written: string, previous: string | undefined): () => Promise<void> {
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

export function parseCredentials(text: string): ClientCredentials | undefined {
  try {
    const value = JSON.parse(text);
    const valid = value && typeof value.clientId === 'string' && typeof value.clientSecret === 'string' && value.clientSecret !== '';
    return valid ? value : undefined;
  } catch {
    return undefined;
  }
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
