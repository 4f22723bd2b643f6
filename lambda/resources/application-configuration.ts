import { createHash } from 'crypto';
import { ApplicationConfigurationProperties } from '../../lib/contract';
import { LDAP_BIND_PASSWORD_KEY, PASSWORD_KEYS, settingSpec, SMTP_PASSWORD_KEY, AUTO_CREATE_CLIENT_SECRET_KEY } from '../../lib/private/application-settings';
import { validateApplicationSettings } from '../../lib/private/validation';
import { normalizedBaseUrl } from '../connection';
import { PocketIdApiError, UnexpectedResponseError } from '../errors';
import { Field, FieldTable, holdsFields, sameJson, updateBody } from '../fields';
import { readString, shapeProblems, ShapeRules } from '../properties';
import { MIN_SECRET_LENGTH } from '../redactor';
import { FeatureUse } from '../release';
import { CreateEvent, HandlerResult, OperationContext, ResourceHandler, UpdateEvent, withCompensation } from '../resource';
import { BroughtValue, readBroughtValue, SecretValueNames } from '../secrets';

/**
 * Pocket-ID's application configuration: one per instance, never created or deleted, only changed.
 * Pocket-ID's PUT replaces the whole configuration (a missing key returns to its default, passwords
 * included) and new releases add required keys, so every write starts from GET /all and sends back
 * every key the server reported, with the declared ones changed (fields.ts' read-modify-write). /all
 * and the PUT answer hold the SMTP and LDAP passwords in clear: they go to the redactor at once.
 * A Delete leaves the configuration as it is: it needs no request (`ownsNothing`).
 */

const PATH = '/api/application-configuration';
const ALL_PATH = '/api/application-configuration/all';
/** What /all shows instead of a password while UI_CONFIG_DISABLED is set (appconfig/model.go). */
const REDACTED_PASSWORD = 'XXXXXXXXXX';
const LABEL = 'application configuration';

/** Settings by Pocket-ID's key, values as Pocket-ID keeps them. */
type Settings = Record<string, string>;

interface PasswordSource {
  readonly key: string;
  readonly source: keyof ApplicationConfigurationProperties;
  readonly field: keyof ApplicationConfigurationProperties;
  readonly names: SecretValueNames;
}

/** The passwords the user keeps in secrets they own, and the properties that name each. */
const PASSWORDS = [
  { key: SMTP_PASSWORD_KEY, source: 'SmtpPasswordSource', field: 'SmtpPasswordField', names: { prop: 'smtp.password', fieldProp: 'smtp.passwordField', what: 'the SMTP password' } },
  {
    key: LDAP_BIND_PASSWORD_KEY,
    source: 'LdapBindPasswordSource',
    field: 'LdapBindPasswordField',
    names: { prop: 'ldap.bindPassword', fieldProp: 'ldap.bindPasswordField', what: 'the LDAP bind password' },
  },
] as const satisfies readonly PasswordSource[];

export const applicationConfiguration: ResourceHandler = {
  ownsNothing: true,
  validate: validateProperties,
  featuresUsed: (properties) => featuresUsed(properties as unknown as ApplicationConfigurationProperties),
  create: (event: CreateEvent, context: OperationContext) => apply(propertiesOf(event.ResourceProperties), {}, context),
  update: (event: UpdateEvent, context: OperationContext) => apply(
    propertiesOf(event.ResourceProperties), propertiesOf(event.OldResourceProperties), context,
  ),
  // Never reached (ownsNothing): the configuration stays as it is.
  delete: async (event) => ({ PhysicalResourceId: event.PhysicalResourceId }),
};

/** Brings the declared settings to Pocket-ID; whatever fails after the PUT, the configuration as read is put back. */
function propertiesOf(raw: unknown): ApplicationConfigurationProperties {
  return raw as ApplicationConfigurationProperties;
}

async function apply(
  properties: ApplicationConfigurationProperties,
  previous: Partial<ApplicationConfigurationProperties>,
  context: OperationContext,
): Promise<HandlerResult> {
  const declared = await declaredSettings(properties, context);
  const declaredBefore = declaredKeys(previous);
  return withCompensation(context, async (operation) => {
    const held = await readSettings(operation);
    assertSettingsExist(declared, held, properties, operation);
    await assertWritable(held, operation);
    const table = fieldTable(Object.keys(declared), Object.keys(declaredBefore));
    const body = updateBody(table, held, declared, declaredBefore);
    if (holdsFields(table, held, body)) {
      operation.logger.info(`the ${LABEL} already holds the declared settings`);
    } else {
      // Arranged before the PUT: a PUT whose answer was lost may have changed the configuration all the same.
      operation.undo.add(`the previous ${LABEL}`, () => putSettings(held, operation), {
        requests: 2,
        isUndone: async () => holdsAll(await readSettings(operation), held),
      });
      await putSettings(body, operation);
      operation.logger.info(`updated the ${LABEL}`, { settings: Object.keys(body).filter((key) => !sameJson(held[key], body[key])).join(', ') });
    }
    return { PhysicalResourceId: physicalIdOf(properties) };
  });
}

function holdsAll(now: Settings, wanted: Settings): boolean {
  return Object.entries(wanted).every(([key, value]) => now[key] === value);
}

/** One per instance: a base URL change gives a new physical id, and CloudFormation's Delete of the old one changes nothing. */
function physicalIdOf(properties: ApplicationConfigurationProperties): string {
  return `application-configuration@${createHash('sha256').update(normalizedBaseUrl(properties)).digest('hex').slice(0, 12)}`;
}

/** The declared settings, the passwords read from their secrets now. */
async function declaredSettings(properties: ApplicationConfigurationProperties, context: OperationContext): Promise<Settings> {
  const settings: Settings = { ...properties.Settings ?? {} };
  for (const password of PASSWORDS) {
    const secretId = readString(properties[password.source]);
    if (secretId === undefined) continue;
    settings[password.key] = await readBroughtValue(context, { secretId, field: readString(properties[password.field]) }, maskable(password.names));
  }
  return settings;
}

/**
 * A password the handler can mask. Pocket-ID takes any, but the redactor leaves values shorter than
 * MIN_SECRET_LENGTH alone (masking them would mangle ordinary text), so such a password could show in
 * an error Pocket-ID words with it: it is refused before anything is sent.
 */
function maskable(names: SecretValueNames): BroughtValue {
  return {
    ...names,
    kind: `${names.what} this library can keep out of every message`,
    minLength: MIN_SECRET_LENGTH,
    allows: () => true,
    rule: `at least ${MIN_SECRET_LENGTH} characters (a shorter one could not be masked in log lines and error messages)`,
    disallowed: '',
  };
}

/** The keys the properties declare (values do not matter: a key declared before and no longer returns to its default). */
function declaredKeys(properties: Partial<ApplicationConfigurationProperties>): Settings {
  const keys: Settings = { ...properties.Settings ?? {} };
  for (const password of PASSWORDS) {
    if (readString(properties[password.source]) !== undefined) keys[password.key] = 'declared';
  }
  return keys;
}

/**
 * The fields of one write: every key declared now or before. A key Pocket-ID's default is not known
 * for (an additional setting no longer declared) is left out of the PUT: Pocket-ID then stores its default.
 */
function fieldTable(declared: readonly string[], declaredBefore: readonly string[]): FieldTable<Settings> {
  const keys = [...new Set([...declared, ...declaredBefore])];
  const fields: Array<Field<Settings>> = keys.map((key) => ({
    property: key,
    api: key,
    read: (value) => readString(value),
    pocketIdDefault: PASSWORD_KEYS.includes(key) ? '' : settingSpec(key)?.default,
  }));
  return { fields, bodyOf: (held) => ({ ...held }) };
}

/** GET /all, as a map; the passwords go to the redactor before anything could show them. */
async function readSettings(context: OperationContext): Promise<Settings> {
  const answer = await context.api.get<unknown>(`Read the ${LABEL}`, ALL_PATH);
  return settingsOf(answer, { operation: `Read the ${LABEL}`, method: 'GET', path: ALL_PATH }, context);
}

/** Pocket-ID's PUT, of every key; its answer holds the passwords in clear too. */
async function putSettings(body: Readonly<Record<string, unknown>>, context: OperationContext): Promise<void> {
  const request = { operation: `Update the ${LABEL}`, method: 'PUT', path: PATH };
  const answer = await context.api.put<unknown>(request.operation, PATH, body).catch((error) => {
    throw explainWriteError(error, context);
  });
  settingsOf(answer, request, context);
}

function settingsOf(answer: unknown, request: { operation: string; method: string; path: string }, context: OperationContext): Settings {
  if (!Array.isArray(answer)) throw new UnexpectedResponseError(request, 'not a list of settings');
  const settings: Settings = {};
  for (const item of answer as Array<{ key?: unknown; value?: unknown }>) {
    if (typeof item?.key !== 'string' || typeof item.value !== 'string') throw new UnexpectedResponseError(request, 'a setting without a string key and value');
    settings[item.key] = item.value;
  }
  for (const key of PASSWORD_KEYS) context.redactor.add(settings[key]);
  return settings;
}

const UI_CONFIG_DISABLED = 'Pocket-ID\'s UI_CONFIG_DISABLED is set: its configuration comes from its environment; remove this construct or unset it';

/**
 * While UI_CONFIG_DISABLED is set, /all masks the passwords and a PUT is refused: a masked password
 * must never be written back, so the configuration is refused before any PUT.
 */
async function assertWritable(held: Settings, context: OperationContext): Promise<void> {
  if (!PASSWORD_KEYS.some((key) => held[key] === REDACTED_PASSWORD)) return;
  const shown = await context.api.get<unknown>(`Read the public ${LABEL}`, PATH);
  const disabled = Array.isArray(shown) && shown.some((item) => item?.key === 'uiConfigDisabled' && item?.value === 'true');
  if (disabled) throw new Error(`Update the ${LABEL}: ${UI_CONFIG_DISABLED}. Nothing was changed.`);
}

function explainWriteError(error: unknown, context: OperationContext): unknown {
  if (error instanceof PocketIdApiError && error.code === 'ui_config_disabled') {
    return new Error(`Update the ${LABEL}: PUT ${PATH} returned 403 ui_config_disabled: ${UI_CONFIG_DISABLED}`);
  }
  context.logger.debug('the PUT of the configuration failed', { status: (error as PocketIdApiError)?.status });
  return error;
}

/** A declared key the server does not report would be ignored by its PUT: refused before anything is changed. */
function assertSettingsExist(declared: Settings, held: Settings, properties: ApplicationConfigurationProperties, context: OperationContext): void {
  const unknown = Object.keys(declared).filter((key) => !(key in held));
  if (unknown.length === 0) return;
  const names = unknown.map((key) => `${propOf(key)} ('${key}')`).join(', ');
  throw new Error(`Update the ${LABEL}: the Pocket-ID at ${properties.BaseUrl} (version ${context.release.version}) has no setting ${names}: `
    + 'remove it, or upgrade Pocket-ID. Nothing was changed.');
}

function propOf(key: string): string {
  return PASSWORDS.find((password) => password.key === key)?.names.prop ?? settingSpec(key)?.prop ?? `additionalSettings.${key}`;
}

const SHAPES: ShapeRules = {
  strings: {
    SmtpPasswordSource: 'smtp.password',
    SmtpPasswordField: 'smtp.passwordField',
    SmtpPasswordVersion: 'smtp.passwordVersion',
    LdapBindPasswordSource: 'ldap.bindPassword',
    LdapBindPasswordField: 'ldap.bindPasswordField',
    LdapBindPasswordVersion: 'ldap.bindPasswordVersion',
  },
};

function validateProperties(raw: Record<string, unknown>): string[] {
  const properties = raw as unknown as ApplicationConfigurationProperties;
  const problems = shapeProblems(raw, SHAPES);
  const settings = properties.Settings as unknown;
  if (settings !== undefined && (typeof settings !== 'object' || settings === null || Array.isArray(settings))) {
    return [...problems, 'Settings must be a map of setting names to strings'];
  }
  const entries = Object.entries((settings ?? {}) as Record<string, unknown>);
  problems.push(...entries.filter(([, value]) => typeof value !== 'string').map(([key]) => `${propOf(key)} must be a string`));
  problems.push(...validateApplicationSettings(Object.fromEntries(entries.filter(([, value]) => typeof value === 'string')) as Settings));
  for (const password of PASSWORDS) {
    if (properties[password.source] === '') problems.push(`${password.names.prop} must name a Secrets Manager secret (${password.source} is empty)`);
  }
  return problems;
}

function featuresUsed(properties: ApplicationConfigurationProperties): FeatureUse[] {
  const settings = properties.Settings ?? {};
  return AUTO_CREATE_CLIENT_SECRET_KEY in settings ? [{ prop: 'autoCreateOidcClientSecret', feature: 'AUTO_CREATE_CLIENT_SECRET_SETTING' }] : [];
}
