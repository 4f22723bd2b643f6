// The credential provider, hash and signer the Secrets Manager client bundles already (its dependencies, pinned by the lock file).
// eslint-disable-next-line import/no-extraneous-dependencies
import { defaultProvider } from '@aws-sdk/credential-provider-node';
// eslint-disable-next-line import/no-extraneous-dependencies
import { Sha256 } from '@smithy/core/checksum';
// eslint-disable-next-line import/no-extraneous-dependencies
import { SignatureV4 } from '@smithy/signature-v4';
import fetch from 'node-fetch';

/** Where an object is. */
export interface ObjectLocation {
  readonly bucket: string;
  readonly key: string;
}

/** How long reading an image asset may take (it has at most a few MiB). */
const READ_TIMEOUT_MS = 30_000;

/**
 * Reads one S3 object (an image asset) with a GET signed by SigV4: the signer and the credentials of
 * the Secrets Manager client's bundle, so that the handler ships no S3 client for one call. The
 * endpoint is the regional virtual-hosted one, or AWS_ENDPOINT_URL_S3 (path style), as the SDK does.
 */
export async function readObject(location: ObjectLocation, env: NodeJS.ProcessEnv = process.env): Promise<Buffer> {
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const url = objectUrl(location, region, env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL);
  const signer = new SignatureV4({ credentials: defaultProvider(), region, service: 's3', sha256: Sha256, uriEscapePath: false });
  const signed = await signer.sign({
    method: 'GET',
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port === '' ? undefined : Number(url.port),
    path: url.pathname,
    query: {},
    headers: { 'host': url.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
  });
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), READ_TIMEOUT_MS);
  try {
    const response = await fetch(url.toString(), { headers: signed.headers, signal: controller.signal as any, compress: false });
    const body = await response.buffer();
    if (response.status !== 200) throw new Error(`S3 GetObject s3://${location.bucket}/${location.key} returned ${response.status}${s3ErrorCode(body)}`);
    return body;
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw new Error(`S3 GetObject s3://${location.bucket}/${location.key} timed out`);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

function objectUrl(location: ObjectLocation, region: string, endpoint: string | undefined): URL {
  const key = location.key.split('/').map(encodeURIComponent).join('/');
  if (endpoint) return new URL(`${endpoint.replace(/\/+$/, '')}/${encodeURIComponent(location.bucket)}/${key}`);
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return new URL(`https://${location.bucket}.s3.${region}.${suffix}/${key}`);
}

/** S3's error code (AccessDenied, NoSuchKey), which says what to fix. */
function s3ErrorCode(body: Buffer): string {
  const code = /<Code>([^<]{1,64})<\/Code>/.exec(body.toString('utf8'))?.[1];
  return code ? ` ${code}` : '';
}
