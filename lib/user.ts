import { Annotations, Duration, Lazy, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct, IConstruct } from 'constructs';
import { CONTRACT_VERSION, LookupKind, ResourceType, UserProperties } from './contract';
import { PocketId } from './pocket-id';
import { PocketIdCustomResource, withoutCreationStacks } from './private/custom-resource';
import { assertSameInstance, PocketIdLookup } from './private/lookup';
import {
  assertValidProps, checkBoolean, checkDuration, checkEnum, checkObject, checkObjectList, checkString, checkStringMap, invalidProps,
  isEntityConstruct,
} from './private/prop-types';
import { booleanProperty, claimProperties, known, knownClaims, knownSeconds, requireValue, secondsProperty } from './private/properties';
import { foldAsciiCase, UniqueName, UniqueNames } from './private/unique-names';
import { validateUser } from './private/validation';
import type { IUserGroup } from './user-group';

/** A Pocket-ID user, managed here or referenced. */
export interface IUser extends IConstruct {
  /**
   * The user's id in Pocket-ID.
   *
   * @attribute
   */
  readonly userId: string;
  /** The Pocket-ID instance that holds the user. */
  readonly pocketId: PocketId;
}

/** A one-time login link, issued when the user is created, for the person to register a passkey. */
export interface LoginLinkOptions {
  /**
   * How long the link works (1 minute to 31 days).
   *
   * @default Duration.days(1)
   */
  readonly lifetime?: Duration;
  /**
   * KMS key that encrypts the secret holding the link.
   *
   * @default - the account's `aws/secretsmanager` key
   */
  readonly encryptionKey?: kms.IKey;
}

/** Properties of a Pocket-ID user. Optional fields left unset keep whatever Pocket-ID holds. */
export interface UserProps {
  /** The Pocket-ID instance that holds the user. */
  readonly pocketId: PocketId;

  /**
   * The username (1 to 50 characters: letters, digits, `_`, `.`, `@`, `-`, starting and ending with a
   * letter or digit). Unique in Pocket-ID, ignoring case. Changing it renames the user in place.
   */
  readonly username: string;

  /**
   * The email address. Pocket-ID requires one unless its `requireUserEmail` setting is off.
   * Changing it updates the user in place.
   *
   * @default - none
   */
  readonly email?: string;

  /**
   * Whether the email address counts as verified.
   *
   * @default false
   */
  readonly emailVerified?: boolean;

  /**
   * First name (up to 50 characters).
   *
   * @default - none
   */
  readonly firstName?: string;

  /**
   * Last name (up to 50 characters).
   *
   * @default - none
   */
  readonly lastName?: string;

  /**
   * Display name (up to 100 characters).
   *
   * @default - none
   */
  readonly displayName?: string;

  /**
   * Whether the user is a Pocket-ID administrator.
   *
   * @default false
   */
  readonly isAdmin?: boolean;

  /**
   * The user's locale, such as `en` or `de-CH`.
   *
   * @default - Pocket-ID's default
   */
  readonly locale?: string;

  /**
   * A disabled user cannot sign in.
   *
   * @default false
   */
  readonly disabled?: boolean;

  /**
   * Custom claims added to the user's tokens: the whole set. Pocket-ID's own claim names (`sub`,
   * `email`, `groups`, …) are refused.
   *
   * @default - not managed: the claims Pocket-ID holds stay
   */
  readonly customClaims?: Record<string, string>;

  /**
   * Groups the user joins, written from the user's side: an alternative to a group's `members` for
   * groups that do not declare members (groups of another stack, say). Each membership has one writer:
   * a group that declares members (`members` or `addMember()`) cannot be named here. The memberships
   * this user declares are its own; others (added in Pocket-ID's UI) stay. More can be added with
   * `addToGroup()`.
   *
   * @default - the user's groups are not managed here, unless `addToGroup()` is called
   */
  readonly groups?: IUserGroup[];

  /**
   * A fixed user id (a UUID). Changing it replaces the user.
   *
   * @default - a UUID chosen at creation
   */
  readonly userId?: string;

  /**
   * Issue a one-time login link when the user is created and store it in a Secrets Manager secret
   * this construct owns (`loginLinkSecret`), as JSON with `username`, `userId`, `loginUrl` and
   * `expiresAt`, for you to hand to the person.
   *
   * @default - no link
   */
  readonly loginLink?: LoginLinkOptions;

  /**
   * Have Pocket-ID email the person a login link when the user is created. Needs SMTP and the
   * one-time access email setting enabled in Pocket-ID.
   *
   * @default false
   */
  readonly emailLoginLink?: boolean;

  /**
   * Adopt a user that already exists in Pocket-ID with this username (ignoring case; made in its UI,
   * by signup, or by Terraform) instead of failing as taken: it keeps its id and its passkeys, and
   * gets the declared fields, claims and groups (memberships added elsewhere stay). With `userId`,
   * the adopted user must have that id. Acts at the first deploy; no login link is emailed.
   *
   * @default false
   */
  readonly adoptExisting?: boolean;

  /**
   * What happens to the user in Pocket-ID when it leaves the stack. Deleting a Pocket-ID user also
   * deletes the passkeys the person registered, which only they can register again.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A Pocket-ID user. People sign in with passkeys they register themselves, in the browser: use
 * `loginLink` or `emailLoginLink` to give them a way in.
 *
 * Users are retained when they leave the stack unless `removalPolicy` says otherwise, because
 * deleting a user also deletes their passkeys.
 */
export class User extends Construct implements IUser {
  /** References a user that already exists in Pocket-ID, by id. */
  public static fromUserId(scope: Construct, id: string, pocketId: PocketId, userId: string): IUser {
    return new ImportedUser(scope, id, pocketId, { userId });
  }

  /**
   * References a user that already exists in Pocket-ID (someone who registered in the UI, say) by
   * username. The username is resolved at deploy time; the deployment fails if no user has it.
   */
  public static fromUsername(scope: Construct, id: string, pocketId: PocketId, username: string): IUser {
    return new ImportedUser(scope, id, pocketId, { username });
  }

  /** @attribute */
  public readonly userId: string;
  /**
   * The username.
   *
   * @attribute
   */
  public readonly username: string;
  /** The Pocket-ID instance that holds the user. */
  public readonly pocketId: PocketId;
  /** The secret holding the one-time login link, when `loginLink` is set. */
  public readonly loginLinkSecret?: secretsmanager.ISecret;

  private readonly groups: IUserGroup[] = [];
  private readonly managesGroups: boolean;

  constructor(scope: Construct, id: string, props: UserProps) {
    super(scope, id);
    withoutCreationStacks(this);
    validateProps(this, props);
    UniqueNames.claim(this, props.pocketId, uniqueNames(props));
    this.pocketId = props.pocketId;
    const binding = props.pocketId._bind(this);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.managesGroups = props.groups !== undefined && props.groups !== null;
    (props.groups ?? []).forEach((group, index) => this.addDeclaredGroup(group, `groups[${index}]`));
    this.node.addValidation({ validate: () => this.membershipWriterConflicts() });

    if (props.loginLink) {
      this.loginLinkSecret = createLoginLinkSecret(this, props.loginLink, removalPolicy);
      binding.grantOwnedSecret(this.loginLinkSecret);
    }

    const properties: UserProperties = {
      ...binding.connection,
      ContractVersion: CONTRACT_VERSION,
      Username: props.username,
      UserId: props.userId,
      Email: props.email,
      EmailVerified: booleanProperty(props.emailVerified),
      FirstName: props.firstName,
      LastName: props.lastName,
      DisplayName: props.displayName,
      IsAdmin: booleanProperty(props.isAdmin),
      Locale: props.locale,
      Disabled: booleanProperty(props.disabled),
      CustomClaims: claimProperties(props.customClaims),
      LoginLinkLifetimeSeconds: props.loginLink ? secondsProperty(props.loginLink.lifetime ?? Duration.days(1)) : undefined,
      LoginLinkSecretArn: this.loginLinkSecret?.secretArn,
      EmailLoginLink: booleanProperty(props.emailLoginLink),
      UserGroupIds: Lazy.list({ produce: () => this.groupIds() }, { omitEmpty: false }) as string[],
      AdoptExisting: booleanProperty(props.adoptExisting),
    };
    const resource = new PocketIdCustomResource(this, 'Resource', {
      serviceToken: binding.serviceToken,
      resourceType: ResourceType.USER,
      properties,
      removalPolicy,
    });
    this.userId = resource.getAttString('UserId');
    this.username = props.username;
    warnWhenUserWouldBeDeleted(this, props.username, removalPolicy);
  }

  /** Adds the user to a group, written from the user's side: the group must not declare members. */
  public addToGroup(group: IUserGroup): void {
    this.addDeclaredGroup(group, 'addToGroup(group)');
  }

  private addDeclaredGroup(group: IUserGroup, field: string): void {
    const errors = checkObject(field, group, isGroup, 'a user group (UserGroup, or UserGroup.fromGroupId/fromGroupName)');
    if (errors.length > 0) throw invalidProps(this, 'User', errors);
    assertSameInstance(this.pocketId, group.pocketId, `User '${this.node.path}': ${field}`, `group '${group.node.path}'`);
    if (!this.groups.includes(group)) this.groups.push(group);
  }

  /** Undefined (not managed) until groups are declared; once declared, the list, even empty. */
  private groupIds(): string[] | undefined {
    if (!this.managesGroups && this.groups.length === 0) return undefined;
    return this.groups.map((group) => group.groupId);
  }

  /** Checked at synth, once every member was added: a membership is written by the group or by the user, never both. */
  private membershipWriterConflicts(): string[] {
    return this.groups.filter(declaresMembers).map((group) => `User '${this.node.path}': groups names the group '${group.node.path}', which declares `
      + 'its members: a membership has one writer. Add the user to the group\'s members instead, or stop declaring members on the group');
  }
}

/** Whether the group's resource writes its member list (members declared, or addMember() called). */
function declaresMembers(group: IUserGroup): boolean {
  const writer = group as IUserGroup & { _declaresMembers?: () => boolean };
  return typeof writer._declaresMembers === 'function' && writer._declaresMembers();
}

function isGroup(value: unknown): boolean {
  return isEntityConstruct(value, 'groupId') && (value as IUserGroup).pocketId instanceof PocketId;
}

/** A user referenced by id, or by username through a deploy-time lookup. */
class ImportedUser extends Construct implements IUser {
  public readonly userId: string;

  constructor(scope: Construct, id: string, public readonly pocketId: PocketId, by: { userId?: string; username?: string }) {
    super(scope, id);
    withoutCreationStacks(this);
    this.userId = by.userId ?? new PocketIdLookup(this, 'Lookup', pocketId, LookupKind.USER, by.username!).entityId;
  }
}

function createLoginLinkSecret(scope: Construct, options: LoginLinkOptions, removalPolicy: RemovalPolicy): secretsmanager.Secret {
  const secret = new secretsmanager.Secret(scope, 'LoginLinkSecret', {
    description: 'Pocket-ID one-time login link (username, userId, loginUrl, expiresAt), written by cdk-pocket-id',
    encryptionKey: options.encryptionKey,
    removalPolicy: removalPolicy === RemovalPolicy.RETAIN ? RemovalPolicy.DESTROY : removalPolicy,
  });
  Validations.of(secret).acknowledge({
    id: 'AwsSolutions-SMG4',
    reason: 'A one-time login link expires on its own and cannot be rotated by Secrets Manager.',
  });
  return secret;
}

/** Deleting a user deletes the person's passkeys: say so at every synth, so that nobody misses it. */
function warnWhenUserWouldBeDeleted(scope: Construct, username: string, removalPolicy: RemovalPolicy): void {
  if (removalPolicy === RemovalPolicy.RETAIN || removalPolicy === RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE) return;
  Annotations.of(scope).addWarningV2('cdk-pocket-id:userDeletedWithStack',
    `Removing this construct or deleting the stack deletes Pocket-ID user '${username}' and the passkeys they registered (removalPolicy ${removalPolicy}). Use RemovalPolicy.RETAIN to keep users.`);
}

function validateProps(scope: Construct, props: UserProps): void {
  assertValidProps(scope, 'User', {
    types: () => checkTypes(props),
    rules: () => [
      ...requireValue('pocketId', props.pocketId),
      ...requireValue('username', props.username),
      ...validateUser({
        username: known(props.username),
        userId: known(props.userId),
        email: known(props.email),
        firstName: known(props.firstName),
        lastName: known(props.lastName),
        displayName: known(props.displayName),
        locale: known(props.locale),
        customClaims: knownClaims(props.customClaims),
        loginLinkLifetimeSeconds: props.loginLink ? knownSeconds(props.loginLink.lifetime ?? Duration.days(1)) : undefined,
      }),
    ],
    conflicts: () => UniqueNames.conflicts(scope, props.pocketId, uniqueNames(props)),
  });
}

/** What jsii callers can pass that TypeScript would not compile. */
function checkTypes(props: UserProps): string[] {
  const loginLink = props.loginLink;
  return [
    ...checkObject('pocketId', props.pocketId, (value) => value instanceof PocketId, 'a PocketId'),
    ...checkString('username', props.username),
    ...checkString('email', props.email),
    ...checkBoolean('emailVerified', props.emailVerified),
    ...checkString('firstName', props.firstName),
    ...checkString('lastName', props.lastName),
    ...checkString('displayName', props.displayName),
    ...checkBoolean('isAdmin', props.isAdmin),
    ...checkString('locale', props.locale),
    ...checkBoolean('disabled', props.disabled),
    ...checkStringMap('customClaims', props.customClaims),
    ...checkString('userId', props.userId),
    ...checkObject('loginLink', loginLink, (value) => typeof value === 'object' && !Array.isArray(value), 'login link options ({ lifetime })'),
    ...(typeof loginLink === 'object' && loginLink !== null ? [
      ...checkDuration('loginLink.lifetime', loginLink.lifetime),
      ...checkObject('loginLink.encryptionKey', loginLink.encryptionKey, (value) => typeof (value as kms.IKey).keyArn === 'string', 'a KMS key (IKey)'),
    ] : []),
    ...checkBoolean('emailLoginLink', props.emailLoginLink),
    ...checkBoolean('adoptExisting', props.adoptExisting),
    ...checkObjectList('groups', props.groups, isGroup, 'a user group (UserGroup, or UserGroup.fromGroupId/fromGroupName)'),
    ...checkEnum('removalPolicy', props.removalPolicy, RemovalPolicy, 'RemovalPolicy'),
  ];
}

/** The names Pocket-ID keeps unique among its users. */
function uniqueNames(props: UserProps): UniqueName[] {
  return [
    { field: 'username', value: props.username, rule: 'Pocket-ID keeps usernames unique, ignoring case', fold: foldAsciiCase },
    { field: 'email', value: props.email, rule: 'Pocket-ID keeps email addresses unique' },
  ];
}
