/**
 * CloudFormation delivers custom resource properties as strings ("true", "30"); these read them back.
 * Each returns undefined for an absent property: "never set" matters on update.
 */

export function readBoolean(value: unknown): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new TypeError(`expected true or false, got ${JSON.stringify(value)}`);
}

/** A boolean whose malformed value was already reported (shapeProblems): undefined then. */
export function readBooleanOrUndefined(value: unknown): boolean | undefined {
  try {
    return readBoolean(value);
  } catch {
    return undefined;
  }
}

export function readInteger(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  const number = typeof value === 'number' ? value : Number(value);
  if (typeof value === 'string' && value.trim() === '') return Number.NaN;
  return number;
}

export function readString(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return String(value);
}

export function readStringList(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) return [String(value)];
  return value.map(String);
}

/** A list Pocket-ID (or CloudFormation) sent, where `null` or an absent list means an empty one. */
export function listOf<T = unknown>(value: unknown): T[] {
  return Array.isArray(value) ? value as T[] : [];
}

/** What kind each property must be, keyed by property, valued by the construct prop users know. */
export interface ShapeRules {
  /** Properties that must be present, as strings. */
  readonly required?: Readonly<Record<string, string>>;
  readonly lists?: Readonly<Record<string, string>>;
  readonly strings?: Readonly<Record<string, string>>;
  /** Properties that must read as true or false ("true", "false"). */
  readonly booleans?: Readonly<Record<string, string>>;
}

/**
 * Values missing or of the wrong kind (a string where a list belongs, an object where a string
 * belongs, "yes" for a boolean), which the readers would otherwise coerce into something valid-looking.
 */
export function shapeProblems(properties: Record<string, unknown>, rules: ShapeRules): string[] {
  const present = (key: string) => properties[key] !== undefined && properties[key] !== null;
  return [
    ...Object.entries(rules.required ?? {})
      .filter(([key]) => typeof properties[key] !== 'string')
      .map(([, field]) => `${field} is required`),
    ...Object.entries(rules.lists ?? {})
      .filter(([key]) => present(key) && !Array.isArray(properties[key]))
      .map(([, field]) => `${field} must be a list`),
    ...Object.entries(rules.strings ?? {})
      .filter(([key]) => present(key) && typeof properties[key] !== 'string')
      .map(([, field]) => `${field} must be a string`),
    ...Object.entries(rules.booleans ?? {}).flatMap(([key, field]) => {
      try {
        readBoolean(properties[key]);
        return [];
      } catch (error) {
        return [`${field}: ${(error as Error).message}`];
      }
    }),
  ];
}

/** Whether two lists of ids hold the same ids, in any order. */
export function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item) => b.includes(item));
}

/** Ids named in one error message at most: the message must stay well under CloudFormation's 4 KB. */
const MAX_IDS_IN_MESSAGE = 10;

/** Ids for an error message: the first few, and how many more. */
export function listIds(ids: readonly string[]): string {
  const shown = ids.slice(0, MAX_IDS_IN_MESSAGE).join(', ');
  return ids.length > MAX_IDS_IN_MESSAGE ? `${shown} and ${ids.length - MAX_IDS_IN_MESSAGE} more` : shown;
}
