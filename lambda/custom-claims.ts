import { EntityPlace, readEntityOrFail } from './lifecycle';
import { listOf } from './properties';
import { Operation, OperationContext } from './resource';
import { CustomClaimProperties } from '../lib/contract';

/** A custom claim as Pocket-ID reads and writes it. */
export interface CustomClaim {
  readonly key: string;
  readonly value: string;
}

/** Whose claims: a user's and a group's have an endpoint each. */
export interface ClaimsOwner {
  /** `user` or `user-group`, as in Pocket-ID's /api/custom-claims/{kind}/:id. */
  readonly kind: 'user' | 'user-group';
  readonly id: string;
  /** How messages name it, for example "user 0f3c…". */
  readonly description: string;
  /** Where Pocket-ID keeps the owner, whose answer carries its claims. */
  readonly place: EntityPlace;
}

/**
 * The declared [{Key, Value}] list in Pocket-ID's shape; a malformed entry or a key listed twice is
 * reported in `problems` and left out.
 */
export function checkClaims(value: unknown, problems: string[]): CustomClaim[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) {
    problems.push('customClaims must be a list of {Key, Value} pairs');
    return undefined;
  }
  const claims = value.flatMap((entry: Partial<CustomClaimProperties> | null, index) => {
    if (typeof entry?.Key === 'string' && typeof entry.Value === 'string') return [{ key: entry.Key, value: entry.Value }];
    problems.push(`customClaims[${index}] must have a Key and a Value, both strings`);
    return [];
  });
  const keys = claims.map((claim) => claim.key);
  const repeated = new Set(keys.filter((key, index) => keys.indexOf(key) !== index));
  problems.push(...[...repeated].map((key) => `customClaims has the key '${key}' more than once`));
  return claims;
}

/** The claims as a record, the shape lib/'s synth-time validation takes. */
export function claimsRecord(claims: readonly CustomClaim[] | undefined): Record<string, string> | undefined {
  return claims && Object.fromEntries(claims.map((claim) => [claim.key, claim.value]));
}

/** The declared claims of already validated properties. */
export function declaredClaims(value: readonly CustomClaimProperties[] | undefined): CustomClaim[] | undefined {
  if (value === undefined || value === null) return undefined;
  return value.map((claim) => ({ key: String(claim.Key), value: String(claim.Value) }));
}

/** The claims Pocket-ID holds, from an entity it returned (a missing or null list is none). */
export function claimsOf(entity: object): CustomClaim[] {
  return listOf<CustomClaim>((entity as { customClaims?: unknown }).customClaims).map((claim) => ({ key: claim.key, value: claim.value }));
}

export function sameClaims(actual: readonly CustomClaim[], wanted: readonly CustomClaim[]): boolean {
  return actual.length === wanted.length && wanted.every((w) => actual.some((a) => a.key === w.key && a.value === w.value));
}

/**
 * Declared claims are the whole set; claims declared before and no longer declared are cleared;
 * claims never declared are left alone (they may be set in Pocket-ID's UI, or be Pocket-ID's signup
 * defaults). Nothing is written when Pocket-ID already holds the wanted set; `current` undefined means
 * unknown (a user Pocket-ID just made, with its signup default claims): then the declared set is
 * written whatever it is. A failure later in the operation puts back the claims the owner had.
 */
export async function reconcileClaims(
  owner: ClaimsOwner,
  current: readonly CustomClaim[] | undefined,
  declared: readonly CustomClaim[] | undefined,
  declaredBefore: boolean,
  operation: Operation,
): Promise<void> {
  const wanted = declared ?? (declaredBefore ? [] : undefined);
  if (wanted === undefined || (current !== undefined && sameClaims(current, wanted))) return;
  if (current !== undefined) {
    operation.undo.add(`the previous custom claims of ${owner.description}`, () => putClaims(owner, current, operation), {
      partOf: owner.id,
      isUndone: async () => sameClaims(await readClaims(owner, operation), current),
    });
  }
  await putClaims(owner, wanted, operation);
  operation.logger.info('set the custom claims', { [owner.kind === 'user' ? 'userId' : 'groupId']: owner.id, claims: wanted.length });
}

/** The claims the owner holds now, read from the owner (Pocket-ID has no GET of claims alone). */
async function readClaims(owner: ClaimsOwner, context: OperationContext): Promise<CustomClaim[]> {
  return claimsOf(await readEntityOrFail(context, owner.place, owner.id));
}

async function putClaims(owner: ClaimsOwner, claims: readonly CustomClaim[], context: OperationContext): Promise<void> {
  const isClaimList = (answer: unknown) => answer === null || Array.isArray(answer);
  const path = `/api/custom-claims/${owner.kind}/${encodeURIComponent(owner.id)}`;
  const body = claims.map((claim) => ({ key: claim.key, value: claim.value }));
  await context.api.put(`Set the custom claims of ${owner.description}`, path, body, { expect: isClaimList });
}
