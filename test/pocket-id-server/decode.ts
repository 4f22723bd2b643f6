import { invalidRequestBody } from './errors';

/**
 * Decoding of JSON request bodies into typed DTOs the way Go's encoding/json does it: a value of the
 * wrong type fails the whole request (400 invalid_request_body), `null` leaves a non-pointer field at
 * its zero value, unknown keys are ignored and keys match field names case-insensitively.
 */
export type Decoder<T> = (value: unknown, previous: T) => T;

function fail(): never {
  throw invalidRequestBody();
}

export const str: Decoder<string> = (value, previous) => {
  if (value === null) return previous;
  return typeof value === 'string' ? value : fail();
};

export const nullableStr: Decoder<string | null> = (value) => {
  if (value === null) return null;
  return typeof value === 'string' ? value : fail();
};

export const bool: Decoder<boolean> = (value, previous) => {
  if (value === null) return previous;
  return typeof value === 'boolean' ? value : fail();
};

export const int64: Decoder<number> = (value, previous) => {
  if (value === null) return previous;
  return typeof value === 'number' && Number.isInteger(value) ? value : fail();
};

export function arrayOf<T>(element: Decoder<T>, zero: T): Decoder<T[] | null> {
  return (value) => {
    if (value === null) return null;
    if (!Array.isArray(value)) return fail();
    return value.map((item) => element(item, zero));
  };
}

export const strArray = arrayOf(str, '');

/** json.RawMessage: any JSON value, kept as it came (a `null` included). */
export const rawJson: Decoder<unknown> = (value) => value;

/** A field the DTO does not have (in the release played): its key is skipped whatever its value, as any unknown key is. */
export function unknownKey<T>(): Decoder<T> {
  return (_value, previous) => previous;
}

type Schema<T> = { [K in keyof T]: Decoder<T[K]> };

function findField(schemaKeys: string[], key: string): string | undefined {
  return schemaKeys.find((k) => k === key) ?? schemaKeys.find((k) => k.toLowerCase() === key.toLowerCase());
}

/** Decodes a JSON object into a struct described by `schema`, starting from the struct's zero value. */
export function struct<T>(schema: Schema<T>): Decoder<T> {
  return (value, previous) => {
    if (value === null) return previous;
    if (typeof value !== 'object' || Array.isArray(value)) return fail();
    const result = { ...previous };
    const keys = Object.keys(schema);
    for (const [key, raw] of Object.entries(value as Record<string, unknown>)) {
      const field = findField(keys, key) as keyof T | undefined;
      if (field === undefined) continue;
      result[field] = schema[field](raw, result[field]);
    }
    return result;
  };
}

export function decodeStruct<T>(schema: Schema<T>, zero: () => T, value: unknown): T {
  return struct(schema)(value, zero());
}
