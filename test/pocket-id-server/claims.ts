import { ClaimInput, claimInputs, nfc } from './body-types';
import { claimDtos } from './dto';
import { duplicateClaim, invalidRequestBody, reservedClaim } from './errors';
import { requireGroup } from './groups';
import { ApiResponse, jsonResponse, readJsonBody, RequestContext } from './http';
import { newUuid } from './ids';
import { ServerState } from './state';
import { CustomClaimRecord, Store } from './store';
import { requireUser } from './users';
import { FieldChecks, required } from './validation';

/** custom_claim_service.go isReservedClaim */
export const RESERVED_CLAIMS: ReadonlySet<string> = new Set([
  'given_name', 'family_name', 'name', 'email', 'email_verified', 'preferred_username', 'display_name', 'groups',
  'type', 'sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'acr', 'amr', 'azp', 'client_id', 'nbf', 'jti',
]);

/** A top-level array; the first element that fails validation is the one reported. */
function readClaims(ctx: RequestContext): ClaimInput[] {
  const body = readJsonBody(ctx);
  if (body !== null && !Array.isArray(body)) throw invalidRequestBody();
  const claims = claimInputs(body, null) ?? [];
  for (const claim of claims) {
    new FieldChecks().field('key', claim.key, required).field('value', claim.value, required).throwIfFailed();
  }
  return claims.map((c) => ({ key: nfc(c.key), value: nfc(c.value) }));
}

type Owner = { userId: string | null; userGroupId: string | null };

/** Replaces the owner's whole set; existing keys keep their identity (and place), new ones are appended. */
function replaceClaims(store: Store, owner: Owner, claims: ClaimInput[]): CustomClaimRecord[] {
  const seen = new Set<string>();
  for (const claim of claims) {
    if (seen.has(claim.key)) throw duplicateClaim(claim.key);
    seen.add(claim.key);
  }
  const reserved = claims.find((c) => RESERVED_CLAIMS.has(c.key));
  if (reserved) throw reservedClaim(reserved.key);

  const ownedBy = (c: CustomClaimRecord) => c.userId === owner.userId && c.userGroupId === owner.userGroupId;
  store.removeClaims((c) => ownedBy(c) && !seen.has(c.key));
  for (const claim of claims) {
    const existing = store.claims.find((c) => ownedBy(c) && c.key === claim.key);
    if (existing) existing.value = claim.value;
    else store.claims.push({ id: newUuid(), key: claim.key, value: claim.value, ...owner });
  }
  return store.claims.filter(ownedBy);
}

export function updateUserClaims(ctx: RequestContext, { store }: ServerState): ApiResponse {
  const claims = readClaims(ctx);
  const user = requireUser(store, ctx.params.userId);
  return jsonResponse(200, claimDtos(replaceClaims(store, { userId: user.id, userGroupId: null }, claims)));
}

export function updateGroupClaims(ctx: RequestContext, { store }: ServerState): ApiResponse {
  const claims = readClaims(ctx);
  const group = requireGroup(store, ctx.params.userGroupId);
  return jsonResponse(200, claimDtos(replaceClaims(store, { userId: null, userGroupId: group.id }, claims)));
}
