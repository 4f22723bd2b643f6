/**
 * What Pocket-ID takes as an image, checked by the constructs at synth (where the file is known) and
 * by the handler at deploy (a file it downloads). Pocket-ID types an image by its file name's
 * extension only; it never looks at the bytes, except from 2.15 on for their size in pixels.
 */

/** The extensions of Pocket-ID's utils.GetImageMimeType, lower case (a client logo's name is lower-cased first). */
export const CLIENT_LOGO_EXTENSIONS: readonly string[] = ['avif', 'gif', 'heic', 'ico', 'jpeg', 'jpg', 'png', 'svg', 'webp'];

/** The multipart body of a client logo upload may be 2 MiB (fileSizeLimitMiddleware 2<<20); the part's headers need room too. */
export const MAX_CLIENT_LOGO_BYTES = 2 * 1024 * 1024 - 1024;

/** From Pocket-ID 2.15 on, an image of more pixels than this is refused with 400 invalid_image. */
export const MAX_IMAGE_PIXELS = 16_000_000;

/** The text after the last dot of a file name (Pocket-ID's utils.GetFileExtension), '' when there is none. */
export function extensionOf(fileName: string): string {
  const base = fileName.slice(fileName.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot >= 0 ? base.slice(dot + 1) : '';
}

/** The problems Pocket-ID would refuse a client logo for; `field` names it in the messages. */
export function clientLogoProblems(field: string, fileName: string, data: Uint8Array): string[] {
  const problems: string[] = [];
  const extension = extensionOf(fileName).toLowerCase();
  if (!CLIENT_LOGO_EXTENSIONS.includes(extension)) {
    problems.push(`${field}: '${fileName}' must end in one of .${CLIENT_LOGO_EXTENSIONS.join(', .')}: `
      + 'Pocket-ID types a logo by its extension and refuses any other with 415 unsupported_file_type');
  }
  if (data.length > MAX_CLIENT_LOGO_BYTES) {
    problems.push(`${field}: '${fileName}' has ${data.length} bytes; Pocket-ID takes a client logo of at most ${MAX_CLIENT_LOGO_BYTES} `
      + '(its upload is limited to 2 MiB with the form around it) and refuses a larger one with 413 file_too_large');
  }
  problems.push(...pixelProblems(field, fileName, data));
  return problems;
}

/** Pocket-ID 2.15+ refuses an image over MAX_IMAGE_PIXELS; the size is read from the file's header. */
export function pixelProblems(field: string, fileName: string, data: Uint8Array): string[] {
  const size = imageDimensions(data);
  if (!size || size.width * size.height <= MAX_IMAGE_PIXELS) return [];
  return [`${field}: '${fileName}' is ${size.width}×${size.height} pixels (${size.width * size.height}); Pocket-ID 2.15 and newer refuse `
    + `an image of more than ${MAX_IMAGE_PIXELS} pixels with 400 invalid_image. Scale it down`];
}

/** An image's size in pixels. */
export interface Dimensions {
  readonly width: number;
  readonly height: number;
}

/** The size in a PNG, JPEG, GIF or WebP header; undefined for other formats or a header that cannot be read. */
export function imageDimensions(data: Uint8Array): Dimensions | undefined {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return pngSize(bytes) ?? jpegSize(bytes) ?? gifSize(bytes) ?? webpSize(bytes);
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function pngSize(data: Buffer): Dimensions | undefined {
  if (data.length < 24 || !data.subarray(0, 8).equals(PNG_SIGNATURE) || data.toString('latin1', 12, 16) !== 'IHDR') return undefined;
  return { width: data.readUInt32BE(16), height: data.readUInt32BE(20) };
}

function gifSize(data: Buffer): Dimensions | undefined {
  if (data.length < 10 || !/^GIF8[79]a$/.test(data.toString('latin1', 0, 6))) return undefined;
  return { width: data.readUInt16LE(6), height: data.readUInt16LE(8) };
}

const FOURTEEN_BITS = 0x4000;

/** Lossy (VP8), lossless (VP8L) and extended (VP8X) WebP. */
function webpSize(data: Buffer): Dimensions | undefined {
  if (data.length < 30 || data.toString('latin1', 0, 4) !== 'RIFF' || data.toString('latin1', 8, 12) !== 'WEBP') return undefined;
  const chunk = data.toString('latin1', 12, 16);
  if (chunk === 'VP8X') return { width: 1 + data.readUIntLE(24, 3), height: 1 + data.readUIntLE(27, 3) };
  // 14-bit fields: the top bits of VP8's are a scale; VP8L packs width-1 and height-1 after a signature byte.
  if (chunk === 'VP8 ') return { width: data.readUInt16LE(26) % FOURTEEN_BITS, height: data.readUInt16LE(28) % FOURTEEN_BITS };
  if (chunk === 'VP8L') {
    const bits = data.readUInt32LE(21);
    return { width: 1 + (bits % FOURTEEN_BITS), height: 1 + (Math.floor(bits / FOURTEEN_BITS) % FOURTEEN_BITS) };
  }
  return undefined;
}

/** SOF0…SOF15 carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) share their range but do not. */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

function jpegSize(data: Buffer): Dimensions | undefined {
  if (data.length < 4 || data[0] !== 0xff || data[1] !== 0xd8) return undefined;
  let at = 2;
  while (at + 4 <= data.length && data[at] === 0xff) {
    const marker = data[at + 1];
    if (marker === 0xff) {
      at += 1;
    } else if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      at += 2;
    } else if (marker === 0xd9 || marker === 0xda) {
      return undefined;
    } else if (isStartOfFrame(marker)) {
      return at + 9 <= data.length ? { width: data.readUInt16BE(at + 7), height: data.readUInt16BE(at + 5) } : undefined;
    } else {
      at += 2 + data.readUInt16BE(at + 2);
    }
  }
  return undefined;
}

/** Pocket-ID's utils.GetImageExtensionFromMimeType: the extension an image of this Content-Type is saved with. */
export function extensionOfMimeType(contentType: string): string | undefined {
  const type = contentType.split(';')[0].trim().toLowerCase();
  const extensions: Record<string, string> = {
    'image/jpeg': 'jpg',
    'image/jpg': 'jpg',
    'image/png': 'png',
    'image/svg+xml': 'svg',
    'image/x-icon': 'ico',
    'image/vnd.microsoft.icon': 'ico',
    'image/gif': 'gif',
    'image/webp': 'webp',
    'image/avif': 'avif',
    'image/heic': 'heic',
    'image/heif': 'heic',
  };
  return extensions[type];
}

/** The application images, by the construct's prop names. */
export type ApplicationImageSlot = 'logo' | 'darkLogo' | 'background' | 'favicon' | 'emailLogo' | 'defaultProfilePicture';

/**
 * The problems Pocket-ID 2.14 would refuse an application image for (app_images_controller.go): any
 * image type by the lower-cased extension; the favicon svg, png or ico; the email logo png, jpg or jpeg
 * exactly as written (its handler does not lower-case: "logo.PNG" is refused). No size limit; 2.15+ refuse
 * more than 16 million pixels.
 */
export function applicationImageProblems(slot: ApplicationImageSlot, field: string, fileName: string, data: Uint8Array): string[] {
  const extension = extensionOf(fileName);
  const problems: string[] = [];
  if (slot === 'emailLogo' && !['png', 'jpg', 'jpeg'].includes(extension)) {
    problems.push(`${field}: '${fileName}' must end in .png, .jpg or .jpeg, in lower case: Pocket-ID refuses any other email logo `
      + 'with 415 "File must be of type PNG or JPEG"');
  } else if (slot === 'favicon' && !['svg', 'png', 'ico'].includes(extension.toLowerCase())) {
    problems.push(`${field}: '${fileName}' must end in .svg, .png or .ico: Pocket-ID refuses any other favicon with 415 "File must be of type SVG, PNG, or ICO"`);
  } else if (!CLIENT_LOGO_EXTENSIONS.includes(extension.toLowerCase())) {
    problems.push(`${field}: '${fileName}' must end in one of .${CLIENT_LOGO_EXTENSIONS.join(', .')}: `
      + 'Pocket-ID types an image by its extension and refuses any other with 415 file_type_not_supported');
  }
  problems.push(...pixelProblems(field, fileName, data));
  return problems;
}
