import { randomInt, randomUUID } from 'crypto';

export const ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
/** Pocket-ID's one-time codes avoid characters that are easily confused (i, l, o, I, L, O). */
export const UNAMBIGUOUS = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ0123456789';

export function randomString(length: number, charset = ALPHANUMERIC): string {
  let result = '';
  for (let i = 0; i < length; i++) result += charset[randomInt(charset.length)];
  return result;
}

export function newUuid(): string {
  return randomUUID();
}

/** Go's time.Time JSON encoding of a second-precision timestamp (Pocket-ID stores unix seconds). */
export function timestamp(date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
