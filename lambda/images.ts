import fetch from 'node-fetch';
import { PocketIdApiError, UnexpectedResponseError } from './errors';
import { FileContent, UploadedFile } from './http-client';
import { readString } from './properties';
import { OperationContext } from './resource';
import { readObject } from './s3-object';
import { ImageSourceProperties } from '../lib/contract';
import { CLIENT_LOGO_EXTENSIONS, clientLogoProblems, extensionOf, extensionOfMimeType, MAX_CLIENT_LOGO_BYTES } from '../lib/private/images';

/** How long a download of an image from a URL may take. */
const DOWNLOAD_TIMEOUT_MS = 30_000;
/** Redirects a download follows at most. */
const MAX_REDIRECTS = 5;

/** A logo preset as Pocket-ID 2.18's GET /api/oidc/logo-presets lists it. */
interface LogoPreset {
  readonly reference?: string;
  readonly logoUrl?: string;
  readonly darkLogoUrl?: string | null;
}

/** Which of a preset's images an image source stands for. */
export type PresetVariant = 'light' | 'dark';

/** What Pocket-ID takes for one image. */
export interface ImageRules {
  /** The problems Pocket-ID would refuse the file for. */
  readonly problems: (field: string, fileName: string, data: Uint8Array) => string[];
  /** The most bytes a download may bring. */
  readonly maxDownloadBytes: number;
  /** Which image of a preset the source stands for (client logos only). */
  readonly variant?: PresetVariant;
}

/** The most bytes a download of an application image may bring (Pocket-ID 2.14 sets no limit; the Lambda's memory does). */
export const MAX_APPLICATION_IMAGE_DOWNLOAD_BYTES = 32 * 1024 * 1024;

/**
 * The bytes of an image, from wherever its source says, checked as Pocket-ID would check them:
 * callers read every image before the first write, so a file that cannot be read changes nothing.
 */
export async function readImage(source: ImageSourceProperties, field: string, rules: ImageRules, context: OperationContext): Promise<UploadedFile> {
  const file = await readImageSource(source, field, rules, context);
  const problems = rules.problems(field, file.fileName, file.data);
  if (problems.length > 0) throw new Error(problems.join('; '));
  return file;
}

/** A client logo; the variant says which image of a preset. */
export function readClientLogo(
  source: ImageSourceProperties,
  field: string,
  variant: PresetVariant,
  context: OperationContext,
): Promise<UploadedFile> {
  return readImage(source, field, { problems: clientLogoProblems, maxDownloadBytes: MAX_CLIENT_LOGO_BYTES, variant }, context);
}

/** Whether two sources name the same image: the same asset hash (and name), URL or preset. */
export function sameSource(a: ImageSourceProperties | undefined | null, b: ImageSourceProperties): boolean {
  if (a === undefined || a === null) return false;
  if (b.Hash !== undefined || a.Hash !== undefined) return a.Hash === b.Hash && a.FileName === b.FileName;
  return a.Bucket === b.Bucket && a.Key === b.Key && a.Url === b.Url && a.Preset === b.Preset;
}

/** Problems with the shape of an image source property; `presets` whether a preset is allowed. */
export function imageSourceProblems(field: string, key: string, source: unknown, presets: boolean): string[] {
  if (source === undefined || source === null) return [];
  if (typeof source !== 'object' || Array.isArray(source)) return [`${field} must be an image source (${key} is not an object)`];
  const { Bucket, Key, Url, Preset } = source as ImageSourceProperties;
  const kinds = [Bucket !== undefined || Key !== undefined, Url !== undefined, Preset !== undefined].filter(Boolean).length;
  const what = presets ? 'a file (Bucket and Key), a URL (Url) or a preset (Preset)' : 'a file (Bucket and Key) or a URL (Url)';
  if (kinds !== 1 || ((Bucket === undefined) !== (Key === undefined)) || (!presets && Preset !== undefined)) return [`${field} must be exactly one of ${what}`];
  return [];
}

/**
 * The image Pocket-ID serves at `path`, named `baseName` with the extension its type is saved under,
 * so that it can be uploaded again as it was; undefined when Pocket-ID has none (404 image_not_found).
 * Any other type is not Pocket-ID's answer: taking it for "no image" would make an undo delete the
 * image, or a failed DELETE look done.
 */
export async function readHeldImage(context: OperationContext, operation: string, path: string, baseName: string): Promise<UploadedFile | undefined> {
  let content: FileContent;
  try {
    content = await context.api.getFile(operation, path);
  } catch (error) {
    if (error instanceof PocketIdApiError && error.isEntityNotFound) return undefined;
    throw error;
  }
  const extension = extensionOfMimeType(content.contentType);
  if (!extension || !CLIENT_LOGO_EXTENSIONS.includes(extension)) {
    throw new UnexpectedResponseError({ operation, method: 'GET', path }, `a body of type '${content.contentType}' where an image belongs`);
  }
  return { fileName: `${baseName}.${extension}`, data: content.data };
}

async function readImageSource(source: ImageSourceProperties, field: string, rules: ImageRules, context: OperationContext): Promise<UploadedFile> {
  const bucket = readString(source.Bucket);
  const key = readString(source.Key);
  if (bucket && key) {
    const data = await readObject({ bucket, key }).catch((error: Error) => {
      throw new Error(`${field}: could not read the image asset: ${error.message}`);
    });
    return { fileName: readString(source.FileName) ?? key, data };
  }
  const url = readString(source.Url);
  if (url) return download(url, field, rules.maxDownloadBytes);
  const preset = readString(source.Preset);
  if (preset) return download(await presetUrl(preset, field, rules.variant ?? 'light', context), field, rules.maxDownloadBytes);
  throw new Error(`${field}: an image needs a file, a URL or a preset`);
}

/** The image URL of a preset, found by its exact reference (the search lists at most 30, best first). */
async function presetUrl(reference: string, field: string, variant: PresetVariant, context: OperationContext): Promise<string> {
  const path = `/api/oidc/logo-presets?search=${encodeURIComponent(reference)}`;
  const presets = await context.api.get<LogoPreset[] | null>('Find the logo preset', path);
  const preset = (Array.isArray(presets) ? presets : []).find((candidate) => candidate?.reference === reference);
  if (!preset) throw new Error(`${field}: Pocket-ID's icon library has no logo preset '${reference}' (GET ${path}); choose one its admin UI lists`);
  const url = variant === 'dark' ? preset.darkLogoUrl : preset.logoUrl;
  if (typeof url !== 'string' || url === '') {
    throw new Error(`${field}: the logo preset '${reference}' has no variant for dark backgrounds; leave darkLogo unset (Pocket-ID shows the logo), `
      + 'or give darkLogo a file or URL');
  }
  return url;
}

/**
 * Downloads an image as Pocket-ID's own logo download does: http(s) only, the type from the path's
 * extension when Pocket-ID knows it, else from the Content-Type; redirects followed to an http(s) URL.
 */
async function download(url: string, field: string, maxBytes: number, redirects = 0): Promise<UploadedFile> {
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) throw new Error(`${field}: '${url}' is not an http or https URL`);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), DOWNLOAD_TIMEOUT_MS);
  try {
    const response = await fetch(parsed.toString(), { redirect: 'manual', signal: controller.signal as any, headers: { 'Accept': 'image/*', 'User-Agent': 'cdk-pocket-id' } });
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      if (redirects >= MAX_REDIRECTS) throw new Error(`${field}: downloading ${url} was redirected more than ${MAX_REDIRECTS} times`);
      return await download(new URL(location, parsed).toString(), field, maxBytes, redirects + 1);
    }
    if (response.status !== 200) throw new Error(`${field}: downloading ${url} returned ${response.status}, not the image`);
    const data = await response.buffer();
    if (data.length > maxBytes) throw new Error(`${field}: the image at ${url} has ${data.length} bytes; at most ${maxBytes} are taken`);
    const fromPath = extensionOf(parsed.pathname).toLowerCase();
    const extension = CLIENT_LOGO_EXTENSIONS.includes(fromPath) ? fromPath : extensionOfMimeType(response.headers.get('content-type') ?? '');
    if (!extension) {
      throw new Error(`${field}: the image at ${url} has neither an image extension in its path nor an image Content-Type `
        + `(${response.headers.get('content-type') ?? 'none'}), so Pocket-ID could not type it`);
    }
    return { fileName: `logo.${extension}`, data };
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw new Error(`${field}: downloading ${url} timed out after ${DOWNLOAD_TIMEOUT_MS / 1000} s`);
    const message = (error as Error).message;
    throw message.startsWith(`${field}: `) ? error : new Error(`${field}: downloading ${url} failed: ${message}`);
  } finally {
    clearTimeout(timer);
  }
}
