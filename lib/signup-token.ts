import { Duration, RemovalPolicy, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { CONTRACT_VERSION, ResourceType, SignupTokenProperties } from './contract';
import { PocketId } from './pocket-id';
import { PocketIdCustomResource, withoutCreationStacks } from './private/custom-resource';
import { assertSameInstance } from './private/lookup';
import { assertValidProps, checkDuration, checkEnum, checkObject, checkObjectList, checkString, isEntityConstruct } from './private/prop-types';
import { knownSeconds, requireValue, secondsProperty } from './private/properties';
import { validateSignupToken } from './private/validation';
import { IUserGroup } from './user-group';

/** Properties of a Pocket-ID signup token. */
export interface SignupTokenProps {
  /** The Pocket-ID instance the token signs people up to. */
  readonly pocketId: PocketId;

  /**
   * How long the token works: more than 1 second and at most 31 days (744 hours), in whole seconds.
   * Pocket-ID cannot extend a token: when it has expired, set `tokenVersion` (or change this) to
   * have a new one issued.
   *
   * @default Duration.days(1)
   */
  readonly lifetime?: Duration;

  /**
   * How many accounts the token may create (1 to 100).
   *
   * @default 1
   */
  readonly usageLimit?: number;

  /**
   * The groups a person who signs up with the token joins. Pocket-ID's default signup groups apply
   * only to a token with no groups.
   *
   * @default - none: the application's default signup groups
   */
  readonly userGroups?: IUserGroup[];

  /**
   * Any text; changing it issues a new token and link with the same settings (the old token is
   * deleted once the deploy succeeded). Use it to renew a token that expired or was used up, for
   * example with the date of the renewal.
   *
   * @default - none
   */
  readonly tokenVersion?: string;

  /**
   * KMS key that encrypts the secret holding the signup link.
   *
   * @default - the account's `aws/secretsmanager` key
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * What happens to the token in Pocket-ID when it leaves the stack. The secret holding the link is
   * deleted with the construct unless this says to keep it (`RETAIN` keeps the token only).
   *
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A Pocket-ID signup token: a link (`<app URL>/st/<token>`) with which up to `usageLimit` people
 * create their own accounts and register a passkey, joining `userGroups`. It works whatever the
 * application's "allow user signups" setting is.
 *
 * The link is stored in a Secrets Manager secret this construct owns (`signupLinkSecret`), as JSON
 * with `signupUrl`, `signupTokenId`, `expiresAt`, `usageLimit` and `userGroupIds`; it never passes
 * through CloudFormation. Pocket-ID cannot change a token: any change of its settings issues a new
 * token and link, and the old one stops working once the deploy succeeded.
 */
export class SignupToken extends Construct {
  /**
   * The token's id in Pocket-ID (not the token itself).
   *
   * @attribute
   */
  public readonly signupTokenId: string;
  /**
   * When the token stops working (RFC 3339, UTC).
   *
   * @attribute
   */
  public readonly expiresAt: string;
  /** The Pocket-ID instance the token signs people up to. */
  public readonly pocketId: PocketId;
  /** The secret holding the signup link. */
  public readonly signupLinkSecret: secretsmanager.ISecret;

  constructor(scope: Construct, id: string, props: SignupTokenProps) {
    super(scope, id);
    withoutCreationStacks(this);
    validateProps(this, props);
    this.pocketId = props.pocketId;
    const groups = props.userGroups ?? [];
    groups.forEach((group, index) => assertSameInstance(props.pocketId, group.pocketId, `SignupToken '${this.node.path}': userGroups[${index}]`,
      `user group '${group.node.path}'`));
    const binding = props.pocketId._bind(this);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.DESTROY;
    const secret = createSignupLinkSecret(this, props.encryptionKey, removalPolicy);
    binding.grantOwnedSecret(secret);
    this.signupLinkSecret = secret;

    const properties: SignupTokenProperties = {
      ...binding.connection,
      ContractVersion: CONTRACT_VERSION,
      LifetimeSeconds: secondsProperty(props.lifetime ?? DEFAULT_LIFETIME),
      UsageLimit: numberProperty(props.usageLimit ?? DEFAULT_USAGE_LIMIT),
      UserGroupIds: groups.length > 0 ? groups.map((group) => group.groupId) : undefined,
      TokenVersion: props.tokenVersion,
      SignupLinkSecretArn: secret.secretArn,
    };
    const resource = new PocketIdCustomResource(this, 'Resource', {
      serviceToken: binding.serviceToken,
      resourceType: ResourceType.SIGNUP_TOKEN,
      properties,
      removalPolicy,
    });
    this.signupTokenId = resource.getAttString('SignupTokenId');
    this.expiresAt = resource.getAttString('ExpiresAt');
  }

  /** Lets `grantee` read the secret holding the signup link (and use its KMS key). */
  public grantReadSignupLink(grantee: iam.IGrantable): iam.Grant {
    return this.signupLinkSecret.grantRead(grantee);
  }
}

const DEFAULT_LIFETIME = Duration.days(1);
const DEFAULT_USAGE_LIMIT = 1;

function createSignupLinkSecret(scope: Construct, encryptionKey: kms.IKey | undefined, removalPolicy: RemovalPolicy): secretsmanager.Secret {
  const secret = new secretsmanager.Secret(scope, 'SignupLinkSecret', {
    description: 'Pocket-ID signup link (signupUrl, signupTokenId, expiresAt, usageLimit, userGroupIds), written by cdk-pocket-id',
    encryptionKey,
    removalPolicy: removalPolicy === RemovalPolicy.RETAIN ? RemovalPolicy.DESTROY : removalPolicy,
  });
  Validations.of(secret).acknowledge({
    id: 'AwsSolutions-SMG4',
    reason: 'A signup link expires on its own and cannot be rotated by Secrets Manager: a new one comes with a new token.',
  });
  return secret;
}

function validateProps(scope: Construct, props: SignupTokenProps): void {
  assertValidProps(scope, 'SignupToken', {
    types: () => checkTypes(props),
    rules: () => [
      ...requireValue('pocketId', props.pocketId),
      ...validateSignupToken({
        lifetimeSeconds: knownSeconds(props.lifetime ?? DEFAULT_LIFETIME),
        usageLimit: props.usageLimit === undefined || Token.isUnresolved(props.usageLimit) ? undefined : props.usageLimit,
        userGroupIds: (props.userGroups ?? []).map((group) => knownGroupId(group)),
      }),
    ],
  });
}

/** A number as CloudFormation delivers it; a token (a parameter) stays a token, checked at deploy time. */
function numberProperty(value: number): string {
  return Token.isUnresolved(value) ? Token.asString(value) : String(value);
}

/** A group id known at synth (one given to fromGroupId); a token is resolved at deploy time. */
function knownGroupId(group: IUserGroup): string | undefined {
  return typeof group.groupId === 'string' && !Token.isUnresolved(group.groupId) ? group.groupId : undefined;
}

/** What jsii callers can pass that TypeScript would not compile. */
function checkTypes(props: SignupTokenProps): string[] {
  const errors = [
    ...checkObject('pocketId', props.pocketId, (value) => value instanceof PocketId, 'a PocketId'),
    ...checkDuration('lifetime', props.lifetime),
    ...checkObjectList('userGroups', props.userGroups, isGroup, 'a user group (UserGroup, or UserGroup.fromGroupId/fromGroupName)'),
    ...checkString('tokenVersion', props.tokenVersion),
    ...checkObject('encryptionKey', props.encryptionKey, (value) => typeof (value as kms.IKey).keyArn === 'string', 'a KMS key (IKey)'),
    ...checkEnum('removalPolicy', props.removalPolicy, RemovalPolicy, 'RemovalPolicy'),
  ];
  if (props.usageLimit !== undefined && props.usageLimit !== null && typeof props.usageLimit !== 'number') {
    errors.push(`usageLimit must be a number (got ${typeof props.usageLimit})`);
  }
  return errors;
}

function isGroup(value: unknown): boolean {
  return isEntityConstruct(value, 'groupId') && (value as IUserGroup).pocketId instanceof PocketId;
}
