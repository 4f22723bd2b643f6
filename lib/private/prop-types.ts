import { Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';

/**
 * Type checks of props as they arrive through jsii. TypeScript callers cannot compile a value of the
 * wrong type, but JavaScript callers can pass anything, Python callers can when its runtime type
 * checks are off (`python -O`), and every jsii language can pass null. A wrong type is reported here,
 * at synth time and by field name, instead of failing with a TypeError inside the construct or
 * reaching the template as a value CloudFormation would turn into a string ("42", "[object Object]").
 *
 * Each check returns a list of messages; an empty list means valid. Unset values (undefined or null)
 * pass: `requireValue` reports a required value that is missing.
 */

export function checkString(field: string, value: unknown): string[] {
  return isUnset(value) || typeof value === 'string' ? [] : [`${field} must be a string (got ${describeValue(value)})`];
}

export function checkBoolean(field: string, value: unknown): string[] {
  return isUnset(value) || typeof value === 'boolean' ? [] : [`${field} must be true or false (got ${describeValue(value)})`];
}

/** A list of strings (a token list, encoded by the CDK as a list of strings, passes too). */
export function checkStringList(field: string, value: unknown): string[] {
  if (isUnset(value)) return [];
  if (!Array.isArray(value)) return [`${field} must be a list of strings (got ${describeValue(value)})`];
  return value.flatMap((item, index) => (typeof item === 'string' ? [] : [`${field}[${index}] must be a string (got ${describeValue(item)})`]));
}

/** A map of string keys to string values, such as custom claims. */
export function checkStringMap(field: string, value: unknown): string[] {
  if (isUnset(value) || Token.isUnresolved(value)) return [];
  if (typeof value !== 'object' || Array.isArray(value)) return [`${field} must be a map of strings to strings (got ${describeValue(value)})`];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, item]) =>
    (typeof item === 'string' ? [] : [`${field}.${key} must be a string (got ${describeValue(item)})`]));
}

/** A `Duration` (a number of seconds, say, is refused: the unit would be a guess). */
export function checkDuration(field: string, value: unknown): string[] {
  if (isUnset(value)) return [];
  const duration = value as { toMilliseconds?: unknown; isUnresolved?: unknown };
  const isDuration = typeof value === 'object' && typeof duration.toMilliseconds === 'function' && typeof duration.isUnresolved === 'function';
  return isDuration ? [] : [`${field} must be a Duration, such as Duration.minutes(30) (got ${describeValue(value)})`];
}

/** One of an enum's values; `enumName` is how the caller writes it (`RemovalPolicy`). */
export function checkEnum(field: string, value: unknown, values: Record<string, string>, enumName: string): string[] {
  if (isUnset(value) || Object.values(values).includes(value as string)) return [];
  const allowed = Object.keys(values).map((key) => `${enumName}.${key}`).join(', ');
  return [`${field} must be one of ${allowed} (got ${describeValue(value)})`];
}

/** An object of the kind `what` names (`a PocketId`), recognised by `accepts`. */
export function checkObject(field: string, value: unknown, accepts: (value: unknown) => boolean, what: string): string[] {
  return isUnset(value) || accepts(value) ? [] : [`${field} must be ${what} (got ${describeValue(value)})`];
}

/** A list whose every item is an object of the kind `what` names. */
export function checkObjectList(field: string, value: unknown, accepts: (value: unknown) => boolean, what: string): string[] {
  if (isUnset(value)) return [];
  if (!Array.isArray(value)) return [`${field} must be a list, each item ${what} (got ${describeValue(value)})`];
  return value.flatMap((item, index) => (accepts(item) ? [] : [`${field}[${index}] must be ${what} (got ${describeValue(item)})`]));
}

/** What a construct checks of its props, in order: each stage runs only when the one before found nothing. */
export interface PropChecks {
  /** Values of the wrong type (the rules assume the declared types). */
  readonly types: () => string[];
  /** Required values and Pocket-ID's rules, on the values known at synth time. */
  readonly rules: () => string[];
  /** Conflicts with other constructs (a unique name declared twice). */
  readonly conflicts?: () => string[];
}

/** Runs the checks; any problem fails synth with one error that names the construct and every problem. */
export function assertValidProps(scope: Construct, kind: string, checks: PropChecks): void {
  for (const stage of [checks.types, checks.rules, checks.conflicts ?? (() => [])]) {
    const problems = stage();
    if (problems.length > 0) throw invalidProps(scope, kind, problems);
  }
}

/** The error for problems found in a construct's props (or in a value passed to one of its methods). */
export function invalidProps(scope: Construct, kind: string, problems: readonly string[]): Error {
  return new Error(`${kind} '${scope.node.path}': ${problems.join('; ')}`);
}

/** A construct that carries `attribute` as a string: a user (`userId`) or a group (`groupId`), made here or referenced. */
export function isEntityConstruct(value: unknown, attribute: string): boolean {
  return Construct.isConstruct(value) && typeof (value as unknown as Record<string, unknown>)[attribute] === 'string';
}

/** A Secrets Manager secret (ISecret), made here or imported. */
export function isSecret(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { secretArn?: unknown }).secretArn === 'string';
}

/** How a value looks in an error message: its type, and the value itself when it is short. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (Construct.isConstruct(value)) return `the construct '${value.node.path}'`;
  switch (typeof value) {
    case 'string': return `the string '${value.length > 40 ? `${value.slice(0, 37)}...` : value}'`;
    case 'number':
    case 'boolean': return `the ${typeof value} ${value}`;
    case 'object': return 'an object';
    default: return `a ${typeof value}`;
  }
}

function isUnset(value: unknown): boolean {
  return value === undefined || value === null;
}
