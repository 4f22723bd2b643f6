import { randomBytes } from 'crypto';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';

/** One version of a secret: its id, its staging labels (AWSCURRENT, AWSPREVIOUS…) and its value. */
export interface SecretVersion {
  readonly versionId: string;
  readonly stages: readonly string[];
  readonly value: string;
}

/** Secrets Manager as the tests see it: moto's server, started by the global setup. */
export class TestSecrets {
  public readonly client = new SecretsManagerClient({});
  /** The ARN of every secret made through this object, in order. */
  public readonly created: string[] = [];

  /** A secret like the one CloudFormation makes for `new Secret()`: a random placeholder value. */
  public async createOwnedSecret(name: string): Promise<string> {
    return this.create(name, randomBytes(16).toString('hex'));
  }

  public async create(name: string, value: string): Promise<string> {
    const result = await this.client.send(new CreateSecretCommand({ Name: `${name}-${randomBytes(4).toString('hex')}`, SecretString: value }));
    this.created.push(result.ARN!);
    return result.ARN!;
  }

  public async put(arn: string, value: string): Promise<void> {
    await this.client.send(new PutSecretValueCommand({ SecretId: arn, SecretString: value }));
  }

  public async read(arn: string): Promise<string> {
    const result = await this.client.send(new GetSecretValueCommand({ SecretId: arn }));
    return result.SecretString!;
  }

  public async readJson(arn: string): Promise<any> {
    return JSON.parse(await this.read(arn));
  }

  /** Every value the secret ever held (each version, AWSPREVIOUS and older included); [] when it is gone. */
  public async allValues(arn: string): Promise<string[]> {
    try {
      return (await this.versions(arn)).map((version) => version.value);
    } catch {
      return [];
    }
  }

  /** Every version of the secret (deprecated ones included), with its labels and value, ordered by version id. */
  public async versions(arn: string): Promise<SecretVersion[]> {
    const listed = await this.client.send(new ListSecretVersionIdsCommand({ SecretId: arn, IncludeDeprecated: true }));
    const versions = await Promise.all((listed.Versions ?? []).map(async (version): Promise<SecretVersion | undefined> => {
      // The AWSPENDING version RotateSecret makes has no value until createSecret stores one.
      const read = await this.client.send(new GetSecretValueCommand({ SecretId: arn, VersionId: version.VersionId })).catch((error) => {
        if (error.name === 'ResourceNotFoundException') return undefined;
        throw error;
      });
      if (typeof read?.SecretString !== 'string') return undefined;
      return { versionId: version.VersionId!, stages: [...version.VersionStages ?? []].sort(), value: read.SecretString };
    }));
    return versions.filter((version): version is SecretVersion => version !== undefined).sort((a, b) => a.versionId.localeCompare(b.versionId));
  }

  /** The staging labels of every version, those without a value (the AWSPENDING one RotateSecret makes) included. */
  public async stages(arn: string): Promise<Record<string, string[]>> {
    const listed = await this.client.send(new ListSecretVersionIdsCommand({ SecretId: arn, IncludeDeprecated: true }));
    return Object.fromEntries((listed.Versions ?? []).map((version) => [version.VersionId!, [...version.VersionStages ?? []]]));
  }

  public destroy(): void {
    this.client.destroy();
  }
}
