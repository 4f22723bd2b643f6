import { createHash, randomBytes } from 'crypto';

/**
 * Objects in moto's S3, standing in for the CDK assets of image files: the handler reads them with a
 * signed GET (lambda/s3-object.ts). moto takes the unsigned PUTs of this test-side setup.
 */
export class TestObjects {
  public readonly bucket = `cdk-assets-${randomBytes(4).toString('hex')}`;
  private created = false;
  /** Keys stored already: assets are named by their hash, so the same key holds the same bytes. */
  private readonly stored = new Set<string>();

  private get endpoint(): string {
    const endpoint = process.env.AWS_ENDPOINT_URL_S3;
    if (!endpoint) throw new Error('AWS_ENDPOINT_URL_S3 is not set: the global setup routes S3 to moto');
    return endpoint;
  }

  /** Stores `data` under `key`, as a CDK asset upload would, and returns where it is. */
  public async put(key: string, data: Buffer): Promise<{ Bucket: string; Key: string }> {
    if (!this.created) {
      await this.send('PUT', `/${this.bucket}`);
      this.created = true;
    }
    if (!this.stored.has(key)) await this.send('PUT', `/${this.bucket}/${key}`, data);
    this.stored.add(key);
    return { Bucket: this.bucket, Key: key };
  }

  /** A file as the construct makes it: an asset named by its hash, with the file's own name. */
  public async asset(fileName: string, data: Buffer): Promise<Record<string, string>> {
    const hash = createHash('sha256').update(data).digest('hex');
    const location = await this.put(`${hash}.${fileName.split('.').pop()}`, data);
    return { ...location, Hash: hash, FileName: fileName };
  }

  private async send(method: string, path: string, body?: Buffer): Promise<void> {
    const response = await fetch(`${this.endpoint}${path}`, { method, body, headers: { 'Content-Type': 'application/octet-stream' } });
    if (response.status !== 200) throw new Error(`moto S3 ${method} ${path} returned ${response.status}: ${await response.text()}`);
  }
}
