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
  USER: 'Custom::PocketIdUser',
  USER_GROUP: 'Custom::PocketIdUserGroup',
  LOOKUP: 'Custom::PocketIdLookup',
  SCIM_SERVICE_PROVIDER: 'Custom::PocketIdScimServiceProvider',
  SIGNUP_TOKEN: 'Custom::PocketIdSignupToken',
  API: 'Custom::PocketIdApi',
  API_GRANT: 'Custom::PocketIdApiGrant',
  APPLICATION_CONFIGURATION: 'Custom::PocketIdApplicationConfiguration',
  APPLICATION_IMAGES: 'Custom::PocketIdApplicationImages',
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
  /** The key of the JSON object in ApiTokenSecret that holds the API key; absent: the whole value is the key. */
  readonly ApiTokenField?: string;
  /** "true" turns TLS certificate verification off. */
  readonly SkipTlsVerify?: string;
  /** Per-request timeout in seconds. */
  readonly TimeoutSeconds?: string;
  /** One of LOG_LEVELS. */
  readonly LogLevel?: string;
}

/** Properties every Pocket-ID custom resource carries. */
export interface CommonProperties extends ConnectionProperties {
  /**
   * The version of this contract the properties follow.
   * @rule one of the versions the handler understands: "1"
   */
  readonly ContractVersion: string;
}

/** One federated identity of a client (`credentials.federatedIdentities` in Pocket-ID). */
export interface FederatedIdentityProperties {
  /**
   * The issuer of the JWTs.
   * @rule not empty
   */
  readonly Issuer: string;
  /**
   * The subject the JWTs must carry.
   * @default the client id
   */
  readonly Subject?: string;
  /**
   * The audience the JWTs must carry.
   * @default Pocket-ID's token endpoint
   */
  readonly Audience?: string;
  /**
   * Where the issuer's keys are.
   * @default the issuer's discovery document
   * @rule not with PublicKeys
   */
  readonly JwksUrl?: string;
  /** Public JWKs, each as its JSON text (CloudFormation would turn nested numbers into strings). Pocket-ID 2.15+. */
  readonly PublicKeys?: string[];
  /** "true" makes Pocket-ID refuse a JWT whose jti it has seen before. */
  readonly ReplayProtection?: string;
}

/**
 * An OIDC client. Absent optional keys mean "the user never set this": on update the server's value
 * is kept, unless the key was present in the previous properties (then Pocket-ID's default returns).
 */
export interface OidcClientProperties extends CommonProperties {
  /**
   * The client's name, shown on Pocket-ID's consent screen.
   * @rule 1 to 50 characters
   */
  readonly Name: string;
  /** A fixed client id. Changing it replaces the client. */
  readonly ClientId?: string;
  /**
   * The redirect URIs the client may use; Pocket-ID allows `*` wildcards.
   * @default not managed: Pocket-ID learns the first one used (on creation: none)
   * @rule each an absolute URL, or a custom scheme for native apps
   */
  readonly CallbackUrls?: string[];
  /**
   * The post-logout redirect URIs.
   * @default not managed (on creation: none)
   * @rule each an absolute URL, or a custom scheme for native apps
   */
  readonly LogoutCallbackUrls?: string[];
  /**
   * "true": a public client (a SPA, a native app), without a secret; "false": confidential.
   * @default "false"
   */
  readonly IsPublic?: string;
  /**
   * "true": the client must use PKCE.
   * @default Pocket-ID's: "false"
   */
  readonly PkceEnabled?: string;
  /**
   * "true": users authenticate again at every sign-in to this client.
   * @default Pocket-ID's: "false"
   */
  readonly RequiresReauthentication?: string;
  /**
   * "true": the client must use pushed authorization requests (PAR).
   * @default Pocket-ID's: "false"
   * @rule not with IsPublic "true"
   */
  readonly RequiresPushedAuthorizationRequests?: string;
  /**
   * "true": users are not asked to consent.
   * @default Pocket-ID's: "false"
   */
  readonly SkipConsent?: string;
  /**
   * Shown in Pocket-ID's UI.
   * @default not managed
   * @rule at most 150 characters
   */
  readonly Description?: string;
  /**
   * Where Pocket-ID's app list sends users.
   * @default not managed
   * @rule an absolute http(s) URL
   */
  readonly LaunchUrl?: string;
  /** Where Pocket-ID posts OIDC back-channel logout tokens. Pocket-ID 2.17+. */
  readonly BackchannelLogoutUrl?: string;
  /**
   * Minutes an access token of this client lives.
   * @default Pocket-ID's (60)
   * @rule a whole number of minutes
   */
  readonly AccessTokenLifetimeMinutes?: string;
  /**
   * Minutes a refresh token of this client lives.
   * @default Pocket-ID's
   * @rule a whole number of minutes
   */
  readonly RefreshTokenLifetimeMinutes?: string;
  /**
   * JWTs of other issuers the client may authenticate with instead of a secret (workload identity federation).
   * @default not managed
   */
  readonly FederatedIdentities?: FederatedIdentityProperties[];
  /** ARN of the Secrets Manager secret (owned by the construct) that receives the client secret. */
  readonly SecretArn?: string;
  /** Seconds each client secret made from now on lives (Pocket-ID's expiresAt). Absent: secrets never expire. */
  readonly SecretLifetimeSeconds?: string;
  /** "true": the client's secrets that this library did not make (in Pocket-ID's UI) are revoked too. */
  readonly ExclusiveSecrets?: string;
  /**
   * ARN of a Secrets Manager secret the user owns whose value (or ClientSecretField of its JSON value)
   * is the client secret Pocket-ID holds, instead of one it generates. The ARN only: the handler reads
   * the value. Absent: Pocket-ID generates the client secret.
   */
  readonly ClientSecretSource?: string;
  /** The key of the JSON field of ClientSecretSource's value that holds the client secret. Absent: the whole value. */
  readonly ClientSecretField?: string;
  /**
   * Any text the user chooses; a change has the handler read ClientSecretSource again and replace the
   * client's secret with its value (CloudFormation calls the handler only when a property changes).
   */
  readonly ClientSecretVersion?: string;
  /**
   * Ids of the groups allowed to use the client; [] opens it to every user. Absent: the allowed
   * groups are not managed (whatever Pocket-ID holds stays).
   */
  readonly AllowedUserGroupIds?: string[];
  /** The client's logo (light, or the only one). Absent: the logo is not managed; once managed, absent removes it. */
  readonly Logo?: ImageSourceProperties;
  /** The client's logo for dark backgrounds. As Logo. */
  readonly DarkLogo?: ImageSourceProperties;
  /**
   * "true": an entity that already holds the ClientId (made outside this stack) is taken over at Create,
   * keeping its id, instead of refused as taken. Acts at Create only. Absent: the Create fails when the ClientId is taken.
   */
  readonly AdoptExisting?: string;
  /**
   * One of AdoptedSecrets' values: what an adopted confidential client's existing secrets become once
   * the new one is stored at SecretArn. Absent: keep (revoke with ExclusiveSecrets).
   */
  readonly AdoptedSecrets?: string;
}

/** What happens to the secrets an adopted confidential client already has. */
export const AdoptedSecrets = {
  /** They stay valid beside the new one stored at SecretArn: apps still using one keep working. */
  KEEP: 'keep',
  /** Every one of them is revoked once the new one is stored: only the stored secret works. */
  REVOKE: 'revoke',
} as const;

/**
 * The application images of one Pocket-ID instance (one resource per instance). Each absent key is not
 * managed; a key present before and absent now removes the image where Pocket-ID can (not the favicon
 * and the email logo, which it cannot remove). Files and URLs only: presets are client logos.
 */
export interface ApplicationImagesProperties extends CommonProperties {
  readonly Logo?: ImageSourceProperties;
  readonly DarkLogo?: ImageSourceProperties;
  readonly Background?: ImageSourceProperties;
  readonly Favicon?: ImageSourceProperties;
  readonly EmailLogo?: ImageSourceProperties;
  readonly DefaultProfilePicture?: ImageSourceProperties;
}

/**
 * Where an image comes from: exactly one of a file (an S3 object, a CDK asset: Bucket, Key, Hash and
 * FileName), a URL (Url) or a logo preset of Pocket-ID 2.18's icon library (Preset:
 * its logoUrl for Logo, its darkLogoUrl for DarkLogo).
 */
export interface ImageSourceProperties {
  /** The bucket of the asset. */
  readonly Bucket?: string;
  /** The object key of the asset. */
  readonly Key?: string;
  /** The asset's hash: a new file has a new one, so that CloudFormation sends an Update. */
  readonly Hash?: string;
  /** The file's own name: Pocket-ID types an image by its extension. */
  readonly FileName?: string;
  /** An http(s) URL the handler downloads the image from. */
  readonly Url?: string;
  /** The reference of a logo preset (`jellyfin`). */
  readonly Preset?: string;
}

/**
 * What the rotation function of a client's secret knows, as JSON in its ROTATION_SETTINGS_ENV
 * environment variable: how to reach Pocket-ID, and the client's secret policy. The client id and
 * issuer come from the credentials the secret holds.
 */
export interface RotationSettings extends CommonProperties {
  /** Seconds the secret that AWSCURRENT leaves keeps working; the next rotation revokes it. */
  readonly OverlapSeconds: string;
  readonly SecretLifetimeSeconds?: string;
  readonly ExclusiveSecrets?: string;
}

/** The rotation function's environment variable that holds its RotationSettings. */
export const ROTATION_SETTINGS_ENV = 'POCKETID_ROTATION_SETTINGS';

/** Response Data of an OIDC client: ids and URLs only, never the secret. */
export interface OidcClientAttributes {
  readonly ClientId: string;
  readonly IssuerUrl: string;
  readonly DiscoveryUrl: string;
}

/** A custom claim: Pocket-ID keeps them as a list of key/value pairs. */
export interface CustomClaimProperties {
  /**
   * The claim's name.
   * @rule not empty; not a claim Pocket-ID sets itself (sub, email, groups, given_name…)
   */
  readonly Key: string;
  /** The claim's value. */
  readonly Value: string;
}

/** A Pocket-ID user. Absent optional keys mean "never set", as for clients. */
export interface UserProperties extends CommonProperties {
  /**
   * The username people sign in with.
   * @rule 1 to 50 letters, digits, '_', '.', '@' and '-', starting and ending with a letter or digit; unique ignoring case
   */
  readonly Username: string;
  /** A fixed user id (a UUID). Changing it replaces the user. */
  readonly UserId?: string;
  /**
   * The user's email address.
   * @default not managed (required by Pocket-ID's "require user email" setting)
   * @rule unique
   */
  readonly Email?: string;
  /**
   * "true": the email address counts as verified.
   * @default Pocket-ID's: "false"
   */
  readonly EmailVerified?: string;
  /**
   * @default not managed
   * @rule at most 50 characters
   */
  readonly FirstName?: string;
  /**
   * @default not managed
   * @rule at most 50 characters
   */
  readonly LastName?: string;
  /**
   * @default not managed
   * @rule at most 100 characters
   */
  readonly DisplayName?: string;
  /**
   * "true": a Pocket-ID administrator.
   * @default Pocket-ID's: "false"
   */
  readonly IsAdmin?: string;
  /**
   * The user's language, such as `en` or `de-CH`.
   * @default not managed
   * @rule 1 to 20 characters
   */
  readonly Locale?: string;
  /**
   * "true": the user cannot sign in.
   * @default Pocket-ID's: "false"
   */
  readonly Disabled?: string;
  /** The user's whole set of custom claims. Absent: not managed. */
  readonly CustomClaims?: CustomClaimProperties[];
  /** Issue a one-time login link at creation, valid this many seconds, stored in LoginLinkSecretArn. */
  readonly LoginLinkLifetimeSeconds?: string;
  /** ARN of the secret (owned by the construct) that receives the login link. */
  readonly LoginLinkSecretArn?: string;
  /** "true": ask Pocket-ID to email the user a login link at creation. */
  readonly EmailLoginLink?: string;
  /**
   * Ids of groups the user joins, written from the user's side (PUT /users/:id/user-groups): the
   * memberships this resource declares are its own, others (added in the UI, or by a group that does
   * not declare members) stay. Absent: the user's groups are not managed here.
   */
  readonly UserGroupIds?: string[];
  /**
   * "true": an entity that already holds the Username (ignoring case) (made outside this stack) is taken over at Create,
   * keeping its id, instead of refused as taken. Acts at Create only. Absent: the Create fails when the Username (ignoring case) is taken.
   */
  readonly AdoptExisting?: string;
}

/** Response Data of a user. */
export interface UserAttributes {
  readonly UserId: string;
  readonly Username: string;
}

/** What a group does with members that CloudFormation did not add (people added in Pocket-ID's UI). */
export const MembershipMode = {
  /** Members added elsewhere stay; only the members this resource added (and removed) are managed. */
  MERGE: 'merge',
  /** The declared members are the whole list: anyone else is removed. */
  EXCLUSIVE: 'exclusive',
} as const;

/** A Pocket-ID user group. Its member list is written by this resource alone. */
export interface UserGroupProperties extends CommonProperties {
  /**
   * The group's name, which tokens carry in the `groups` claim.
   * @rule 2 to 255 characters; unique, exactly
   */
  readonly Name: string;
  /**
   * The name shown in Pocket-ID's UI.
   * @rule 2 to 50 characters
   */
  readonly FriendlyName: string;
  /** The group's whole set of custom claims. Absent: not managed. */
  readonly CustomClaims?: CustomClaimProperties[];
  /** Ids of the declared members. Absent: membership is not managed. */
  readonly MemberUserIds?: string[];
  /** One of MembershipMode's values; default merge. */
  readonly MembershipMode?: string;
  /**
   * "true": an entity that already holds the Name (made outside this stack) is taken over at Create,
   * keeping its id, instead of refused as taken. Acts at Create only. Absent: the Create fails when the Name is taken.
   */
  readonly AdoptExisting?: string;
}

/** Response Data of a group. */
export interface UserGroupAttributes {
  readonly GroupId: string;
  readonly GroupName: string;
}

/** The kinds of entity a lookup finds by name. */
export const LookupKind = {
  USER: 'User',
  USER_GROUP: 'UserGroup',
  OIDC_CLIENT: 'OidcClient',
  /** An API (resource server), found by its resource (audience), exactly. */
  API: 'Api',
} as const;

/** Finds an existing entity by its name at deploy time; creates and deletes nothing. */
export interface LookupProperties extends CommonProperties {
  /** One of LookupKind's values. */
  readonly Kind: string;
  /** Username, group name, client name or an API's resource: an exact match is required. */
  readonly Name: string;
}

/** Response Data of a lookup. */
export interface LookupAttributes {
  readonly Id: string;
  readonly Name: string;
}

// SCIM service providers

/**
 * A SCIM service provider of one OIDC client: where Pocket-ID provisions the users and groups allowed
 * to use the client. The bearer token never appears here: only the ARN of the secret that holds it.
 */
export interface ScimServiceProviderProperties extends CommonProperties {
  /** The OIDC client's id. Changing it moves the provider to another client (the same provider id). */
  readonly ClientId: string;
  /** The SCIM base URL, e.g. `https://app.example.com/scim/v2`: Pocket-ID calls <Endpoint>/Users and <Endpoint>/Groups. */
  readonly Endpoint: string;
  /** ARN of the Secrets Manager secret (owned by the user) whose value, or TokenField of it, is the bearer token. */
  readonly TokenSecret: string;
  /** The key of the JSON field of TokenSecret's value that holds the token. Absent: the whole value. */
  readonly TokenField?: string;
  /** Any text the user chooses; a change makes CloudFormation send an Update, which reads TokenSecret again. */
  readonly TokenVersion?: string;
  /** "true": ask Pocket-ID to sync (POST .../sync) after a deploy that created or changed the provider. */
  readonly SyncAfterDeploy?: string;
}

/** Response Data of a SCIM service provider: its id only, never the token. */
export interface ScimServiceProviderAttributes {
  readonly ProviderId: string;
}

// signup tokens

/**
 * A signup token. Pocket-ID cannot change a token: a change of LifetimeSeconds, UsageLimit,
 * UserGroupIds or TokenVersion makes a new one (a new physical id); the old one is deleted by
 * CloudFormation once the deploy succeeded. The link goes to SignupLinkSecretArn, never here.
 */
export interface SignupTokenProperties extends CommonProperties {
  /** Whole seconds the token lives: more than 1, at most 31 days. */
  readonly LifetimeSeconds: string;
  /** How many accounts the token may create: 1 to 100. */
  readonly UsageLimit: string;
  /** Ids of the groups a user who signs up with the token joins. Absent: none. */
  readonly UserGroupIds?: string[];
  /** Any text; a change issues a new token with the same settings (a renewal). */
  readonly TokenVersion?: string;
  /** ARN of the secret (owned by the construct) that receives the signup link. */
  readonly SignupLinkSecretArn: string;
}

/** Response Data of a signup token: never the token or the link. */
export interface SignupTokenAttributes {
  readonly SignupTokenId: string;
  readonly ExpiresAt: string;
}
// APIs (resource servers) and client grants

/** One permission (an OAuth scope) of an API. */
export interface ApiPermissionProperties {
  /**
   * The OAuth scope.
   * @rule 1 to 128 printable ASCII characters but space, '"' and '\\'; not a scope Pocket-ID keeps (openid, profile, email, groups, offline_access…); unique in the API
   */
  readonly Key: string;
  /**
   * @rule 1 to 50 characters
   */
  readonly Name: string;
  /**
   * @default none
   * @rule at most 200 characters
   */
  readonly Description?: string;
}

/**
 * An API (OAuth resource server). Its permissions are written as a whole by this resource; Pocket-ID
 * keeps a permission's id while its key stays. `Resource` cannot change in place: a change replaces the API.
 */
export interface ApiProperties extends CommonProperties {
  /**
   * The API's name.
   * @rule 1 to 50 characters
   */
  readonly Name: string;
  /** The audience of the access tokens issued for the API. */
  readonly Resource: string;
  /** The whole set of permissions; absent: none. */
  readonly Permissions?: ApiPermissionProperties[];
  /** "true"/"false": whether clients registered from metadata documents (CIMD) may reach the API. Absent: not managed. */
  readonly CimdAccess?: string;
  /** Keys of the permissions CIMD clients may request (with CimdAccess). */
  readonly CimdPermissionKeys?: string[];
  /**
   * "true": an entity that already holds the Resource (made outside this stack) is taken over at Create,
   * keeping its id, instead of refused as taken. Acts at Create only. Absent: the Create fails when the Resource is taken.
   */
  readonly AdoptExisting?: string;
}

/** Response Data of an API. */
export interface ApiAttributes {
  readonly ApiId: string;
  readonly Audience: string;
}

/**
 * One client's access to one API: the whole grant of the pair, written by this resource alone. The
 * permission keys are mapped to Pocket-ID's permission ids at deploy time.
 */
export interface ApiGrantProperties extends CommonProperties {
  /** The API's id. */
  readonly ApiId: string;
  /** The OIDC client's id. */
  readonly ClientId: string;
  /** "true": the client may get tokens for the API on behalf of a signed-in user. */
  readonly UserDelegatedAccess?: string;
  /**
   * Keys of the API's permissions the client may request on behalf of a user.
   * @default none
   */
  readonly UserDelegatedPermissionKeys?: string[];
  /** "true": the client may get tokens for the API for itself (client credentials). */
  readonly ClientAccess?: string;
  /**
   * Keys of the API's permissions the client may request for itself.
   * @default none
   */
  readonly ClientPermissionKeys?: string[];
}

/** Response Data of a grant. */
export interface ApiGrantAttributes {
  readonly ApiId: string;
  readonly ClientId: string;
}

/**
 * Pocket-ID's application configuration, one per instance. Pocket-ID's PUT replaces it whole, so the
 * handler reads it, changes the declared settings and sends back every setting the server reported.
 * A setting declared before and no longer declared returns to Pocket-ID's default.
 */
export interface ApplicationConfigurationProperties extends CommonProperties {
  /**
   * The declared settings by Pocket-ID's key (`appName`, `smtpHost`, …), each value as Pocket-ID keeps
   * it: a string ("true", "60", a JSON array). Never a password: those come from the secrets below.
   */
  readonly Settings?: Record<string, string>;
  /** ARN of a Secrets Manager secret the user owns whose value (or SmtpPasswordField of its JSON) is the SMTP password. */
  readonly SmtpPasswordSource?: string;
  /**
   * The key of the JSON field of SmtpPasswordSource's value that holds the password.
   * @default the whole value
   */
  readonly SmtpPasswordField?: string;
  /** Any text; a change makes CloudFormation call the handler, which reads the secret again. */
  readonly SmtpPasswordVersion?: string;
  /** ARN of a Secrets Manager secret the user owns whose value (or LdapBindPasswordField of its JSON) is the LDAP bind password. */
  readonly LdapBindPasswordSource?: string;
  /**
   * The key of the JSON field of LdapBindPasswordSource's value that holds the password.
   * @default the whole value
   */
  readonly LdapBindPasswordField?: string;
  /**
   * Any text; a change makes CloudFormation call the handler, which reads the secret again.
   * @default none
   */
  readonly LdapBindPasswordVersion?: string;
}
