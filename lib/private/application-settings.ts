/**
 * Pocket-ID's application configuration settings that the ApplicationConfiguration construct types:
 * their key, the construct prop that sets them (for messages), Pocket-ID's rule and its default
 * (Pocket-ID 2.14 dto/app_config_dto.go, appconfig/model.go; autoCreateOidcClientSecret 2.17). Shared
 * by the construct (synth-time checks) and the handler (deploy-time checks, the defaults a setting no
 * longer declared returns to).
 */

/** How Pocket-ID checks a setting's value. */
export type SettingRule = 'text' | 'boolean' | 'integer' | 'choice' | 'email' | 'stringArray' | 'customClaims';

export interface SettingSpec {
  readonly key: string;
  /** The construct prop, as messages name it: `smtp.host`. */
  readonly prop: string;
  readonly rule: SettingRule;
  /** Pocket-ID's default (what a missing or empty value becomes). */
  readonly default: string;
  /** `binding:"required"`: "" is refused. */
  readonly required?: boolean;
  readonly choices?: readonly string[];
  readonly maxLength?: number;
}

/** Pocket-ID keeps these two in clear: they come from Secrets Manager only, never from the template. */
export const SMTP_PASSWORD_KEY = 'smtpPassword';
export const LDAP_BIND_PASSWORD_KEY = 'ldapBindPassword';
export const PASSWORD_KEYS: readonly string[] = [SMTP_PASSWORD_KEY, LDAP_BIND_PASSWORD_KEY];
/** 2.17+ only. */
export const AUTO_CREATE_CLIENT_SECRET_KEY = 'autoCreateOidcClientSecret';

const bool = (key: string, prop: string, defaultValue: string): SettingSpec => ({ key, prop, rule: 'boolean', default: defaultValue, required: true });
const text = (key: string, prop: string, defaultValue = ''): SettingSpec => ({ key, prop, rule: 'text', default: defaultValue });

export const SETTING_SPECS: readonly SettingSpec[] = [
  { key: 'appName', prop: 'applicationName', rule: 'text', default: 'Pocket ID', required: true, maxLength: 30 },
  { key: 'sessionDuration', prop: 'sessionDuration', rule: 'integer', default: '60', required: true },
  { key: 'homePageUrl', prop: 'homePageUrl', rule: 'text', default: '/settings/account', required: true },
  bool('emailsVerified', 'emailsVerified', 'false'),
  text('accentColor', 'accentColor', 'default'),
  bool('disableAnimations', 'disableAnimations', 'false'),
  bool('allowOwnAccountEdit', 'allowOwnAccountEdit', 'true'),
  { key: 'allowUserSignups', prop: 'signup.mode', rule: 'choice', default: 'disabled', required: true, choices: ['disabled', 'withToken', 'open'] },
  { key: 'signupDefaultUserGroupIDs', prop: 'signup.defaultGroups', rule: 'stringArray', default: '[]' },
  { key: 'signupDefaultCustomClaims', prop: 'signup.defaultCustomClaims', rule: 'customClaims', default: '[]' },
  bool('requireUserEmail', 'requireUserEmail', 'true'),
  text('smtpHost', 'smtp.host'),
  text('smtpPort', 'smtp.port'),
  { key: 'smtpFrom', prop: 'smtp.from', rule: 'email', default: '' },
  text('smtpUser', 'smtp.user'),
  { key: 'smtpTls', prop: 'smtp.tls', rule: 'choice', default: 'none', required: true, choices: ['none', 'starttls', 'tls'] },
  bool('smtpSkipCertVerify', 'smtp.skipCertVerify', 'false'),
  bool('emailLoginNotificationEnabled', 'email.loginNotification', 'false'),
  bool('emailOneTimeAccessAsUnauthenticatedEnabled', 'email.oneTimeAccessAsUnauthenticated', 'false'),
  bool('emailOneTimeAccessAsAdminEnabled', 'email.oneTimeAccessAsAdmin', 'false'),
  bool('emailApiKeyExpirationEnabled', 'email.apiKeyExpiration', 'false'),
  bool('emailVerificationEnabled', 'email.verification', 'false'),
  bool('ldapEnabled', 'ldap.enabled', 'false'),
  text('ldapUrl', 'ldap.url'),
  text('ldapBindDn', 'ldap.bindDn'),
  text('ldapBase', 'ldap.base'),
  text('ldapUserSearchFilter', 'ldap.userSearchFilter', '(objectClass=person)'),
  text('ldapUserGroupSearchFilter', 'ldap.groupSearchFilter', '(objectClass=groupOfNames)'),
  bool('ldapSkipCertVerify', 'ldap.skipCertVerify', 'false'),
  text('ldapAttributeUserUniqueIdentifier', 'ldap.attributes.userUniqueIdentifier'),
  text('ldapAttributeUserUsername', 'ldap.attributes.userUsername'),
  text('ldapAttributeUserEmail', 'ldap.attributes.userEmail'),
  text('ldapAttributeUserFirstName', 'ldap.attributes.userFirstName'),
  text('ldapAttributeUserLastName', 'ldap.attributes.userLastName'),
  text('ldapAttributeUserDisplayName', 'ldap.attributes.userDisplayName', 'cn'),
  text('ldapAttributeUserProfilePicture', 'ldap.attributes.userProfilePicture'),
  text('ldapAttributeGroupMember', 'ldap.attributes.groupMember', 'member'),
  text('ldapAttributeGroupUniqueIdentifier', 'ldap.attributes.groupUniqueIdentifier'),
  text('ldapAttributeGroupName', 'ldap.attributes.groupName'),
  text('ldapAdminGroupName', 'ldap.adminGroupName'),
  bool('ldapSoftDeleteUsers', 'ldap.softDeleteUsers', 'true'),
  { key: 'webauthnUserVerification', prop: 'webauthn.userVerification', rule: 'choice', default: 'required', required: true, choices: ['required', 'preferred'] },
  bool('webauthnAllowSyncedPasskeys', 'webauthn.allowSyncedPasskeys', 'true'),
  {
    key: 'webauthnAuthenticatorAttachment',
    prop: 'webauthn.authenticatorAttachment',
    rule: 'choice',
    default: 'any',
    required: true,
    choices: ['any', 'platform', 'cross-platform'],
  },
  bool(AUTO_CREATE_CLIENT_SECRET_KEY, 'autoCreateOidcClientSecret', 'true'),
];

/** The spec of a typed setting, by Pocket-ID's key. */
export function settingSpec(key: string): SettingSpec | undefined {
  return SETTING_SPECS.find((spec) => spec.key === key);
}
