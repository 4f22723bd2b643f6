import { Token } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import type { PocketId } from '../pocket-id';

/** A name Pocket-ID keeps unique within one instance, and how Pocket-ID compares it. */
export interface UniqueName {
  /** The construct prop that holds the name, for error messages: `username`. */
  readonly field: string;
  /** The value; undefined or a token (unknown until deploy time) is not checked. */
  readonly value: string | undefined;
  /** Pocket-ID's rule, for error messages: `usernames are unique, ignoring case`. */
  readonly rule: string;
  /** Folds the value the way Pocket-ID compares it (ignoring ASCII case for usernames). */
  readonly fold?: (value: string) => string;
}

/** Per construct tree (app): every unique name declared so far, and the construct that declared it. */
const DECLARED = new WeakMap<IConstruct, Map<string, string>>();

/**
 * Names Pocket-ID keeps unique (usernames ignoring case, email addresses, group names), declared twice
 * for one Pocket-ID in one app, would fail the deployment halfway with 409 already_in_use. They fail
 * synth instead, naming both constructs. One Pocket-ID is one `PocketId` construct, or several that
 * share a base URL (one per stack, say); a base URL that is a token counts as its own instance.
 */
export class UniqueNames {
  /** The messages for names already declared by another construct; empty when all are free. */
  public static conflicts(scope: Construct, pocketId: PocketId, names: readonly UniqueName[]): string[] {
    const declared = DECLARED.get(scope.node.root);
    if (!declared) return [];
    return names.flatMap((name) => {
      const key = keyOf(pocketId, name);
      const owner = key === undefined ? undefined : declared.get(key);
      if (owner === undefined || owner === scope.node.path) return [];
      return [`${name.field} '${name.value}' is already declared by '${owner}' for the same Pocket-ID (${describeInstance(pocketId)}), and ${name.rule}: declare it once and reference that construct`];
    });
  }

  /** Records the names as `scope`'s; call after `conflicts` found none. */
  public static claim(scope: Construct, pocketId: PocketId, names: readonly UniqueName[]): void {
    const root = scope.node.root;
    const declared = DECLARED.get(root) ?? new Map<string, string>();
    DECLARED.set(root, declared);
    for (const name of names) {
      const key = keyOf(pocketId, name);
      if (key !== undefined) declared.set(key, scope.node.path);
    }
  }
}

/** Pocket-ID folds only ASCII letters when it compares usernames. */
export function foldAsciiCase(value: string): string {
  return value.replace(/[A-Z]/g, (letter) => letter.toLowerCase());
}

function keyOf(pocketId: PocketId, name: UniqueName): string | undefined {
  if (typeof name.value !== 'string' || Token.isUnresolved(name.value)) return undefined;
  const value = name.fold ? name.fold(name.value) : name.value;
  return JSON.stringify([instanceKey(pocketId), name.field, value]);
}

function instanceKey(pocketId: PocketId): string {
  return Token.isUnresolved(pocketId.baseUrl) ? `construct:${pocketId.node.path}` : `url:${pocketId.baseUrl.toLowerCase()}`;
}

function describeInstance(pocketId: PocketId): string {
  return Token.isUnresolved(pocketId.baseUrl) ? `'${pocketId.node.path}'` : pocketId.baseUrl;
}
