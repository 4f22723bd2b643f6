import { Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ApplicationConfigurationProperties, CONTRACT_VERSION, ResourceType } from './contract';
import { PocketId } from './pocket-id';
import { settingSpec } from './private/application-settings';
import { PocketIdCustomResource, withoutCreationStacks } from './private/custom-resource';
import { assertSameInstance } from './private/lookup';
import { assertValidProps, checkBoolean, checkDuration, checkEnum, checkObject, checkObjectList, checkString, checkStringMap, isEntityConstruct, isSecret } from './private/prop-types';
import { booleanProperty, known, requireValue } from './private/properties';
import { UniqueName, UniqueNames } from './private/unique-names';
import { validateApplicationSettings } from './private/validation';
import { IUserGroup } from './user-group';

/** Who may create an account in Pocket-ID by themselves. */
export enum SignupMode {
  /** Nobody: an administrator creates every account. */
  DISABLED = 'disabled',
  /** Whoever holds a signup token. */
  WITH_TOKEN = 'withToken',
  /** Anybody. */
  OPEN = 'open',
}

/** How Pocket-ID's connection to the SMTP server is secured. */
export enum SmtpTls {
  /** Plain text. */
  NONE = 'none',
  /** STARTTLS on a plain connection. */
  STARTTLS = 'starttls',
  /** TLS from the start. */
  TLS = 'tls',
}

/** Whether a passkey sign-in must verify the user (PIN, biometrics). */
export enum WebAuthnUserVerification {
  REQUIRED = 'required',
  PREFERRED = 'preferred',
}

/** Which authenticators may hold a new passkey. */
export enum AuthenticatorAttachment {
  ANY = 'any',
  /** Built into the device (Touch ID, Windows Hello). */
  PLATFORM = 'platform',
  /** Roaming (a security key, a phone). */
  CROSS_PLATFORM = 'cross-platform',
}

/** Self sign-up. */
export interface SignupOptions {
  /**
   * Who may sign up.
   *
   * @default - not managed (Pocket-ID's default: SignupMode.DISABLED)
   */
  readonly mode?: SignupMode;
  /**
   * The groups every new user joins. CloudFormation creates them before the configuration.
   *
   * @default - not managed (Pocket-ID's default: none)
   */
  readonly defaultGroups?: IUserGroup[];
  /**
   * The custom claims every new user gets.
   *
   * @default - not managed (Pocket-ID's default: none)
   */
  readonly defaultCustomClaims?: Record<string, string>;
}

/** Which emails Pocket-ID sends (they need `smtp`). */
export interface EmailOptions {
  /**
   * Administrators may email users a one-time sign-in link.
   *
   * @default - not managed (Pocket-ID's default: false)
   */
  readonly oneTimeAccessAsAdmin?: boolean;
  /**
   * Users may ask for a one-time sign-in link by email without signing in.
   *
   * @default - not managed (Pocket-ID's default: false)
   */
  readonly oneTimeAccessAsUnauthenticated?: boolean;
  /**
   * Users are emailed when they sign in from a new device.
   *
   * @default - not managed (Pocket-ID's default: false)
   */
  readonly loginNotification?: boolean;
  /**
   * Users are emailed before an API key of theirs expires.
   *
   * @default - not managed (Pocket-ID's default: false)
   */
  readonly apiKeyExpiration?: boolean;
  /**
   * Users must verify their email address.
   *
   * @default - not managed (Pocket-ID's default: false)
   */
  readonly verification?: boolean;
}

/** The SMTP server Pocket-ID sends email through. */
export interface SmtpOptions {
  /**
   * The server's host name.
   *
   * @default - not managed (Pocket-ID's default: none)
   */
  readonly host?: string;
  /**
   * The server's port.
   *
   * @default - not managed (Pocket-ID's default: none)
   */
  readonly port?: number;
  /**
   * The sender address, a plain email address.
   *
   * @default - not managed (Pocket-ID's default: none)
   */
  readonly from?: string;
  /**
   * The user name.
   *
   * @default - not managed (Pocket-ID's default: none)
   */
  readonly user?: string;
  /**
   * A Secrets Manager secret you own whose value (or `passwordField` of its JSON value) is the SMTP
   * password. Only its ARN reaches the template: the handler reads the value at every create and
   * update of this configuration and gets read access to the secret. It must be at least 6 characters:
   * the handler masks secret values in every log line and message, and a shorter one could not be told
   * apart from ordinary text.
   *
   * @default - not managed (Pocket-ID's default: none)
   */
  readonly password?: secretsmanager.ISecret;
  /**
   * The key of the field that holds the password, when `password`'s value is a JSON object.
   *
   * @default - the whole value
   */
  readonly passwordField?: string;
  /**
   * Changing it rolls out a new value of `password`: put the new value into the secret, change this
   * string and deploy (CloudFormation calls the handler only when a property changes).
   *
   * @default - the value is read whenever the configuration is created or updated
   */
  readonly passwordVersion?: string;
  /**
   * How the connection is secured.
   *
   * @default - not managed (Pocket-ID's default: SmtpTls.NONE)
   */
  readonly tls?: SmtpTls;
  /**
   * Skip verifying the server's certificate.
   *
   * @default - not managed (Pocket-ID's default: false)
   */
  readonly skipCertVerify?: boolean;
}

/** Which LDAP attributes hold what Pocket-ID keeps of users and groups. Each: @default - not managed */
export interface LdapAttributeMapping {
  /** @default - not managed (Pocket-ID's default: none) */
  readonly userUniqueIdentifier?: string;
  /** @default - not managed (Pocket-ID's default: none) */
  readonly userUsername?: string;
  /** @default - not managed (Pocket-ID's default: none) */
  readonly userEmail?: string;
  /** @default - not managed (Pocket-ID's default: none) */
  readonly userFirstName?: string;
  /** @default - not managed (Pocket-ID's default: none) */
  readonly userLastName?: string;
  /** @default - not managed (Pocket-ID's default: cn) */
  readonly userDisplayName?: string;
  /** @default - not managed (Pocket-ID's default: none) */
  readonly userProfilePicture?: string;
  /** @default - not managed (Pocket-ID's default: member) */
  readonly groupMember?: string;
  /** @default - not managed (Pocket-ID's default: none) */
  readonly groupUniqueIdentifier?: string;
  /** @default - not managed (Pocket-ID's default: none) */
  readonly groupName?: string;
}

/** Synchronization of users and groups from an LDAP directory. */
export interface LdapOptions {
  /** @default - not managed (Pocket-ID's default: false) */
  readonly enabled?: boolean;
  /** The server's URL (`ldaps://ldap.example.com`). @default - not managed */
  readonly url?: string;
  /** The DN Pocket-ID binds as. @default - not managed */
  readonly bindDn?: string;
  /**
   * A Secrets Manager secret you own whose value (or `bindPasswordField` of its JSON value) is the bind
   * password; read by the handler, like `SmtpOptions.password`, and at least 6 characters too.
   *
   * @default - not managed (Pocket-ID's default: none)
   */
  readonly bindPassword?: secretsmanager.ISecret;
  /** The key of the field that holds the password in `bindPassword`'s JSON value. @default - the whole value */
  readonly bindPasswordField?: string;
  /** Changing it rolls out a new value of `bindPassword`. @default - the value is read whenever the configuration is created or updated */
  readonly bindPasswordVersion?: string;
  /** The search base. @default - not managed */
  readonly base?: string;
  /** @default - not managed (Pocket-ID's default: (objectClass=person)) */
  readonly userSearchFilter?: string;
  /** @default - not managed (Pocket-ID's default: (objectClass=groupOfNames)) */
  readonly groupSearchFilter?: string;
  /** @default - not managed (Pocket-ID's default: false) */
  readonly skipCertVerify?: boolean;
  /** Users removed from LDAP are disabled rather than deleted. @default - not managed (Pocket-ID's default: true) */
  readonly softDeleteUsers?: boolean;
  /** The LDAP group whose members are Pocket-ID administrators. @default - not managed */
  readonly adminGroupName?: string;
  /** @default - not managed */
  readonly attributes?: LdapAttributeMapping;
}

/** Passkeys. */
export interface WebAuthnOptions {
  /** @default - not managed (Pocket-ID's default: WebAuthnUserVerification.REQUIRED) */
  readonly userVerification?: WebAuthnUserVerification;
  /** Passkeys synced between devices are allowed. @default - not managed (Pocket-ID's default: true) */
  readonly allowSyncedPasskeys?: boolean;
  /** @default - not managed (Pocket-ID's default: AuthenticatorAttachment.ANY) */
  readonly authenticatorAttachment?: AuthenticatorAttachment;
}

/**
 * Properties of Pocket-ID's application configuration. Every setting is optional: one not set is not
 * managed (what Pocket-ID holds stays, set in its UI say); one set before and no longer set returns to
 * Pocket-ID's default at the next deploy.
 */
export interface ApplicationConfigurationProps {
  /** The Pocket-ID instance. */
  readonly pocketId: PocketId;
  /** The name shown in the UI and in emails (1 to 30 characters). @default - not managed (Pocket-ID's default: Pocket ID) */
  readonly applicationName?: string;
  /** How long a sign-in session lasts, whole minutes. @default - not managed (Pocket-ID's default: 60 minutes) */
  readonly sessionDuration?: Duration;
  /** Where users land after signing in to Pocket-ID itself. @default - not managed (Pocket-ID's default: /settings/account) */
  readonly homePageUrl?: string;
  /** The UI's accent color (a CSS color, or "default"). @default - not managed */
  readonly accentColor?: string;
  /** @default - not managed (Pocket-ID's default: false) */
  readonly disableAnimations?: boolean;
  /** Users may edit their own account. @default - not managed (Pocket-ID's default: true) */
  readonly allowOwnAccountEdit?: boolean;
  /** Every user must have an email address. @default - not managed (Pocket-ID's default: true) */
  readonly requireUserEmail?: boolean;
  /** Users' email addresses count as verified. @default - not managed (Pocket-ID's default: false) */
  readonly emailsVerified?: boolean;
  /** @default - not managed */
  readonly signup?: SignupOptions;
  /** @default - not managed */
  readonly email?: EmailOptions;
  /** @default - not managed */
  readonly smtp?: SmtpOptions;
  /** @default - not managed */
  readonly ldap?: LdapOptions;
  /** @default - not managed */
  readonly webauthn?: WebAuthnOptions;
  /**
   * Pocket-ID makes a secret with each new confidential client. Pocket-ID 2.17 and newer only: an older
   * one refuses the deployment before anything is changed.
   *
   * @default - not managed (Pocket-ID's default: true)
   */
  readonly autoCreateOidcClientSecret?: boolean;
  /**
   * Any other setting, by Pocket-ID's key (`cimdUrlAllowlist`, a key of a newer release), with its
   * value as Pocket-ID keeps it (a string). A key the Pocket-ID does not have fails the deployment
   * before anything is changed; keys of the typed props and the passwords are refused.
   *
   * @default - none
   */
  readonly additionalSettings?: Record<string, string>;
}

/**
 * Pocket-ID's application configuration (one per Pocket-ID instance). Pocket-ID replaces its whole
 * configuration with each change, so the handler reads it and changes only the declared settings:
 * the others (set in the UI, or added by a newer Pocket-ID) stay. A setting no longer declared returns
 * to Pocket-ID's default. Removing this construct leaves the configuration as it is. Refused while
 * Pocket-ID's UI_CONFIG_DISABLED is set. Pocket-ID has no concurrency control on its configuration:
 * changes made in its UI during a deploy may be overwritten.
 */
export class ApplicationConfiguration extends Construct {
  /** The Pocket-ID instance. */
  public readonly pocketId: PocketId;

  constructor(scope: Construct, id: string, props: ApplicationConfigurationProps) {
    super(scope, id);
    withoutCreationStacks(this);
    validateProps(this, props);
    UniqueNames.claim(this, props.pocketId, ONE_PER_INSTANCE);
    this.pocketId = props.pocketId;
    const binding = props.pocketId._bind(this);
    (props.signup?.defaultGroups ?? []).forEach((group, index) => {
      assertSameInstance(this.pocketId, group.pocketId, `ApplicationConfiguration '${this.node.path}': signup.defaultGroups[${index}]`, `group '${group.node.path}'`);
    });
    for (const secret of [props.smtp?.password, props.ldap?.bindPassword]) {
      if (secret) binding.grantRead(secret);
    }
    const properties: ApplicationConfigurationProperties = {
      ...binding.connection,
      ContractVersion: CONTRACT_VERSION,
      Settings: settingsOf(this, props),
      SmtpPasswordSource: arnOf(props.smtp?.password),
      SmtpPasswordField: props.smtp?.passwordField,
      SmtpPasswordVersion: props.smtp?.passwordVersion,
      LdapBindPasswordSource: arnOf(props.ldap?.bindPassword),
      LdapBindPasswordField: props.ldap?.bindPasswordField,
      LdapBindPasswordVersion: props.ldap?.bindPasswordVersion,
    };
    new PocketIdCustomResource(this, 'Resource', {
      serviceToken: binding.serviceToken,
      resourceType: ResourceType.APPLICATION_CONFIGURATION,
      properties,
      // The handler's Delete leaves the configuration as it is.
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }
}

const ONE_PER_INSTANCE: UniqueName[] = [{
  field: 'pocketId',
  value: 'its application configuration',
  rule: 'a Pocket-ID has one application configuration, which a second construct would overwrite',
}];

function arnOf(secret: secretsmanager.ISecret | undefined): string | undefined {
  return secret ? secret.secretFullArn ?? secret.secretArn : undefined;
}

/** The declared settings by Pocket-ID's key; undefined values (not set) are left out. */
function settingsOf(scope: Construct, props: ApplicationConfigurationProps): Record<string, string> {
  const { signup, email, smtp, ldap, webauthn } = props;
  const attributes = ldap?.attributes;
  const stack = Stack.of(scope);
  const settings: Record<string, string | undefined> = {
    ...props.additionalSettings,
    appName: props.applicationName,
    sessionDuration: props.sessionDuration === undefined ? undefined : String(props.sessionDuration.toMinutes()),
    homePageUrl: props.homePageUrl,
    accentColor: props.accentColor,
    disableAnimations: booleanProperty(props.disableAnimations),
    allowOwnAccountEdit: booleanProperty(props.allowOwnAccountEdit),
    requireUserEmail: booleanProperty(props.requireUserEmail),
    emailsVerified: booleanProperty(props.emailsVerified),
    allowUserSignups: signup?.mode,
    signupDefaultUserGroupIDs: signup?.defaultGroups ? stack.toJsonString(signup.defaultGroups.map((group) => group.groupId)) : undefined,
    signupDefaultCustomClaims: signup?.defaultCustomClaims
      ? stack.toJsonString(Object.entries(signup.defaultCustomClaims).map(([key, value]) => ({ key, value }))) : undefined,
    emailOneTimeAccessAsAdminEnabled: booleanProperty(email?.oneTimeAccessAsAdmin),
    emailOneTimeAccessAsUnauthenticatedEnabled: booleanProperty(email?.oneTimeAccessAsUnauthenticated),
    emailLoginNotificationEnabled: booleanProperty(email?.loginNotification),
    emailApiKeyExpirationEnabled: booleanProperty(email?.apiKeyExpiration),
    emailVerificationEnabled: booleanProperty(email?.verification),
    smtpHost: smtp?.host,
    smtpPort: smtp?.port === undefined ? undefined : Token.isUnresolved(smtp.port) ? Token.asString(smtp.port) : String(smtp.port),
    smtpFrom: smtp?.from,
    smtpUser: smtp?.user,
    smtpTls: smtp?.tls,
    smtpSkipCertVerify: booleanProperty(smtp?.skipCertVerify),
    ldapEnabled: booleanProperty(ldap?.enabled),
    ldapUrl: ldap?.url,
    ldapBindDn: ldap?.bindDn,
    ldapBase: ldap?.base,
    ldapUserSearchFilter: ldap?.userSearchFilter,
    ldapUserGroupSearchFilter: ldap?.groupSearchFilter,
    ldapSkipCertVerify: booleanProperty(ldap?.skipCertVerify),
    ldapSoftDeleteUsers: booleanProperty(ldap?.softDeleteUsers),
    ldapAdminGroupName: ldap?.adminGroupName,
    ldapAttributeUserUniqueIdentifier: attributes?.userUniqueIdentifier,
    ldapAttributeUserUsername: attributes?.userUsername,
    ldapAttributeUserEmail: attributes?.userEmail,
    ldapAttributeUserFirstName: attributes?.userFirstName,
    ldapAttributeUserLastName: attributes?.userLastName,
    ldapAttributeUserDisplayName: attributes?.userDisplayName,
    ldapAttributeUserProfilePicture: attributes?.userProfilePicture,
    ldapAttributeGroupMember: attributes?.groupMember,
    ldapAttributeGroupUniqueIdentifier: attributes?.groupUniqueIdentifier,
    ldapAttributeGroupName: attributes?.groupName,
    webauthnUserVerification: webauthn?.userVerification,
    webauthnAllowSyncedPasskeys: booleanProperty(webauthn?.allowSyncedPasskeys),
    webauthnAuthenticatorAttachment: webauthn?.authenticatorAttachment,
    autoCreateOidcClientSecret: booleanProperty(props.autoCreateOidcClientSecret),
  };
  return Object.fromEntries(Object.entries(settings).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== null));
}

function validateProps(scope: Construct, props: ApplicationConfigurationProps): void {
  assertValidProps(scope, 'ApplicationConfiguration', {
    types: () => checkTypes(props),
    rules: () => [
      ...requireValue('pocketId', props.pocketId),
      ...checkSessionDuration(props.sessionDuration),
      ...checkSmtpPort(props.smtp?.port),
      ...checkAdditionalKeys(props.additionalSettings),
      ...validateApplicationSettings(knownSettings(scope, props)),
    ],
    conflicts: () => UniqueNames.conflicts(scope, props.pocketId, ONE_PER_INSTANCE),
  });
}

/** The settings known at synth time; tokens are checked by the handler. */
function knownSettings(scope: Construct, props: ApplicationConfigurationProps): Record<string, string | undefined> {
  const settings = settingsOf(scope, { ...props, sessionDuration: undefined, smtp: { ...props.smtp, port: undefined } });
  return Object.fromEntries(Object.entries(settings).filter(([key]) => !Token.isUnresolved(key)).map(([key, value]) => [key, known(value)]));
}

function checkSessionDuration(duration: Duration | undefined): string[] {
  if (duration === undefined || duration === null || duration.isUnresolved()) return [];
  const minutes = duration.toMinutes({ integral: false });
  return Number.isInteger(minutes) && minutes >= 1 ? [] : [`sessionDuration must be whole minutes, at least 1 (got ${duration.toHumanString()})`];
}

function checkSmtpPort(port: number | undefined): string[] {
  if (port === undefined || port === null || Token.isUnresolved(port)) return [];
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? [] : [`smtp.port must be a port number, 1 to 65535 (got ${port})`];
}

function checkAdditionalKeys(additional: Record<string, string> | undefined): string[] {
  if (additional === undefined || additional === null || Token.isUnresolved(additional)) return [];
  return Object.keys(additional).filter((key) => settingSpec(key) !== undefined)
    .map((key) => `additionalSettings.${key} is set by the prop ${settingSpec(key)!.prop}: use that prop`);
}

/** What jsii callers can pass that TypeScript would not compile. */
function checkTypes(props: ApplicationConfigurationProps): string[] {
  const secret = 'a Secrets Manager secret (ISecret), such as Secret.fromSecretNameV2(...)';
  return [
    ...checkObject('pocketId', props.pocketId, (value) => value instanceof PocketId, 'a PocketId'),
    ...checkString('applicationName', props.applicationName),
    ...checkDuration('sessionDuration', props.sessionDuration),
    ...checkString('homePageUrl', props.homePageUrl),
    ...checkString('accentColor', props.accentColor),
    ...['disableAnimations', 'allowOwnAccountEdit', 'requireUserEmail', 'emailsVerified', 'autoCreateOidcClientSecret']
      .flatMap((field) => checkBoolean(field, (props as unknown as Record<string, unknown>)[field])),
    ...checkEnum('signup.mode', props.signup?.mode, SignupMode, 'SignupMode'),
    ...checkObjectList('signup.defaultGroups', props.signup?.defaultGroups, (value) => isEntityConstruct(value, 'groupId'), 'a user group (UserGroup, or UserGroup.fromGroupId/fromGroupName)'),
    ...checkStringMap('signup.defaultCustomClaims', props.signup?.defaultCustomClaims),
    ...Object.entries(props.email ?? {}).flatMap(([field, value]) => checkBoolean(`email.${field}`, value)),
    ...['host', 'from', 'user', 'passwordField', 'passwordVersion'].flatMap((field) => checkString(`smtp.${field}`, (props.smtp as Record<string, unknown> | undefined)?.[field])),
    ...checkObject('smtp.password', props.smtp?.password, isSecret, secret),
    ...checkEnum('smtp.tls', props.smtp?.tls, SmtpTls, 'SmtpTls'),
    ...checkBoolean('smtp.skipCertVerify', props.smtp?.skipCertVerify),
    ...['url', 'bindDn', 'bindPasswordField', 'bindPasswordVersion', 'base', 'userSearchFilter', 'groupSearchFilter', 'adminGroupName']
      .flatMap((field) => checkString(`ldap.${field}`, (props.ldap as Record<string, unknown> | undefined)?.[field])),
    ...['enabled', 'skipCertVerify', 'softDeleteUsers'].flatMap((field) => checkBoolean(`ldap.${field}`, (props.ldap as Record<string, unknown> | undefined)?.[field])),
    ...checkObject('ldap.bindPassword', props.ldap?.bindPassword, isSecret, secret),
    ...Object.entries(props.ldap?.attributes ?? {}).flatMap(([field, value]) => checkString(`ldap.attributes.${field}`, value)),
    ...checkEnum('webauthn.userVerification', props.webauthn?.userVerification, WebAuthnUserVerification, 'WebAuthnUserVerification'),
    ...checkBoolean('webauthn.allowSyncedPasskeys', props.webauthn?.allowSyncedPasskeys),
    ...checkEnum('webauthn.authenticatorAttachment', props.webauthn?.authenticatorAttachment, AuthenticatorAttachment, 'AuthenticatorAttachment'),
    ...checkStringMap('additionalSettings', props.additionalSettings),
  ];
}
