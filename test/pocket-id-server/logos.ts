import { isIP } from 'net';
import { fileTooLarge, invalidImage, invalidLogoUrl, invalidRequestBody, missingField, unsupportedFileType } from './errors';
import { parseGoUrl } from './go-url';
import { header, RequestContext } from './http';

export const IMAGE_MIME_TYPES: Readonly<Record<string, string>> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  svg: 'image/svg+xml',
  ico: 'image/x-icon',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  heic: 'image/heic',
};

const MAX_LOGO_BYTES = 2 * 1024 * 1024;
/** [peer] Width × height above which 2.15+ refuses an image (irashack's UserProfilePictureMaxPixels, see releases.ts). */
const MAX_IMAGE_PIXELS = 16_000_000;

/** Go's strconv.ParseBool, where Pocket-ID treats anything unparseable as false. */
export function lightQuery(ctx: RequestContext): boolean {
  const value = ctx.query.has('light') ? ctx.query.get('light')! : 'true';
  return ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value);
}

/** utils.GetFileExtension: the text after the last dot, or the whole name when there is none. */
export function fileExtension(filename: string): string {
  const base = filename.slice(filename.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot >= 0 ? base.slice(dot + 1) : filename;
}

function isPrivateAddress(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || bare.endsWith('.localhost')) return true;
  const version = isIP(bare);
  if (version === 4) {
    const [a, b] = bare.split('.').map(Number);
    return (
      a === 0 || a === 10 || a === 127 ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 100 && b >= 64 && b <= 127)
    );
  }
  if (version === 6) return bare === '::1' || bare === '::' || /^f[cd]/.test(bare) || /^fe[89ab]/.test(bare) || bare.startsWith('::ffff:');
  return false;
}

/**
 * logoUrl / darkLogoUrl. Pocket-ID downloads them; this server never leaves the machine, so a public
 * URL is taken as a successful download of an image typed by the URL's extension (png otherwise).
 * Non-HTTP(S), host-less and private/loopback URLs are rejected like Pocket-ID's SSRF guard does.
 */
export function logoFromUrl(raw: string): { extension: string; data: Buffer } {
  const parsed = parseGoUrl(raw);
  if (parsed === undefined || (parsed.scheme !== 'http' && parsed.scheme !== 'https') || parsed.host === '') throw invalidLogoUrl();
  const hostname = parsed.host.replace(/:\d*$/, '');
  if (isPrivateAddress(hostname)) throw invalidLogoUrl();
  const extension = fileExtension(parsed.path).toLowerCase();
  return { extension: IMAGE_MIME_TYPES[extension] ? extension : 'png', data: Buffer.alloc(0) };
}

interface UploadedFile {
  readonly filename: string;
  readonly data: Buffer;
}

export function multipartBoundary(contentType: string): string | undefined {
  if (!/^multipart\/form-data\s*(;|$)/i.test(contentType.trim())) return undefined;
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : undefined;
}

export function parseParts(body: Buffer, boundary: string): Array<{ headers: string; data: Buffer }> {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Array<{ headers: string; data: Buffer }> = [];
  let start = body.indexOf(delimiter);
  if (start < 0) throw invalidRequestBody();
  for (;;) {
    const next = body.indexOf(delimiter, start + delimiter.length);
    if (next < 0) break;
    const part = body.subarray(start + delimiter.length + 2, next - 2);
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd >= 0) parts.push({ headers: part.subarray(0, headerEnd).toString('utf8'), data: part.subarray(headerEnd + 4) });
    start = next;
  }
  return parts;
}

/** The `file` field of a multipart upload, with the 2 MiB limit of Pocket-ID's logo route. */
export function uploadedLogo(ctx: RequestContext): UploadedFile {
  if (ctx.body.length > MAX_LOGO_BYTES) throw fileTooLarge('2.00 MB');
  const boundary = multipartBoundary(header(ctx, 'content-type'));
  if (boundary === undefined) throw invalidRequestBody();
  for (const part of parseParts(ctx.body, boundary)) {
    const disposition = /content-disposition:[^\r\n]*/i.exec(part.headers)?.[0] ?? '';
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
    const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
    if (name === 'file' && filename !== undefined) return { filename, data: Buffer.from(part.data) };
  }
  throw missingField('file');
}

export function logoExtension(filename: string): string {
  const extension = fileExtension(filename).toLowerCase();
  if (!IMAGE_MIME_TYPES[extension]) throw unsupportedFileType();
  return extension;
}

interface Dimensions {
  readonly width: number;
  readonly height: number;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function pngDimensions(data: Buffer): Dimensions | undefined {
  if (data.length < 24 || !data.subarray(0, 8).equals(PNG_SIGNATURE) || data.toString('latin1', 12, 16) !== 'IHDR') return undefined;
  return { width: data.readUInt32BE(16), height: data.readUInt32BE(20) };
}

/** SOF0…SOF15 carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) share their range but do not. */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

function jpegDimensions(data: Buffer): Dimensions | undefined {
  if (data.length < 4 || data[0] !== 0xff || data[1] !== 0xd8) return undefined;
  let at = 2;
  while (at + 4 <= data.length && data[at] === 0xff) {
    const marker = data[at + 1];
    if (marker === 0xff) {
      at += 1;
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      at += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return undefined;
    if (isStartOfFrame(marker)) return at + 9 <= data.length ? { width: data.readUInt16BE(at + 7), height: data.readUInt16BE(at + 5) } : undefined;
    at += 2 + data.readUInt16BE(at + 2);
  }
  return undefined;
}

/**
 * [peer] 2.15+ refuses an image above 16 million pixels with 400 invalid_image (irashack, see releases.ts;
 * checked there with Go's image.DecodeConfig). Only PNG and JPEG headers are read; any other format, or
 * a header that cannot be read, passes.
 */
export function assertWithinPixelLimit(data: Buffer): void {
  const dimensions = pngDimensions(data) ?? jpegDimensions(data);
  if (dimensions && dimensions.width * dimensions.height > MAX_IMAGE_PIXELS) throw invalidImage();
}
