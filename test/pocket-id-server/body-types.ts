import { arrayOf, bool, decodeStruct, Decoder, int64, nullableStr, rawJson, str, strArray, struct, unknownKey } from './decode';
import { invalidRequestBody } from './errors';
import { readJsonBody, RequestContext } from './http';
import type { Release } from './releases';
import { FederatedIdentity } from './store';
import { FieldChecks, required } from './validation';

/** Request DTOs of Pocket-ID 2.14 (backend/internal/dto), as decoders from JSON. */

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Go's time.Time JSON decoding (strict RFC 3339), re-encoded the way Go prints it back. */
export const dateTime: Decoder<string | null> = (value) => {
  if (value === null) return null;
  if (typeof value !== 'string') throw invalidRequestBody();
  const m = RFC3339.exec(value);
  if (!m || Number.isNaN(Date.parse(value))) throw invalidRequestBody();
  const fraction = (m[7] ?? '').replace(/0+$/, '');
  const zone = m[8] === '+00:00' ? 'Z' : m[8];
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${fraction === '.' ? '' : fraction}${zone}`;
};

/** FederatedIdentityDto as it is read: publicKeys are raw JSON until they are validated and re-encoded. */
export interface FederatedIdentityInput extends Omit<FederatedIdentity, 'publicKeys'> {
  publicKeys: unknown[] | null;
}

function federatedIdentity(release: Release): Decoder<FederatedIdentityInput> {
  return struct<FederatedIdentityInput>({
    issuer: str,
    subject: str,
    audience: str,
    jwks: str,
    // []json.RawMessage from 2.15 (PR pocket-id#1702); 2.14's DTO has no such field
    publicKeys: release.has('federatedPublicKeys') ? arrayOf(rawJson, null) : unknownKey<unknown[] | null>(),
    replayProtection: bool,
  });
}

const emptyFederatedIdentity = (): FederatedIdentityInput => ({ issuer: '', subject: '', audience: '', jwks: '', publicKeys: null, replayProtection: false });

/** credentials.secrets is read-only, but its values must still decode. */
interface SecretEcho {
  id: string;
  prefix: string;
  createdAt: string | null;
  expiresAt: string | null;
  isActive: boolean;
}

const ignoredSecret = struct<SecretEcho>({
  id: str,
  prefix: str,
  createdAt: dateTime,
  expiresAt: dateTime,
  isActive: bool,
});

export interface ClientCredentialsInput {
  federatedIdentities: FederatedIdentityInput[] | null;
  secrets: SecretEcho[] | null;
}

export interface ClientInput {
  id: string;
  name: string;
  description: string;
  callbackURLs: string[] | null;
  logoutCallbackURLs: string[] | null;
  backchannelLogoutURL: string;
  isPublic: boolean;
  pkceEnabled: boolean;
  requiresReauthentication: boolean;
  requiresPushedAuthorizationRequests: boolean;
  skipConsent: boolean;
  credentials: ClientCredentialsInput;
  launchURL: string | null;
  hasLogo: boolean;
  hasDarkLogo: boolean;
  logoUrl: string | null;
  darkLogoUrl: string | null;
  isGroupRestricted: boolean;
  accessTokenDurationMinutes: number;
  refreshTokenDurationMinutes: number;
}

/** OidcClientCreateDto / OidcClientUpdateDto of the release played. */
export function clientInputSchema(release: Release) {
  return {
    id: str,
    name: str,
    description: str,
    callbackURLs: strArray,
    logoutCallbackURLs: strArray,
    // 2.17+ (PR pocket-id#1734; the name from peers, see releases.ts); unknown to earlier releases
    backchannelLogoutURL: release.has('backchannelLogout') ? str : unknownKey<string>(),
    isPublic: bool,
    pkceEnabled: bool,
    requiresReauthentication: bool,
    requiresPushedAuthorizationRequests: bool,
    skipConsent: bool,
    credentials: struct<ClientCredentialsInput>({
      federatedIdentities: arrayOf(federatedIdentity(release), emptyFederatedIdentity()),
      secrets: arrayOf(ignoredSecret, { id: '', prefix: '', createdAt: null, expiresAt: null, isActive: false }),
    }),
    launchURL: nullableStr,
    hasLogo: bool,
    hasDarkLogo: bool,
    logoUrl: nullableStr,
    darkLogoUrl: nullableStr,
    isGroupRestricted: bool,
    accessTokenDurationMinutes: int64,
    refreshTokenDurationMinutes: int64,
  };
}

export function emptyClientInput(): ClientInput {
  return {
    id: '',
    name: '',
    description: '',
    callbackURLs: null,
    logoutCallbackURLs: null,
    backchannelLogoutURL: '',
    isPublic: false,
    pkceEnabled: false,
    requiresReauthentication: false,
    requiresPushedAuthorizationRequests: false,
    skipConsent: false,
    credentials: { federatedIdentities: null, secrets: null },
    launchURL: null,
    hasLogo: false,
    hasDarkLogo: false,
    logoUrl: null,
    darkLogoUrl: null,
    isGroupRestricted: false,
    accessTokenDurationMinutes: 0,
    refreshTokenDurationMinutes: 0,
  };
}

export interface UserInput {
  id: string;
  username: string;
  email: string | null;
  emailVerified: boolean;
  firstName: string;
  lastName: string;
  displayName: string;
  isAdmin: boolean;
  locale: string | null;
  disabled: boolean;
  userGroupIds: string[] | null;
}

export const userInputSchema = {
  id: str,
  username: str,
  email: nullableStr,
  emailVerified: bool,
  firstName: str,
  lastName: str,
  displayName: str,
  isAdmin: bool,
  locale: nullableStr,
  disabled: bool,
  userGroupIds: strArray,
};

export function emptyUserInput(): UserInput {
  return {
    id: '',
    username: '',
    email: null,
    emailVerified: false,
    firstName: '',
    lastName: '',
    displayName: '',
    isAdmin: false,
    locale: null,
    disabled: false,
    userGroupIds: null,
  };
}

export interface GroupInput {
  friendlyName: string;
  name: string;
}

export const groupInputSchema = { friendlyName: str, name: str };

export interface ClaimInput {
  key: string;
  value: string;
}

export const claimInput = struct<ClaimInput>({ key: str, value: str });
export const claimInputs = arrayOf(claimInput, { key: '', value: '' });

export function nfc(value: string): string {
  return value.normalize('NFC');
}

export function nfcOrNull(value: string | null): string | null {
  return value === null ? null : value.normalize('NFC');
}

/** Bodies like `{userGroupIds: string[]}` whose only field is a required id list (`[]` is allowed, null is not). */
export function readIdList(ctx: RequestContext, field: string): string[] {
  const input = decodeStruct({ [field]: strArray }, () => ({ [field]: null as string[] | null }), readJsonBody(ctx));
  new FieldChecks().field(field, input[field], required).throwIfFailed();
  return input[field] ?? [];
}
