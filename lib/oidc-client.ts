import { CustomResource, Duration, Lazy, RemovalPolicy, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct, IConstruct } from 'constructs';
import { CommonProperties, CONTRACT_VERSION, FederatedIdentityProperties, LookupKind, OidcClientProperties, ResourceType } from './contract';
import { PocketId } from './pocket-id';
import { assertSameInstance, PocketIdLookup } from './private/lookup';
import { assertValidProps, checkBoolean, checkDuration, checkEnum, checkObject, checkObjectList, checkString, checkStringList, invalidProps, isEntityConstruct } from './private/prop-types';
import { booleanProperty, known, requireValue } from './private/properties';
import { OidcClientInput, validateOidcClient } from './private/validation';
import { IUserGroup } from './user-group';

/** A federated identity: a workload outside Pocket-ID that may authenticate as the client with its own JWTs. */
export interface FederatedIdentity {
  /** The issuer of the JWTs the workload presents (their `iss` claim). */
  readonly issuer: string;
  /**
   * The expected `sub` claim.
   *
   * @default - the client id
   */
  readonly subject?: string;
  /**
   * The expected `aud` claim.
   *
   * @default - Pocket-ID's URL
   */
  readonly audience?: string;
  /**
   * Where the issuer's signing keys are published.
   *
   * @default - `<issuer>/.well-known/jwks.json`
   */
  readonly jwksUrl?: string;
  /**
   * The workload's public signing keys, each a public JWK as JSON text (`JSON.stringify(jwk)`), so that
   * Pocket-ID needs no JWKS URL it can reach. Each key needs a `kid`, unique within the identity, and
   * `use` "sig" or none; private key members are refused. Either this or `jwksUrl`, not both.
   *
   * Needs Pocket-ID 2.15 or newer: on an older server the deploy fails before anything is changed.
   *
   * @default - the keys are fetched from `jwksUrl`
   */
  readonly publicKeys?: string[];
  /**
   * Refuses a JWT whose `jti` Pocket-ID has already seen.
   *
   * @default false
   */
  readonly replayProtection?: boolean;
}

/** An OIDC client in Pocket-ID, managed here or referenced. */
export interface IOidcClient extends IConstruct {
  /**
   * The client id (`client_id` in OIDC).
   *
   * @attribute
   */
  readonly clientId: string;
  /**
   * The issuer URL applications verify tokens against.
   *
   * @attribute
   */
  readonly issuerUrl: string;
  /**
   * The OpenID Connect discovery document's URL.
   *
   * @attribute
   */
  readonly discoveryUrl: string;
  /** The Pocket-ID instance that holds the client. */
  readonly pocketId: PocketId;
}

/** Properties of an OIDC client. Optional fields left unset keep whatever Pocket-ID holds. */
export interface OidcClientProps {
  /** The Pocket-ID instance that holds the client. */
  readonly pocketId: PocketId;

  /** The client's display name (1 to 50 characters). */
  readonly name: string;

  /**
   * A fixed client id (2 to 128 characters: letters, digits, `.`, `_`, `-`). Changing it replaces the client.
   *
   * @default - a UUID chosen at creation
   */
  readonly clientId?: string;

  /**
   * Allowed redirect URIs. Each needs a scheme; `javascript:` and `data:` are refused; `*` is a wildcard.
   *
   * @default - none: Pocket-ID then saves the first redirect URI used at sign-in
   */
  readonly callbackUrls?: string[];

  /**
   * Allowed post-logout redirect URIs, with the same rules as `callbackUrls`.
   *
   * @default - none
   */
  readonly logoutCallbackUrls?: string[];

  /**
   * A public client (a browser or mobile app) has no secret and must use PKCE.
   *
   * @default false
   */
  readonly isPublic?: boolean;

  /**
   * Requires PKCE. Pocket-ID turns it on for every public client.
   *
   * @default false
   */
  readonly pkceEnabled?: boolean;

  /**
   * Asks the user to authenticate again at every authorization, even with a session.
   *
   * @default false
   */
  readonly requiresReauthentication?: boolean;

  /**
   * Requires pushed authorization requests (PAR). Not allowed together with `isPublic`.
   *
   * @default false
   */
  readonly requiresPushedAuthorizationRequests?: boolean;

  /**
   * Skips the consent screen.
   *
   * @default false
   */
  readonly skipConsent?: boolean;

  /**
   * A description shown to users (up to 150 characters).
   *
   * @default - none
   */
  readonly description?: string;

  /**
   * The URL Pocket-ID's dashboard opens for this client.
   *
   * @default - none
   */
  readonly launchUrl?: string;

  /**
   * Where Pocket-ID posts OIDC back-channel logout tokens (a user signed out, disabled, deleted, or no
   * longer allowed). An absolute http(s) URL without a fragment; https for a public client.
   *
   * Needs Pocket-ID 2.17 or newer: on an older server the deploy fails before anything is changed.
   *
   * @default - no back-channel logout
   */
  readonly backchannelLogoutUrl?: string;

  /**
   * Lifetime of access tokens (whole minutes, 1 minute to 365 days).
   *
   * @default Duration.hours(1)
   */
  readonly accessTokenLifetime?: Duration;

  /**
   * Lifetime of refresh tokens (whole minutes, 1 minute to 365 days).
   *
   * @default Duration.days(30)
   */
  readonly refreshTokenLifetime?: Duration;

  /**
   * Workloads that may authenticate as this client with JWTs of their own (replaced as a whole on update).
   *
   * @default - none
   */
  readonly federatedIdentities?: FederatedIdentity[];

  /**
   * The groups whose members may use the client: a client with allowed groups is restricted to
   * them; an empty list opens it to every user. More can be added with `allowGroup()`. Written by the
   * client's resource alone.
   *
   * @default - not managed: the allowed groups Pocket-ID holds stay, unless `allowGroup()` is called
   */
  readonly allowedUserGroups?: IUserGroup[];

  /**
   * What happens to the client in Pocket-ID when it leaves the stack.
   *
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * KMS key that encrypts the Secrets Manager secret holding the client secret.
   *
   * @default - the account's `aws/secretsmanager` key
   */
  readonly secretEncryptionKey?: kms.IKey;

  /**
   * Name of the Secrets Manager secret holding the client secret.
   *
   * @default - a name generated by CloudFormation
   */
  readonly secretName?: string;

  /**
   * What happens to the Secrets Manager secret when it leaves the stack.
   *
   * @default - the same as `removalPolicy`
   */
  readonly secretRemovalPolicy?: RemovalPolicy;
}

/**
 * An OIDC client in Pocket-ID. A confidential client's secret is generated by Pocket-ID at creation
 * and stored in a Secrets Manager secret this construct owns, as JSON with `clientId`, `clientSecret`,
 * `issuer` and `discoveryUrl`: grant an application access with `client.grantReadSecret(fn)`.
 * The secret never passes through CloudFormation.
 */
export class OidcClient extends Construct implements IOidcClient {
  /** References a client that already exists in Pocket-ID. */
  public static fromClientId(scope: Construct, id: string, pocketId: PocketId, clientId: string): IOidcClient {
    return new ImportedClient(scope, id, pocketId, { clientId });
  }

  /**
   * References a client that already exists in Pocket-ID by name, resolved at deploy time. The
   * deployment fails if no client, or more than one, has the name.
   */
  public static fromClientName(scope: Construct, id: string, pocketId: PocketId, clientName: string): IOidcClient {
    return new ImportedClient(scope, id, pocketId, { clientName });
  }

  /** @attribute */
  public readonly clientId: string;
  /** @attribute */
  public readonly issuerUrl: string;
  /** @attribute */
  public readonly discoveryUrl: string;
  /**
   * The secret holding `clientId`, `clientSecret`, `issuer` and `discoveryUrl` as JSON.
   * Undefined for a public client, which has no secret.
   */
  public readonly secret?: secretsmanager.ISecret;
  /** The Pocket-ID instance that holds the client. */
  public readonly pocketId: PocketId;

  private readonly allowedGroups: IUserGroup[] = [];
  private readonly managesAllowedGroups: boolean;

  constructor(scope: Construct, id: string, props: OidcClientProps) {
    super(scope, id);
    validateProps(this, props);
    this.pocketId = props.pocketId;
    const binding = props.pocketId._bind(this);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.DESTROY;
    this.managesAllowedGroups = props.allowedUserGroups !== undefined && props.allowedUserGroups !== null;
    (props.allowedUserGroups ?? []).forEach((group, index) => this.addAllowedGroup(group, `allowedUserGroups[${index}]`));

    if (!props.isPublic) {
      this.secret = createClientSecret(this, props, removalPolicy);
      binding.grantOwnedSecret(this.secret);
    }

    const properties: OidcClientProperties = {
      ...binding.connection,
      ContractVersion: CONTRACT_VERSION,
      ...clientProperties(props),
      SecretArn: this.secret?.secretArn,
      AllowedUserGroupIds: Lazy.list({ produce: () => this.allowedGroupIds() }, { omitEmpty: false }) as string[],
    };
    const resource = new CustomResource(this, 'Resource', {
      serviceToken: binding.serviceToken,
      resourceType: ResourceType.OIDC_CLIENT,
      properties,
      removalPolicy,
    });

    this.clientId = resource.getAttString('ClientId');
    this.issuerUrl = props.pocketId.issuerUrl;
    this.discoveryUrl = props.pocketId.discoveryUrl;
  }

  /** Restricts the client to the members of `group` (and of the other allowed groups). */
  public allowGroup(group: IUserGroup): void {
    this.addAllowedGroup(group, 'allowGroup(group)');
  }

  /**
   * Grants `grantee` read access to the secret that holds the client's credentials (`clientId`,
   * `clientSecret`, `issuer`, `discoveryUrl`), including decryption with its KMS key.
   *
   * Fails for a public client, which has no secret.
   */
  public grantReadSecret(grantee: iam.IGrantable): iam.Grant {
    if (!this.secret) {
      throw new Error(`OidcClient '${this.node.path}': grantReadSecret() needs a confidential client, but this one is public (isPublic: true) and has no client secret to read`);
    }
    return this.secret.grantRead(grantee);
  }

  private addAllowedGroup(group: IUserGroup, field: string): void {
    const errors = checkObject(field, group, isGroup, 'a user group (UserGroup, or UserGroup.fromGroupId/fromGroupName)');
    if (errors.length > 0) throw invalidProps(this, 'OidcClient', errors);
    assertSameInstance(this.pocketId, group.pocketId, `OidcClient '${this.node.path}': ${field}`, `user group '${group.node.path}'`);
    if (!this.allowedGroups.includes(group)) this.allowedGroups.push(group);
  }

  /** Undefined (not managed) until groups are declared; once declared, the list, even empty. */
  private allowedGroupIds(): string[] | undefined {
    if (!this.managesAllowedGroups && this.allowedGroups.length === 0) return undefined;
    return this.allowedGroups.map((group) => group.groupId);
  }
}

/** A client referenced by id, or by name through a deploy-time lookup. */
class ImportedClient extends Construct implements IOidcClient {
  public readonly clientId: string;
  public readonly issuerUrl: string;
  public readonly discoveryUrl: string;

  constructor(scope: Construct, id: string, public readonly pocketId: PocketId, by: { clientId?: string; clientName?: string }) {
    super(scope, id);
    this.clientId = by.clientId ?? new PocketIdLookup(this, 'Lookup', pocketId, LookupKind.OIDC_CLIENT, by.clientName!).entityId;
    this.issuerUrl = pocketId.issuerUrl;
    this.discoveryUrl = pocketId.discoveryUrl;
  }
}

function createClientSecret(scope: Construct, props: OidcClientProps, removalPolicy: RemovalPolicy): secretsmanager.Secret {
  const secret = new secretsmanager.Secret(scope, 'Secret', {
    description: 'Pocket-ID OIDC client credentials (clientId, clientSecret, issuer, discoveryUrl), written by cdk-pocket-id',
    encryptionKey: props.secretEncryptionKey,
    secretName: props.secretName,
    removalPolicy: props.secretRemovalPolicy ?? removalPolicy,
  });
  Validations.of(secret).acknowledge({
    id: 'AwsSolutions-SMG4',
    reason: 'The client secret is generated and rotated by Pocket-ID, not by Secrets Manager: a Secrets Manager rotation would not change the secret Pocket-ID accepts.',
  });
  return secret;
}

function clientProperties(props: OidcClientProps): Omit<OidcClientProperties, keyof CommonProperties> {
  return {
    Name: props.name,
    ClientId: props.clientId,
    CallbackUrls: props.callbackUrls,
    LogoutCallbackUrls: props.logoutCallbackUrls,
    IsPublic: booleanProperty(props.isPublic),
    PkceEnabled: booleanProperty(props.pkceEnabled),
    RequiresReauthentication: booleanProperty(props.requiresReauthentication),
    RequiresPushedAuthorizationRequests: booleanProperty(props.requiresPushedAuthorizationRequests),
    SkipConsent: booleanProperty(props.skipConsent),
    Description: props.description,
    LaunchUrl: props.launchUrl,
    BackchannelLogoutUrl: props.backchannelLogoutUrl,
    AccessTokenLifetimeMinutes: minutesProperty(props.accessTokenLifetime),
    RefreshTokenLifetimeMinutes: minutesProperty(props.refreshTokenLifetime),
    FederatedIdentities: props.federatedIdentities?.map(federatedIdentityProperties),
  };
}

function federatedIdentityProperties(identity: FederatedIdentity): FederatedIdentityProperties {
  return {
    Issuer: identity.issuer,
    Subject: identity.subject,
    Audience: identity.audience,
    JwksUrl: identity.jwksUrl,
    PublicKeys: identity.publicKeys,
    ReplayProtection: booleanProperty(identity.replayProtection),
  };
}

function minutesProperty(duration: Duration | undefined): string | undefined {
  if (duration === undefined) return undefined;
  if (duration.isUnresolved()) return Token.asString(duration.toMinutes());
  return String(duration.toMilliseconds() / 60_000);
}

function validateProps(scope: Construct, props: OidcClientProps): void {
  assertValidProps(scope, 'OidcClient', {
    types: () => checkTypes(props),
    rules: () => [
      ...requireValue('pocketId', props.pocketId),
      ...requireValue('name', props.name),
      ...(props.federatedIdentities ?? []).flatMap((identity, index) => requireValue(`federatedIdentities[${index}].issuer`, identity.issuer)),
      ...validateOidcClient(knownAtSynth(props)),
    ],
  });
}

/** What jsii callers can pass that TypeScript would not compile: another type, or null in a list. */
function checkTypes(props: OidcClientProps): string[] {
  const identities = Array.isArray(props.federatedIdentities) ? props.federatedIdentities : [];
  return [
    ...checkObject('pocketId', props.pocketId, (value) => value instanceof PocketId, 'a PocketId'),
    ...checkString('name', props.name),
    ...checkString('clientId', props.clientId),
    ...checkStringList('callbackUrls', props.callbackUrls),
    ...checkStringList('logoutCallbackUrls', props.logoutCallbackUrls),
    ...checkBoolean('isPublic', props.isPublic),
    ...checkBoolean('pkceEnabled', props.pkceEnabled),
    ...checkBoolean('requiresReauthentication', props.requiresReauthentication),
    ...checkBoolean('requiresPushedAuthorizationRequests', props.requiresPushedAuthorizationRequests),
    ...checkBoolean('skipConsent', props.skipConsent),
    ...checkString('description', props.description),
    ...checkString('launchUrl', props.launchUrl),
    ...checkString('backchannelLogoutUrl', props.backchannelLogoutUrl),
    ...checkDuration('accessTokenLifetime', props.accessTokenLifetime),
    ...checkDuration('refreshTokenLifetime', props.refreshTokenLifetime),
    ...checkObjectList('federatedIdentities', props.federatedIdentities, (value) => typeof value === 'object' && value !== null, 'a federated identity ({ issuer, ... })'),
    ...identities.flatMap((identity, index) => (typeof identity === 'object' && identity !== null ? [
      ...checkString(`federatedIdentities[${index}].issuer`, identity.issuer),
      ...checkString(`federatedIdentities[${index}].subject`, identity.subject),
      ...checkString(`federatedIdentities[${index}].audience`, identity.audience),
      ...checkString(`federatedIdentities[${index}].jwksUrl`, identity.jwksUrl),
      ...checkStringList(`federatedIdentities[${index}].publicKeys`, identity.publicKeys),
      ...checkBoolean(`federatedIdentities[${index}].replayProtection`, identity.replayProtection),
    ] : [])),
    ...checkObjectList('allowedUserGroups', props.allowedUserGroups, isGroup, 'a user group (UserGroup, or UserGroup.fromGroupId/fromGroupName)'),
    ...checkEnum('removalPolicy', props.removalPolicy, RemovalPolicy, 'RemovalPolicy'),
    ...checkObject('secretEncryptionKey', props.secretEncryptionKey, (value) => typeof (value as kms.IKey).keyArn === 'string', 'a KMS key (IKey)'),
    ...checkString('secretName', props.secretName),
    ...checkEnum('secretRemovalPolicy', props.secretRemovalPolicy, RemovalPolicy, 'RemovalPolicy'),
  ];
}

function isGroup(value: unknown): boolean {
  return isEntityConstruct(value, 'groupId') && (value as IUserGroup).pocketId instanceof PocketId;
}

/** The values that are known now; tokens are left out and checked by the handler at deploy time. */
function knownAtSynth(props: OidcClientProps): OidcClientInput {
  return {
    name: known(props.name),
    clientId: known(props.clientId),
    description: known(props.description),
    callbackUrls: knownList(props.callbackUrls),
    logoutCallbackUrls: knownList(props.logoutCallbackUrls),
    launchUrl: known(props.launchUrl),
    backchannelLogoutUrl: known(props.backchannelLogoutUrl),
    isPublic: props.isPublic,
    requiresPushedAuthorizationRequests: props.requiresPushedAuthorizationRequests,
    accessTokenLifetimeMinutes: knownMinutes(props.accessTokenLifetime),
    refreshTokenLifetimeMinutes: knownMinutes(props.refreshTokenLifetime),
    federatedIdentities: props.federatedIdentities?.map((identity) => ({
      issuer: known(identity.issuer),
      jwksUrl: known(identity.jwksUrl),
      publicKeys: knownList(identity.publicKeys),
    })),
  };
}

function knownList(values: string[] | undefined): string[] | undefined {
  if (!Array.isArray(values) || Token.isUnresolved(values)) return undefined;
  return values.filter((value) => typeof value === 'string' && !Token.isUnresolved(value));
}

function knownMinutes(duration: Duration | undefined): number | undefined {
  if (duration === undefined || duration.isUnresolved()) return undefined;
  return duration.toMilliseconds() / 60_000;
}
