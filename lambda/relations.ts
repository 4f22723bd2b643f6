import { MembershipMode } from '../lib/contract';

/**
 * Relations written as whole lists (a group's members, a user's groups): which list a resource wants,
 * given what Pocket-ID holds, what it declares now and what it declared before.
 */

/**
 * The id list this resource wants for a relation (a group's members, a user's groups), or undefined
 * when it manages none; said here for members.
 * - merge: Pocket-ID's members stay (people added in the UI), the declared ones are added, and the
 *   ones declared before but no longer are removed;
 * - exclusive: the declared list is the whole membership;
 * - no list now, one before: the resource stops managing membership and takes back what it added,
 *   the previously declared members, in either mode. Exclusive mode does not empty the group: an
 *   absent list means "not managed", and `[]` is how to declare an empty group; anyone added since
 *   the last deploy stays.
 */
export function wantedRelationIds(
  current: string[],
  declared: string[] | undefined,
  previouslyDeclared: string[] | undefined,
  mode: string,
): string[] | undefined {
  if (declared === undefined) {
    return previouslyDeclared === undefined ? undefined : current.filter((id) => !previouslyDeclared.includes(id));
  }
  if (mode === MembershipMode.EXCLUSIVE) return unique(declared);
  const noLongerDeclared = (previouslyDeclared ?? []).filter((id) => !declared.includes(id));
  return unique([...current.filter((id) => !noLongerDeclared.includes(id)), ...declared]);
}

export function unique(ids: readonly string[]): string[] {
  return [...new Set(ids)];
}

/** A list of ids as CloudFormation must deliver it: non-empty strings. `field` is the construct prop users know; `idKind` 'user id'. */
export function checkIdList(value: unknown, field: string, idKind: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) return [`${field} must be a list of ${idKind}s`];
  return value.flatMap((id, index) => (typeof id === 'string' && id.trim() !== '' ? [] : [`${field}[${index}] must be a ${idKind} (got ${JSON.stringify(id)})`]));
}

/** The ids of a list property, each once; undefined when the property is absent (not managed). */
export function readIdList(value: readonly string[] | undefined): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  return unique(value.map(String));
}
