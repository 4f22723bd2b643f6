import { Annotations, Duration, Lazy, RemovalPolicy, SecretValue, Token, Validations } from 'aws-cdk-lib';
import * as apigwAuthorizers from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct, IConstruct } from 'constructs';
import { ClientLogo } from './client-logo';
import { CommonProperties, CONTRACT_VERSION, FederatedIdentityProperties, LookupKind, OidcClientProperties, ResourceType } from './contract';
import { OidcEndpoints } from './oidc-endpoints';
import { PocketId } from './pocket-id';
import { adoptingRemovalPolicy, PocketIdCustomResource, withoutCreationStacks } from './private/custom-resource';
import { assertSameInstance, PocketIdLookup } from './private/lookup';
import { PocketIdBinding } from './private/pocket-id-provider';
import {
  assertValidProps,
  checkBoolean,
  checkDuration,
  checkEnum,
  checkObject,
  checkObjectList,
  checkString,
  checkStringList,
  invalidProps,
  isEntityConstruct,
  isSecret,
} from './private/prop-types';
import { booleanProperty, known, knownSeconds, requireValue } from './private/properties';
import { RotationInput, rateSeconds, validateSecretRotation } from './private/secret-rotation';
import { OidcClientInput, validateOidcClient } from './private/validation';
import { IUserGroup } from './user-group';
import { AuthenticateOidcActionOptions, JwtAuthorizerOptions, UserPoolIdentityProviderOptions } from './wiring-options';

const DEFAULT_ROTATION_INTERVAL = Duration.days(30);
const DEFAULT_OVERLAP = Duration.days(1);

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

/**
 * How a client's secret rotates: Secrets Manager's own rotation (a schedule, and `aws secretsmanager
 * rotate-secret` on demand) with a function that has Pocket-ID make the new secret. Apps keep reading
 * `AWSCURRENT`; the secret it leaves keeps working for the overlap, and the next rotation revokes it.
 */
export interface ClientSecretRotation {
  /**
   * Rotate this long after the last rotation (4 hours to 1000 days).
   *
   * @default Duration.days(30), unless `scheduleExpression` is set
   */
  readonly automaticallyAfter?: Duration;

  /**
   * A Secrets Manager schedule expression instead: `rate(N days)`, `rate(N hours)` or `cron(...)`.
   *
   * @default - `automaticallyAfter`
   */
  readonly scheduleExpression?: string;

  /**
   * How long the secret that `AWSCURRENT` leaves keeps working at least, for apps that read it before
   * the rotation. Shorter than the schedule. A rotation asked for within the overlap of the one before
   * (`rotate-secret` twice in a row) is refused, unless the current secret no longer works: at most two
   * of the client's secrets are ever live once the overlap is over.
   *
   * @default Duration.days(1)
   */
  readonly overlap?: Duration;
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
  /** The OpenID Connect endpoints of the instance that holds the client. */
  readonly endpoints: OidcEndpoints;
}

/** What becomes of the secrets an adopted confidential client already has (`OidcClientProps.adoptedSecrets`). */
export enum AdoptedClientSecrets {
  /** They keep working beside the new one stored in the construct's secret: apps still using one go on until you revoke it. */
  KEEP = 'keep',
  /** They are revoked once the new one is stored: only the stored secret works from then on. */
  REVOKE = 'revoke',
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
   * The client's logo, shown on Pocket-ID's pages (the only one, or the one for light backgrounds with
   * `darkLogo`): `ClientLogo.fromFile`, `fromUrl` or `fromPreset`. Once set, removing it deletes the logo.
   *
   * @default - the logo is not managed: Pocket-ID's, or one set in its admin UI, is left alone
   */
  readonly logo?: ClientLogo;

  /**
   * The client's logo for dark backgrounds (Pocket-ID shows `logo` where there is none). As `logo`.
   *
   * @default - the dark logo is not managed
   */
  readonly darkLogo?: ClientLogo;

  /**
   * Rotates the client secret on a schedule, through Secrets Manager. Needs a confidential client.
   *
   * @default - no rotation: the secret stays until it is revoked in Pocket-ID
   */
  readonly secretRotation?: ClientSecretRotation;

  /**
   * How long each client secret made from now on works: Pocket-ID's `expiresAt`. With rotation, at
   * least the schedule plus the overlap; without, apps stop authenticating when it runs out.
   *
   * @default - secrets never expire
   */
  readonly secretLifetime?: Duration;

  /**
   * Whether the client's secrets are this library's alone: secrets made elsewhere (in Pocket-ID's UI)
   * are revoked too when a secret is replaced or rotated. By default only the secrets this library made
   * are ever revoked.
   *
   * @default false
   */
  readonly exclusiveSecrets?: boolean;

  /**
   * A Secrets Manager secret you own whose value is the client secret, for apps that need a known one:
   * Pocket-ID then holds that value instead of one it generates. The value (or the `clientSecretField`
   * of its JSON value) must be at least 16 printable ASCII characters, Pocket-ID's rule for a secret it is
   * given. Only the secret's ARN reaches the template: the handler reads the value at deploy time (it
   * gets read access to the secret and to the KMS key the secret carries). The construct's own `secret`
   * still receives the credentials JSON (`clientId`, `clientSecret`, `issuer`, `discoveryUrl`).
   *
   * Needs a confidential client, and excludes `secretRotation`: you rotate a secret you bring, with
   * `clientSecretVersion`.
   *
   * @default - Pocket-ID generates the client secret
   */
  readonly clientSecret?: secretsmanager.ISecret;

  /**
   * The key of the field that holds the client secret, when `clientSecret`'s value is a JSON object. A
   * value without this field fails the deployment before the client's secret is changed.
   *
   * @default - the whole value
   */
  readonly clientSecretField?: string;

  /**
   * Changing it rolls out a new value of `clientSecret`.
   *
   * Put the new value into that secret, then change this string (any text, such as "2") and deploy:
   * the handler reads the value again and replaces the client's secret with it, and the old value stops
   * working at that deploy. A new value alone is not seen: CloudFormation calls the handler only when a
   * property changes.
   *
   * @default - the value is read at creation, and when `clientSecret` or `clientSecretField` changes
   */
  readonly clientSecretVersion?: string;

  /**
   * Adopt the client that already holds `clientId` in Pocket-ID (made in its UI, or by Terraform)
   * instead of failing as taken: it keeps its id, so the apps configured with it keep working, and
   * gets the declared settings. A confidential client gets a new secret, stored in `secret`; what
   * happens to the secrets it had is `adoptedSecrets`. Needs `clientId`; acts at the first deploy.
   *
   * @default false
   */
  readonly adoptExisting?: boolean;

  /**
   * What happens to the secrets an adopted confidential client already has, once its new secret is
   * stored in `secret`.
   *
   * @default - AdoptedClientSecrets.KEEP, or AdoptedClientSecrets.REVOKE with `exclusiveSecrets`
   */
  readonly adoptedSecrets?: AdoptedClientSecrets;

  /**
   * What happens to the client in Pocket-ID when it leaves the stack.
   *
   * @default - RemovalPolicy.RETAIN with `adoptExisting`, else RemovalPolicy.DESTROY
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
 * (or is the one you bring, `clientSecret`) and stored in a Secrets Manager secret this construct owns,
 * as JSON with `clientId`, `clientSecret`, `issuer` and `discoveryUrl`: grant an application access with
 * `client.grantReadSecret(fn)`. The secret never passes through CloudFormation. With `secretRotation`,
 * Secrets Manager rotates it on a schedule through a rotation function that has Pocket-ID make the new one.
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
  /** The OpenID Connect endpoints of the instance that holds the client. */
  public readonly endpoints: OidcEndpoints;

  private readonly allowedGroups: IUserGroup[] = [];
  private readonly managesAllowedGroups: boolean;

  constructor(scope: Construct, id: string, props: OidcClientProps) {
    super(scope, id);
    withoutCreationStacks(this);
    validateProps(this, props);
    this.pocketId = props.pocketId;
    const binding = props.pocketId._bind(this);
    const removalPolicy = adoptingRemovalPolicy(props, RemovalPolicy.DESTROY);
    this.managesAllowedGroups = props.allowedUserGroups !== undefined && props.allowedUserGroups !== null;
    (props.allowedUserGroups ?? []).forEach((group, index) => this.addAllowedGroup(group, `allowedUserGroups[${index}]`));

    if (!props.isPublic) {
      this.secret = createClientSecret(this, props, removalPolicy);
      binding.grantOwnedSecret(this.secret, true);
      if (props.clientSecret) binding.grantRead(props.clientSecret);
    }
    if (props.secretLifetime && !props.secretRotation && !props.isPublic) {
      Annotations.of(this).addWarningV2('cdk-pocket-id:secretLifetimeWithoutRotation', props.clientSecret
        ? 'secretLifetime is set with clientSecret: the client secret expires and nothing replaces it, so apps stop authenticating then. '
          + 'Before it runs out, put a new value into clientSecret and change clientSecretVersion.'
        : 'secretLifetime is set without secretRotation: the client secret expires and nothing replaces it, so apps stop authenticating then. Add secretRotation.');
    }

    const properties: OidcClientProperties = {
      ...binding.connection,
      ContractVersion: CONTRACT_VERSION,
      ...clientProperties(props),
      SecretArn: this.secret?.secretArn,
      AllowedUserGroupIds: Lazy.list({ produce: () => this.allowedGroupIds() }, { omitEmpty: false }) as string[],
      Logo: props.logo?._bind(this, 'Logo', binding),
      DarkLogo: props.darkLogo?._bind(this, 'DarkLogo', binding),
    };
    const resource = new PocketIdCustomResource(this, 'Resource', {
      serviceToken: binding.serviceToken,
      resourceType: ResourceType.OIDC_CLIENT,
      properties,
      removalPolicy,
    });

    if (this.secret && props.secretRotation) addSecretRotation(this, this.secret, binding, props, resource);

    this.clientId = resource.getAttString('ClientId');
    this.issuerUrl = props.pocketId.issuerUrl;
    this.discoveryUrl = props.pocketId.discoveryUrl;
    this.endpoints = props.pocketId.endpoints;
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
    return this.secretFor('grantReadSecret()').grantRead(grantee);
  }

  /**
   * An Application Load Balancer action that signs users in with this client (`authenticate-oidc`),
   * then performs `next`. The client secret reaches the template only as a Secrets Manager dynamic
   * reference to this client's secret, which CloudFormation resolves. Add the load balancer's
   * `https://<its host>/oauth2/idpresponse` to the client's `callbackUrls`.
   *
   * Fails for a public client: the load balancer authenticates with a client secret.
   */
  public authenticateOidcAction(next: elbv2.ListenerAction, options: AuthenticateOidcActionOptions = {}): elbv2.ListenerAction {
    const clientSecret = clientSecretReference(this.secretFor('authenticateOidcAction()'));
    return elbv2.ListenerAction.authenticateOidc({
      next,
      issuer: this.endpoints.issuer,
      authorizationEndpoint: this.endpoints.authorization,
      tokenEndpoint: this.endpoints.token,
      userInfoEndpoint: this.endpoints.userInfo,
      clientId: this.clientId,
      clientSecret,
      scope: options.scope,
      sessionTimeout: options.sessionTimeout,
      sessionCookieName: options.sessionCookieName,
      onUnauthenticatedRequest: options.onUnauthenticatedRequest,
      authenticationRequestExtraParams: options.authenticationRequestExtraParams,
    });
  }

  /**
   * An API Gateway HTTP API authorizer that accepts Pocket-ID's JWTs for this client: issuer this
   * instance, audience the client id. Attach it to routes (`defaultAuthorizer`, `addRoutes`).
   */
  public jwtAuthorizer(id: string, options: JwtAuthorizerOptions = {}): apigwAuthorizers.HttpJwtAuthorizer {
    return new apigwAuthorizers.HttpJwtAuthorizer(id, this.issuerUrl, { jwtAudience: [this.clientId], ...options });
  }

  /**
   * Makes this client an OIDC identity provider of a Cognito user pool (a child of this construct, `id`).
   * The client secret reaches the template only as a Secrets Manager dynamic reference. Add the user
   * pool domain's `/oauth2/idpresponse` URL to the client's `callbackUrls`.
   *
   * Fails for a public client: Cognito authenticates with a client secret.
   */
  public addUserPoolIdentityProvider(
    id: string,
    userPool: cognito.IUserPool,
    options: UserPoolIdentityProviderOptions = {},
  ): cognito.UserPoolIdentityProviderOidc {
    const clientSecret = clientSecretReference(this.secretFor('addUserPoolIdentityProvider()'));
    return new cognito.UserPoolIdentityProviderOidc(this, id, {
      userPool,
      name: options.name,
      clientId: this.clientId,
      clientSecret: clientSecret.unsafeUnwrap(),
      issuerUrl: this.endpoints.issuer,
      endpoints: {
        authorization: this.endpoints.authorization,
        token: this.endpoints.token,
        userInfo: this.endpoints.userInfo,
        jwksUri: this.endpoints.jwks,
      },
      attributeRequestMethod: cognito.OidcAttributeRequestMethod.GET,
      scopes: options.scopes ?? ['openid', 'email', 'profile'],
      attributeMapping: options.attributeMapping ?? {
        email: cognito.ProviderAttribute.other('email'),
        givenName: cognito.ProviderAttribute.other('given_name'),
        familyName: cognito.ProviderAttribute.other('family_name'),
        preferredUsername: cognito.ProviderAttribute.other('preferred_username'),
      },
    });
  }

  /** The client's secret; a public client has none, and `what` needs one. */
  private secretFor(what: string): secretsmanager.ISecret {
    if (!this.secret) {
      throw new Error(`OidcClient '${this.node.path}': ${what} needs a confidential client, but this one is public (isPublic: true) and has no client secret`);
    }
    return this.secret;
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
  public readonly endpoints: OidcEndpoints;

  constructor(scope: Construct, id: string, public readonly pocketId: PocketId, by: { clientId?: string; clientName?: string }) {
    super(scope, id);
    withoutCreationStacks(this);
    this.clientId = by.clientId ?? new PocketIdLookup(this, 'Lookup', pocketId, LookupKind.OIDC_CLIENT, by.clientName!).entityId;
    this.issuerUrl = pocketId.issuerUrl;
    this.discoveryUrl = pocketId.discoveryUrl;
    this.endpoints = pocketId.endpoints;
  }
}

/** The client secret in the credentials JSON, as a dynamic reference CloudFormation resolves: never a value in the template. */
function clientSecretReference(secret: secretsmanager.ISecret): SecretValue {
  return SecretValue.secretsManager(secret.secretArn, { jsonField: 'clientSecret' });
}

function createClientSecret(scope: Construct, props: OidcClientProps, removalPolicy: RemovalPolicy): secretsmanager.Secret {
  const secret = new secretsmanager.Secret(scope, 'Secret', {
    description: 'Pocket-ID OIDC client credentials (clientId, clientSecret, issuer, discoveryUrl), written by cdk-pocket-id',
    encryptionKey: props.secretEncryptionKey,
    secretName: props.secretName,
    removalPolicy: props.secretRemovalPolicy ?? removalPolicy,
  });
  if (!props.secretRotation) {
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: props.clientSecret
        ? 'The client secret is the one its owner brings (clientSecret) and rolls out by changing clientSecretVersion; this secret only follows it.'
        : 'The client does not rotate its secret (secretRotation is not set): the secret Pocket-ID accepts changes only when the client is replaced or repaired.',
    });
  }
  return secret;
}

/**
 * A Secrets Manager rotation schedule on the client's secret, served by a rotation function made from
 * the handler's asset. It waits for the client resource, which writes the first credentials, and does
 * not rotate on deploy: the secret is new then.
 */
function addSecretRotation(
  scope: Construct,
  secret: secretsmanager.ISecret,
  binding: PocketIdBinding,
  props: OidcClientProps,
  resource: PocketIdCustomResource,
): void {
  const rotation = props.secretRotation!;
  const rotationFunction = binding.rotationFunction(scope, 'RotationFunction', {
    OverlapSeconds: wholeSecondsProperty(rotation.overlap ?? DEFAULT_OVERLAP)!,
    SecretLifetimeSeconds: wholeSecondsProperty(props.secretLifetime),
    ExclusiveSecrets: booleanProperty(props.exclusiveSecrets),
  });
  rotationFunction.addToRolePolicy(new iam.PolicyStatement({ actions: ['secretsmanager:ListSecretVersionIds'], resources: [secret.secretArn] }));
  const schedule = secret.addRotationSchedule('Rotation', {
    rotationLambda: rotationFunction,
    automaticallyAfter: rotation.scheduleExpression === undefined ? rotation.automaticallyAfter ?? DEFAULT_ROTATION_INTERVAL : undefined,
    rotateImmediatelyOnUpdate: false,
  });
  if (rotation.scheduleExpression !== undefined) {
    (schedule.node.defaultChild as secretsmanager.CfnRotationSchedule).addPropertyOverride('RotationRules.ScheduleExpression', rotation.scheduleExpression);
  }
  schedule.node.addDependency(resource);
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
    SecretLifetimeSeconds: wholeSecondsProperty(props.secretLifetime),
    ExclusiveSecrets: booleanProperty(props.exclusiveSecrets),
    ClientSecretSource: props.clientSecret ? props.clientSecret.secretFullArn ?? props.clientSecret.secretArn : undefined,
    ClientSecretField: props.clientSecretField,
    ClientSecretVersion: props.clientSecretVersion,
    AdoptExisting: booleanProperty(props.adoptExisting),
    AdoptedSecrets: props.adoptedSecrets,
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

function wholeSecondsProperty(duration: Duration | undefined): string | undefined {
  if (duration === undefined) return undefined;
  if (duration.isUnresolved()) return Token.asString(duration.toSeconds());
  return String(Math.floor(duration.toMilliseconds() / 1000));
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
      ...validateSecretRotation(rotationAtSynth(props)),
      ...(props.logo instanceof ClientLogo ? props.logo._problems('logo') : []),
      ...(props.darkLogo instanceof ClientLogo ? props.darkLogo._problems('darkLogo') : []),
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
    ...checkObject('logo', props.logo, (value) => value instanceof ClientLogo, 'a ClientLogo (ClientLogo.fromFile, fromUrl or fromPreset)'),
    ...checkObject('darkLogo', props.darkLogo, (value) => value instanceof ClientLogo, 'a ClientLogo (ClientLogo.fromFile, fromUrl or fromPreset)'),
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
    ...checkBoolean('adoptExisting', props.adoptExisting),
    ...checkEnum('adoptedSecrets', props.adoptedSecrets, AdoptedClientSecrets, 'AdoptedClientSecrets'),
    ...checkEnum('removalPolicy', props.removalPolicy, RemovalPolicy, 'RemovalPolicy'),
    ...checkObject('secretEncryptionKey', props.secretEncryptionKey, (value) => typeof (value as kms.IKey).keyArn === 'string', 'a KMS key (IKey)'),
    ...checkString('secretName', props.secretName),
    ...checkEnum('secretRemovalPolicy', props.secretRemovalPolicy, RemovalPolicy, 'RemovalPolicy'),
    ...checkObject('secretRotation', props.secretRotation, (value) => typeof value === 'object' && value !== null, 'a rotation ({ automaticallyAfter, overlap, ... })'),
    ...(props.secretRotation && typeof props.secretRotation === 'object' ? [
      ...checkDuration('secretRotation.automaticallyAfter', props.secretRotation.automaticallyAfter),
      ...checkString('secretRotation.scheduleExpression', props.secretRotation.scheduleExpression),
      ...checkDuration('secretRotation.overlap', props.secretRotation.overlap),
    ] : []),
    ...checkDuration('secretLifetime', props.secretLifetime),
    ...checkBoolean('exclusiveSecrets', props.exclusiveSecrets),
    ...checkObject('clientSecret', props.clientSecret, isSecret, 'a Secrets Manager secret (ISecret), such as Secret.fromSecretNameV2(...)'),
    ...checkString('clientSecretField', props.clientSecretField),
    ...checkString('clientSecretVersion', props.clientSecretVersion),
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
    bringsSecret: bringsSecret(props),
    clientSecretField: known(props.clientSecretField),
    clientSecretVersion: known(props.clientSecretVersion),
    hasClientId: props.clientId !== undefined && props.clientId !== null,
    exclusiveSecrets: props.exclusiveSecrets,
    adoptExisting: props.adoptExisting,
    adoptedSecrets: props.adoptedSecrets ?? undefined,
  };
}

function bringsSecret(props: OidcClientProps): boolean {
  return props.clientSecret !== undefined && props.clientSecret !== null;
}

function rotationAtSynth(props: OidcClientProps): RotationInput {
  const rotation = props.secretRotation;
  const expression = known(rotation?.scheduleExpression);
  const byInterval = rotation !== undefined && rotation.scheduleExpression === undefined;
  const automaticallyAfter = byInterval ? rotation.automaticallyAfter ?? DEFAULT_ROTATION_INTERVAL : undefined;
  const automaticallyAfterSeconds = knownSeconds(automaticallyAfter);
  return {
    isPublic: props.isPublic,
    rotates: rotation !== undefined,
    bringsSecret: bringsSecret(props),
    intervalSeconds: expression !== undefined ? rateSeconds(expression) : automaticallyAfterSeconds,
    automaticallyAfterSeconds,
    scheduleExpression: expression,
    bothSchedules: rotation?.automaticallyAfter !== undefined && rotation.scheduleExpression !== undefined,
    overlapSeconds: rotation ? knownSeconds(rotation.overlap ?? DEFAULT_OVERLAP) : undefined,
    lifetimeSeconds: knownSeconds(props.secretLifetime),
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
