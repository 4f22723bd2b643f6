import { isIP } from 'net';
import { fileTooLarge, invalidImage, invalidLogoUrl, invalidRequestBody, missingField, unsupportedFileType } from './errors';
import { parseGoUrl } from './go-url';
import { header, RequestContext } from './http';
import { imageDimensions, MAX_IMAGE_PIXELS } from '../../lib/private/images';

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
  return uploadedFile(ctx);
}

/** The `file` field of a multipart upload (httpserver.FormFile). */
export function uploadedFile(ctx: RequestContext): UploadedFile {
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

/**
 * [peer] 2.15+ refuses an image above 16 million pixels with 400 invalid_image (irashack, see releases.ts;
 * checked there with Go's image.DecodeConfig). The header is read as the constructs read it (PNG,
 * JPEG, GIF, WebP); any other format, or a header that cannot be read, passes.
 */
export function assertWithinPixelLimit(data: Buffer): void {
  const dimensions = imageDimensions(data);
  if (dimensions && dimensions.width * dimensions.height > MAX_IMAGE_PIXELS) throw invalidImage();
}
