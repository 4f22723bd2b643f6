import { randomBytes } from 'crypto';
import { CreateSecretCommand, GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** Secrets Manager as the tests see it: moto's server, started by the global setup. */
export class TestSecrets {
  public readonly client = new SecretsManagerClient({});

  /** A secret like the one CloudFormation makes for `new Secret()`: a random placeholder value. */
  public async createOwnedSecret(name: string): Promise<string> {
    return this.create(name, randomBytes(16).toString('hex'));
  }

  public async create(name: string, value: string): Promise<string> {
    const result = await this.client.send(new CreateSecretCommand({ Name: `${name}-${randomBytes(4).toString('hex')}`, SecretString: value }));
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

  public destroy(): void {
    this.client.destroy();
  }
}
