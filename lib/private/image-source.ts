import * as fs from 'fs';
import * as path from 'path';
import { Token } from 'aws-cdk-lib';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { PocketIdBinding } from './pocket-id-provider';
import { ImageSourceProperties } from '../contract';

/** The problems Pocket-ID would refuse a file of this name and content for, as `field`. */
export type FileRules = (field: string, fileName: string, data: Uint8Array) => string[];

/** The problems with a local image file, read now: it must exist, and pass `rules`. */
export function fileProblems(field: string, filePath: string, factory: string, rules: FileRules): string[] {
  if (typeof filePath !== 'string' || filePath === '') return [`${field}: ${factory} needs the path of an image file`];
  let data: Buffer;
  try {
    data = fs.readFileSync(filePath);
  } catch (error) {
    return [`${field}: cannot read the image file '${filePath}' (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`];
  }
  return rules(field, path.basename(filePath), data);
}

/** A file as a CDK asset in `scope`, which the handler may read (that object only). */
export function bindFile(scope: Construct, id: string, filePath: string, binding: PocketIdBinding): ImageSourceProperties {
  const asset = new s3assets.Asset(scope, id, { path: filePath });
  binding.grantReadObject(asset.s3BucketName, asset.s3ObjectKey);
  return { Bucket: asset.s3BucketName, Key: asset.s3ObjectKey, Hash: asset.assetHash, FileName: path.basename(filePath) };
}

/** An image URL must be http(s) with a host, where the handler can download it. */
export function urlProblems(field: string, url: string, factory: string): string[] {
  if (typeof url !== 'string') return [`${field}: ${factory} needs a URL`];
  if (Token.isUnresolved(url)) return [];
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (parsed && (parsed.protocol === 'https:' || parsed.protocol === 'http:') && parsed.hostname !== '') return [];
  return [`${field}: '${url}' must be an http or https URL with a host, where the handler can download the image`];
}
