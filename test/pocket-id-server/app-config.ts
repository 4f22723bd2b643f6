import { nfc } from './body-types';
import { ApiError, FieldError, invalidRequestBody, validationFailed } from './errors';
import { ApiResponse, jsonResponse, readJsonBody, RequestContext } from './http';
import type { Release } from './releases';
import type { ServerState } from './state';
import { callbackUrlPattern, email, max, min, required, Rule } from './validation';

/**
 * The application configuration (appconfig/model.go, service.go; controller/app_config_controller.go;
 * dto/app_config_dto.go). Pocket-ID keeps every setting as a string; the PUT replaces the whole
 * configuration: a key missing or "" returns to its default, the passwords included.
 */

/** One setting: its default (model.go getDefaultConfig) and the DTO's binding rules. */
interface Setting {
  readonly key: string;
  readonly default: string;
  /** `binding:"required"`. */
  readonly required?: boolean;
  /** Rules after `required` (or after `omitempty` for an optional one). */
  readonly rules?: readonly Rule[];
  /** `public:"true"`: listed by the unauthenticated GET. */
  readonly public?: boolean;
  /** `sensitive:"true"`: masked in /all while the UI configuration is disabled. */
  readonly sensitive?: boolean;
  /** Served by releases with this behaviour only. */
  readonly since?: 'autoCreatedClientSecret';
}

const booleanString: Rule = (value) => (value === 'true' || value === 'false' ? undefined : { code: 'invalid_format', message: 'must be either true or false' });
const integerString: Rule = (value) => (/^[+-]?\d+$/.test(String(value)) && Number.isSafeInteger(Number(value))
  ? undefined : { code: 'invalid_format', message: 'must be an integer' });
function oneOf(...choices: string[]): Rule {
  return (value) => (choices.includes(String(value)) ? undefined : { code: 'oneof', message: 'is invalid' });
}
const jsonStringArray: Rule = (value) => (parsesAs(String(value), (parsed) => Array.isArray(parsed) && parsed.every((entry) => typeof entry === 'string'))
  ? undefined : { code: 'invalid_format', message: 'must be a JSON array of strings' });
const jsonCustomClaims: Rule = (value) => (parsesAs(String(value), (parsed) => Array.isArray(parsed)
  && parsed.every((claim) => claim !== null && typeof claim === 'object' && typeof claim.key === 'string' && typeof claim.value === 'string'))
  ? undefined : { code: 'invalid_format', message: 'must be a JSON array of objects with string "key" and "value" properties' });
const cimdUrlAllowlist: Rule = (value) => (parsesAs(String(value), (parsed) => Array.isArray(parsed)
  && parsed.every((pattern) => typeof pattern === 'string' && callbackUrlPattern(pattern) === undefined))
  ? undefined : { code: 'invalid_format', message: 'must be a JSON array of valid callback URL patterns' });

/** Go's json.Unmarshal into a slice: `null` leaves it nil, which the validators refuse. */
function parsesAs(text: string, test: (parsed: any) => boolean): boolean {
  try {
    return test(JSON.parse(text));
  } catch {
    return false;
  }
}

const bool = (key: string, defaultValue: string, extra: Partial<Setting> = {}): Setting => ({
  key, default: defaultValue, required: true, rules: [booleanString], ...extra,
});
const text = (key: string, defaultValue = '', extra: Partial<Setting> = {}): Setting => ({ key, default: defaultValue, ...extra });

/** Every setting, in the order of AppConfigModel's fields (the order /all lists them in). */
export const SETTINGS: readonly Setting[] = [
  { key: 'appName', default: 'Pocket ID', required: true, rules: [min(1), max(30)], public: true },
  { key: 'sessionDuration', default: '60', required: true, rules: [integerString] },
  { key: 'homePageUrl', default: '/settings/account', required: true, public: true },
  bool('emailsVerified', 'false'),
  text('accentColor', 'default', { public: true }),
  bool('disableAnimations', 'false', { public: true }),
  bool('allowOwnAccountEdit', 'true', { public: true }),
  { key: 'allowUserSignups', default: 'disabled', required: true, rules: [oneOf('disabled', 'withToken', 'open')], public: true },
  text('signupDefaultUserGroupIDs', '[]', { rules: [jsonStringArray] }),
  text('signupDefaultCustomClaims', '[]', { rules: [jsonCustomClaims] }),
  bool('requireUserEmail', 'true', { public: true }),
  text('smtpHost'),
  text('smtpPort'),
  text('smtpFrom', '', { rules: [email] }),
  text('smtpUser'),
  text('smtpPassword', '', { sensitive: true }),
  { key: 'smtpTls', default: 'none', required: true, rules: [oneOf('none', 'starttls', 'tls')] },
  bool('smtpSkipCertVerify', 'false'),
  bool('emailLoginNotificationEnabled', 'false'),
  bool('emailOneTimeAccessAsUnauthenticatedEnabled', 'false', { public: true }),
  bool('emailOneTimeAccessAsAdminEnabled', 'false', { public: true }),
  bool('emailApiKeyExpirationEnabled', 'false'),
  bool('emailVerificationEnabled', 'false', { public: true }),
  bool('ldapEnabled', 'false', { public: true }),
  text('ldapUrl'),
  text('ldapBindDn'),
  text('ldapBindPassword', '', { sensitive: true }),
  text('ldapBase'),
  text('ldapUserSearchFilter', '(objectClass=person)'),
  text('ldapUserGroupSearchFilter', '(objectClass=groupOfNames)'),
  bool('ldapSkipCertVerify', 'false'),
  text('ldapAttributeUserUniqueIdentifier'),
  text('ldapAttributeUserUsername'),
  text('ldapAttributeUserEmail'),
  text('ldapAttributeUserFirstName'),
  text('ldapAttributeUserLastName'),
  text('ldapAttributeUserDisplayName', 'cn'),
  text('ldapAttributeUserProfilePicture'),
  text('ldapAttributeGroupMember', 'member'),
  text('ldapAttributeGroupUniqueIdentifier'),
  text('ldapAttributeGroupName'),
  text('ldapAdminGroupName'),
  bool('ldapSoftDeleteUsers', 'true'),
  { key: 'webauthnUserVerification', default: 'required', required: true, rules: [oneOf('required', 'preferred')] },
  bool('webauthnAllowSyncedPasskeys', 'true'),
  { key: 'webauthnAuthenticatorAttachment', default: 'any', required: true, rules: [oneOf('any', 'platform', 'cross-platform')] },
  text('cimdUrlAllowlist', '[]', { rules: [cimdUrlAllowlist] }),
  // [peer] 2.17+, required by its update validator, default "true": irashack/terraform-provider-pocketid
  // internal/client/app_config.go and internal/resources/application_config_settings.go. Its place in the
  // list is not confirmed: it is played last.
  bool('autoCreateOidcClientSecret', 'true', { since: 'autoCreatedClientSecret' }),
];

/** What /all shows for a sensitive value while the UI configuration is disabled (model.go:291-294). */
const REDACTED = 'XXXXXXXXXX';

/** The settings a release has. */
function settingsOf(release: Release): Setting[] {
  return SETTINGS.filter((setting) => setting.since === undefined || release.has(setting.since));
}

export function defaultSettings(): Map<string, string> {
  return new Map(SETTINGS.map((setting) => [setting.key, setting.default]));
}

/** The typed view other handlers use (users.ts, one-time-access.ts, clients.ts): the settings, read as Pocket-ID reads them. */
export class AppConfigValues {
  readonly values = defaultSettings();

  get requireUserEmail(): boolean { return this.flag('requireUserEmail'); }
  set requireUserEmail(value: boolean) { this.values.set('requireUserEmail', String(value)); }
  get emailsVerified(): boolean { return this.flag('emailsVerified'); }
  set emailsVerified(value: boolean) { this.values.set('emailsVerified', String(value)); }
  get emailOneTimeAccessAsAdminEnabled(): boolean { return this.flag('emailOneTimeAccessAsAdminEnabled'); }
  set emailOneTimeAccessAsAdminEnabled(value: boolean) { this.values.set('emailOneTimeAccessAsAdminEnabled', String(value)); }
  get emailOneTimeAccessAsUnauthenticatedEnabled(): boolean { return this.flag('emailOneTimeAccessAsUnauthenticatedEnabled'); }
  set emailOneTimeAccessAsUnauthenticatedEnabled(value: boolean) { this.values.set('emailOneTimeAccessAsUnauthenticatedEnabled', String(value)); }
  /** 2.17+ (no effect before): a new confidential client is given a secret. */
  get autoCreateOidcClientSecret(): boolean { return this.flag('autoCreateOidcClientSecret'); }
  set autoCreateOidcClientSecret(value: boolean) { this.values.set('autoCreateOidcClientSecret', String(value)); }
  /** 'disabled' | 'withToken' | 'open'; a signup token works in every mode. */
  get allowUserSignups(): string { return this.values.get('allowUserSignups') ?? 'disabled'; }
  set allowUserSignups(mode: string) { this.values.set('allowUserSignups', mode); }
  get signupDefaultUserGroupIds(): string[] { return JSON.parse(this.values.get('signupDefaultUserGroupIDs') || '[]'); }
  set signupDefaultUserGroupIds(ids: string[]) { this.values.set('signupDefaultUserGroupIDs', JSON.stringify(ids)); }
  /** Given to every user the API creates (user_service.go, applyDefaultCustomClaims). */
  get signupDefaultCustomClaims(): Array<{ key: string; value: string }> { return JSON.parse(this.values.get('signupDefaultCustomClaims') || '[]'); }
  set signupDefaultCustomClaims(claims: Array<{ key: string; value: string }>) { this.values.set('signupDefaultCustomClaims', JSON.stringify(claims)); }

  private flag(key: string): boolean {
    return this.values.get(key) === 'true';
  }
}

function item(key: string, value: string) {
  return { key, type: '', value, isPublic: false };
}

/** GET /api/application-configuration: the public settings, then uiConfigDisabled and tracingEnabled (controller.go:57-84). */
export function getPublicConfig(_ctx: RequestContext, state: ServerState): ApiResponse {
  const values = state.store.appConfig.values;
  const items: object[] = settingsOf(state.release).filter((setting) => setting.public)
    .map((setting) => ({ key: setting.key, type: '', value: values.get(setting.key) }));
  items.push({ key: 'uiConfigDisabled', type: 'boolean', value: String(state.uiConfigDisabled) });
  items.push({ key: 'tracingEnabled', type: '', value: 'false' });
  return jsonResponse(200, items);
}

/** GET /api/application-configuration/all: every setting; the passwords in clear unless the UI configuration is disabled. */
export function getAllConfig(_ctx: RequestContext, state: ServerState): ApiResponse {
  return jsonResponse(200, allItems(state, state.uiConfigDisabled));
}

function allItems(state: ServerState, redact: boolean): object[] {
  const values = state.store.appConfig.values;
  return settingsOf(state.release).map((setting) => {
    const value = values.get(setting.key) ?? setting.default;
    return item(setting.key, redact && setting.sensitive && value !== '' ? REDACTED : value);
  });
}

/** PUT /api/application-configuration: validated like the DTO, refused when the UI configuration is disabled, then a full replace. */
export function updateConfig(ctx: RequestContext, state: ServerState): ApiResponse {
  const input = readSettingsBody(ctx, state.release);
  validateSettings(input, state.release);
  if (state.uiConfigDisabled) throw new ApiError(403, 'ui_config_disabled', "The configuration can't be changed since the UI configuration is disabled");
  const values = state.store.appConfig.values;
  for (const setting of settingsOf(state.release)) {
    const value = input.get(setting.key) ?? '';
    values.set(setting.key, value === '' ? setting.default : value);
  }
  return jsonResponse(200, allItems(state, false));
}

/** The DTO's string fields: another JSON type is invalid_request_body, null is "" (Go leaves the string empty), extra keys are ignored. */
function readSettingsBody(ctx: RequestContext, release: Release): Map<string, string> {
  const body = readJsonBody(ctx);
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw invalidRequestBody();
  const input = new Map<string, string>();
  for (const setting of settingsOf(release)) {
    const value = (body as Record<string, unknown>)[setting.key];
    if (value !== undefined && value !== null && typeof value !== 'string') throw invalidRequestBody();
    input.set(setting.key, setting.key === 'appName' ? nfc(value ?? '') : value ?? '');
  }
  return input;
}

/** The DTO's field order (dto/app_config_dto.go), which the validator reports failures in. */
const DTO_ORDER = [
  'appName', 'sessionDuration', 'homePageUrl', 'emailsVerified', 'disableAnimations', 'allowOwnAccountEdit', 'allowUserSignups',
  'signupDefaultUserGroupIDs', 'signupDefaultCustomClaims', 'accentColor', 'requireUserEmail', 'smtpHost', 'smtpPort', 'smtpFrom', 'smtpUser',
  'smtpPassword', 'smtpTls', 'smtpSkipCertVerify', 'ldapEnabled', 'ldapUrl', 'ldapBindDn', 'ldapBindPassword', 'ldapBase', 'ldapUserSearchFilter',
  'ldapUserGroupSearchFilter', 'ldapSkipCertVerify', 'ldapAttributeUserUniqueIdentifier', 'ldapAttributeUserUsername', 'ldapAttributeUserEmail',
  'ldapAttributeUserFirstName', 'ldapAttributeUserLastName', 'ldapAttributeUserDisplayName', 'ldapAttributeUserProfilePicture',
  'ldapAttributeGroupMember', 'ldapAttributeGroupUniqueIdentifier', 'ldapAttributeGroupName', 'ldapAdminGroupName', 'ldapSoftDeleteUsers',
  'webauthnUserVerification', 'webauthnAllowSyncedPasskeys', 'webauthnAuthenticatorAttachment', 'emailOneTimeAccessAsAdminEnabled',
  'emailOneTimeAccessAsUnauthenticatedEnabled', 'emailLoginNotificationEnabled', 'emailApiKeyExpirationEnabled', 'emailVerificationEnabled',
  'cimdUrlAllowlist', 'autoCreateOidcClientSecret',
];

function validateSettings(input: Map<string, string>, release: Release): void {
  const failures: FieldError[] = [];
  const inDtoOrder = settingsOf(release).sort((a, b) => DTO_ORDER.indexOf(a.key) - DTO_ORDER.indexOf(b.key));
  for (const setting of inDtoOrder) {
    const value = input.get(setting.key) ?? '';
    if (value === '' && !setting.required) continue;
    for (const rule of [...(setting.required ? [required] : []), ...(setting.rules ?? [])]) {
      const failure = rule(value);
      if (failure) {
        failures.push({ field: setting.key, ...failure });
        break;
      }
    }
  }
  if (failures.length > 0) throw validationFailed(failures);
}
