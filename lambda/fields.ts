/**
 * Read-modify-write over a field table. Pocket-ID's PUT replaces a whole entity, so an update body is
 * the entity as Pocket-ID holds it, overlaid with what the properties declare; a field declared before
 * and no longer declared goes back to Pocket-ID's default; a field never declared keeps the server's
 * value (set in the UI, say).
 */

/** One managed property, and the Pocket-ID field it maps to. */
export interface Field<P> {
  readonly property: keyof P & string;
  /** Pocket-ID's name for the field. */
  readonly api: string;
  /** Reads the property as CloudFormation delivers it (strings); undefined when it is not set. */
  readonly read: (value: unknown) => unknown;
  /** The value Pocket-ID gives the field when nobody set it. */
  readonly pocketIdDefault: unknown;
  /** Whether Pocket-ID's value counts as the wanted one; default: the same JSON (null and absent alike). */
  readonly same?: (held: unknown, wanted: unknown, body: Readonly<Record<string, unknown>>) => boolean;
}

/** The managed fields of one entity type, and how its full-replace PUT body starts from what Pocket-ID holds. */
export interface FieldTable<P> {
  readonly fields: ReadonlyArray<Field<P>>;
  /** The body Pocket-ID's PUT takes back for the entity as it holds it. */
  readonly bodyOf: (held: Readonly<Record<string, unknown>>) => Record<string, unknown>;
}

/** The fields the properties set, in Pocket-ID's names. */
export function declaredFields<P>(table: FieldTable<P>, properties: P): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const field of table.fields) {
    const value = field.read(properties[field.property]);
    if (value !== undefined) body[field.api] = value;
  }
  return body;
}

/** The body for Pocket-ID's full-replace PUT: what it holds, overlaid with what the properties manage. */
export function updateBody<P>(
  table: FieldTable<P>,
  held: Readonly<Record<string, unknown>>,
  properties: P,
  previous: Partial<P>,
): Record<string, unknown> {
  const body = table.bodyOf(held);
  for (const field of table.fields) {
    const value = field.read(properties[field.property]);
    if (value !== undefined) body[field.api] = value;
    else if (previous[field.property] !== undefined) body[field.api] = field.pocketIdDefault;
  }
  return body;
}

/** Whether the entity already holds every value of `body` (a PUT would change nothing). */
export function holdsFields<P>(table: FieldTable<P>, held: Readonly<Record<string, unknown>>, body: Readonly<Record<string, unknown>>): boolean {
  return Object.entries(body).every(([api, wanted]) => {
    const same = table.fields.find((field) => field.api === api)?.same ?? sameJson;
    return same(held[api], wanted, body);
  });
}

export function sameJson(held: unknown, wanted: unknown): boolean {
  return JSON.stringify(held ?? null) === JSON.stringify(wanted ?? null);
}

/** The same JSON whatever the order of object members (Pocket-ID re-encodes some values). */
export function sameCanonicalJson(held: unknown, wanted: unknown): boolean {
  return JSON.stringify(canonical(held ?? null)) === JSON.stringify(canonical(wanted ?? null));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.keys(value).sort().map((key) => [key, canonical((value as Record<string, unknown>)[key])]));
}

/**
 * The body of a PUT that takes back what Pocket-ID holds, but for the fields of its answer that the
 * PUT does not take: fields a newer Pocket-ID added, unknown here, are sent back as they are, so that
 * an update never resets them.
 */
export function heldWithout(readOnly: readonly string[]): (held: Readonly<Record<string, unknown>>) => Record<string, unknown> {
  return (held) => Object.fromEntries(Object.entries(held).filter(([field]) => !readOnly.includes(field)));
}
