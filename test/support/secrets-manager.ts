import { randomBytes } from 'crypto';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';

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
      const versions = await this.client.send(new ListSecretVersionIdsCommand({ SecretId: arn, IncludeDeprecated: true }));
      const values = await Promise.all((versions.Versions ?? []).map(async (version) =>
        (await this.client.send(new GetSecretValueCommand({ SecretId: arn, VersionId: version.VersionId }))).SecretString));
      return values.filter((value): value is string => typeof value === 'string');
    } catch {
      return [];
    }
  }

  public destroy(): void {
    this.client.destroy();
  }
}
