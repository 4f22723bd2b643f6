/**
 * The contract between the constructs (lib/) and the handler (lambda/): resource type names and the
 * custom resource property shapes. Keys are PascalCase, as CloudFormation shows them.
 *
 * CloudFormation delivers every scalar property as a string ("true", "30"), and keeps sending the
 * properties of every version ever deployed (Delete, rollback, OldResourceProperties). So:
 * - a property, once shipped, is never renamed or given a new meaning; add new ones instead;
 * - the handler accepts every `ContractVersion` listed in `SUPPORTED_CONTRACT_VERSIONS`.
 *
 * Nothing secret ever goes in here: only ids, names, URLs and ARNs.
 *
 * Not exported from the package index: this is not public API.
 */

/** The version the constructs of this release write. */
export const CONTRACT_VERSION = '1';

/** Every version the handler of this release still understands. */
export const SUPPORTED_CONTRACT_VERSIONS: readonly string[] = ['1'];

/** CloudFormation resource types (at most 60 characters each). */
export const ResourceType = {
  OIDC_CLIENT: 'Custom::PocketIdOidcClient',
} as const;

/** Log levels of the handler, from the most to the least verbose. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevelName = typeof LOG_LEVELS[number];

/** How the handler reaches one Pocket-ID instance. Part of every resource's properties. */
export interface ConnectionProperties {
  /** Pocket-ID's base URL without a trailing slash, e.g. `https://auth.example.com`. */
  readonly BaseUrl: string;
  /** The issuer URL Pocket-ID announces (its APP_URL); defaults to BaseUrl. */
  readonly IssuerUrl?: string;
  /** ARN (complete or partial) or name of the Secrets Manager secret that holds the API key. */
  readonly ApiTokenSecret: string;
  /** "true" turns TLS certificate verification off. */
  readonly SkipTlsVerify?: string;
  /** Per-request timeout in seconds. */
  readonly TimeoutSeconds?: string;
  /** One of LOG_LEVELS. */
  readonly LogLevel?: string;
}

/** Properties every Pocket-ID custom resource carries. */
export interface CommonProperties extends ConnectionProperties {
  readonly ContractVersion: string;
}

/** One federated identity of a client (`credentials.federatedIdentities` in Pocket-ID). */
export interface FederatedIdentityProperties {
  readonly Issuer: string;
  readonly Subject?: string;
  readonly Audience?: string;
  readonly JwksUrl?: string;
  /** "true" makes Pocket-ID refuse a JWT whose jti it has seen before. */
  readonly ReplayProtection?: string;
}

/**
 * An OIDC client. Absent optional keys mean "the user never set this": on update the server's value
 * is kept, unless the key was present in the previous properties (then Pocket-ID's default returns).
 */
export interface OidcClientProperties extends CommonProperties {
  readonly Name: string;
  /** A fixed client id. Changing it replaces the client. */
  readonly ClientId?: string;
  readonly CallbackUrls?: string[];
  readonly LogoutCallbackUrls?: string[];
  readonly IsPublic?: string;
  readonly PkceEnabled?: string;
  readonly RequiresReauthentication?: string;
  readonly RequiresPushedAuthorizationRequests?: string;
  readonly SkipConsent?: string;
  readonly Description?: string;
  readonly LaunchUrl?: string;
  readonly AccessTokenLifetimeMinutes?: string;
  readonly RefreshTokenLifetimeMinutes?: string;
  readonly FederatedIdentities?: FederatedIdentityProperties[];
  /** ARN of the Secrets Manager secret (owned by the construct) that receives the client secret. */
  readonly SecretArn?: string;
}

/** Response Data of an OIDC client: ids and URLs only, never the secret. */
export interface OidcClientAttributes {
  readonly ClientId: string;
  readonly IssuerUrl: string;
  readonly DiscoveryUrl: string;
}
