import type { Context } from 'aws-lambda';
import {
  ClientSecretInfo,
  createClientSecret,
  expiryOf,
  forgetSecretId,
  generateSecretValue,
  holdsValue,
  isLive,
  listClientSecrets,
  MAX_CLIENT_SECRETS,
  ownedSecretIds,
  recordedSecretIds,
  recordSecretId,
  revokeClientSecret,
  secretMadeFrom,
} from './client-secrets';
import { validateConnection } from './connection';
import { InputError } from './errors';
import { runInvocation, withConnection } from './invocation';
import { assertSupportedMajor } from './release';
import { OperationContext } from './resource';
import { ClientCredentials, credentialsOf, parseCredentials, SecretVersionInfo } from './secrets';
import { ROTATION_SETTINGS_ENV, RotationSettings, SUPPORTED_CONTRACT_VERSIONS } from '../lib/contract';
import { parseJsonObject } from '../lib/private/json';

/** What Secrets Manager sends a rotation function, once per step. */
export interface RotationEvent {
  readonly Step: string;
  readonly SecretId: string;
  readonly ClientRequestToken: string;
}

const STEPS: Record<string, (rotation: Rotation) => Promise<void>> = {
  createSecret,
  setSecret,
  testSecret,
  finishSecret,
};

/** One step of one rotation: the secret, the version it makes, the policy, and the connection. */
interface Rotation {
  readonly secretArn: string;
  readonly token: string;
  readonly settings: RotationSettings;
  readonly context: OperationContext;
}

/**
 * The entry point Secrets Manager invokes to rotate a client's secret. Every step may be repeated and
 * picks up what an earlier attempt left: createSecret stores the new value as AWSPENDING before
 * Pocket-ID holds it, so no live secret is ever unstored; finishSecret alone moves AWSCURRENT.
 */
export async function rotate(event: RotationEvent, lambdaContext?: Context): Promise<void> {
  const settings = readSettings(process.env[ROTATION_SETTINGS_ENV]);
  const logFields = { step: event?.Step, secretId: event?.SecretId, version: event?.ClientRequestToken };
  const describe = (message: string) => `${event?.Step ?? 'rotation'} of secret ${event?.SecretId}: ${message}`;
  await runInvocation(settings?.LogLevel, logFields, lambdaContext, async (tools) => {
    const step = STEPS[event?.Step];
    if (!step) throw new Error(`Unknown rotation step ${JSON.stringify(event?.Step)}: expected one of ${Object.keys(STEPS).join(', ')}`);
    const problems = settingsProblems(settings);
    if (problems.length > 0) throw new InputError(`The rotation function's ${ROTATION_SETTINGS_ENV}`, problems);
    tools.logger.info('starting');
    await withConnection(settings!, tools, async (connection, contextAt) => {
      assertSupportedMajor(connection.release, settings!.BaseUrl);
      await step({ secretArn: event.SecretId, token: event.ClientRequestToken, settings: settings!, context: contextAt(connection.release) });
    });
    tools.logger.info('finished');
  }, describe);
}

/**
 * Makes the new secret: revokes what this library made that nobody may use any more, stores a new value
 * as AWSPENDING, then has Pocket-ID hold it. A rotation refused before anything was sent ends cleanly.
 */
async function createSecret(rotation: Rotation): Promise<void> {
  const state = await readState(rotation, ['current', 'previous', 'pending']);
  if (!state) return;
  if (state.pending.value !== undefined) {
    await putInPocketId(rotation, state, pendingCredentials(state));
    return;
  }
  let sent = false;
  try {
    const { credentials, remaining } = await prepareNewSecret(rotation, state);
    sent = true;
    await putInPocketId(rotation, state, credentials, remaining);
  } catch (error) {
    if (!sent) await endRotation(rotation);
    throw error;
  }
}

/**
 * Revokes what nobody may use any more, then stores a new value as AWSPENDING (nothing in Pocket-ID
 * holds it yet). Refuses first when a rotation now would leave three live secrets, or more than 20.
 */
async function prepareNewSecret(rotation: Rotation, state: RotationState): Promise<NewValue> {
  const current = currentCredentials(state);
  const { context } = rotation;
  const listed = await listClientSecrets(current.clientId, context);
  const overlapEnds = state.current.createdAt + Number(rotation.settings.OverlapSeconds) * 1000;
  const inOverlap = Date.now() < overlapEnds;
  const previous = previousCredentials(state, current);
  const works = (credentials: ClientCredentials | undefined) => (secret: ClientSecretInfo) =>
    credentials !== undefined && isLive(secret) && holdsValue(secret, credentials.clientSecret);
  if (listed.some(works(current)) && listed.some(works(previous)) && inOverlap) {
    throw new Error(`the secret AWSCURRENT replaced keeps working until ${new Date(overlapEnds).toISOString()} (the overlap): a rotation now `
      + 'would leave three of the client\'s secrets live. Rotate after that time. Nothing was changed');
  }
  const keep = (secret: ClientSecretInfo) => works(current)(secret) || (inOverlap && works(previous)(secret));
  const remaining = await revokeUnused(rotation, state, listed, keep);
  if (remaining.length >= MAX_CLIENT_SECRETS) {
    throw new Error(`OIDC client ${current.clientId} holds ${remaining.length} secrets that this library did not make or still needs, and Pocket-ID `
      + `keeps at most ${MAX_CLIENT_SECRETS}: revoke some in Pocket-ID, or set exclusiveSecrets`);
  }
  // The issuer comes from the function's settings, which a deploy updates, as the client resource's properties.
  const pending = credentialsOf(current.clientId, generateSecretValue(remaining), rotation.settings);
  context.redactor.add(pending.clientSecret);
  await context.secrets.writeVersion(rotation.secretArn, rotation.token, JSON.stringify(pending), ['AWSPENDING']);
  return { credentials: pending, remaining };
}

/** A value stored as AWSPENDING, and the client's secrets left once the unused were revoked. */
interface NewValue {
  readonly credentials: ClientCredentials;
  readonly remaining: ClientSecretInfo[];
}

/**
 * Ends a rotation that made nothing in Pocket-ID: its version leaves AWSPENDING, as Secrets Manager
 * asks of a rotation that ends, so that the next one can start.
 */
async function endRotation(rotation: Rotation): Promise<void> {
  try {
    await rotation.context.secrets.moveStage(rotation.secretArn, 'AWSPENDING', { from: rotation.token });
  } catch (error) {
    rotation.context.logger.warn('could not take AWSPENDING off the version of a rotation that made nothing', { error: (error as Error).message });
  }
}

/** Pocket-ID holds the pending secret once createSecret ran; a repeat makes sure it does. */
async function setSecret(rotation: Rotation): Promise<void> {
  const state = await readState(rotation, ['pending']);
  if (state) await putInPocketId(rotation, state, pendingCredentials(state));
}

/** The pending secret must authenticate at Pocket-ID's token endpoint before apps may get it. */
async function testSecret(rotation: Rotation): Promise<void> {
  const state = await readState(rotation, ['pending']);
  if (!state) return;
  const pending = pendingCredentials(state);
  if (!await rotation.context.api.authenticatesClient(pending.clientId, pending.clientSecret)) {
    throw new Error(`the new secret of OIDC client ${pending.clientId} does not authenticate at Pocket-ID's token endpoint (401 invalid_client): `
      + 'was it revoked in Pocket-ID meanwhile? AWSCURRENT was left as it was; rotate again');
  }
}

/** Makes the pending version AWSCURRENT; the version it leaves becomes AWSPREVIOUS and keeps working for the overlap. */
async function finishSecret(rotation: Rotation): Promise<void> {
  const state = await readState(rotation, []);
  if (!state) return;
  await rotation.context.secrets.moveStage(rotation.secretArn, 'AWSCURRENT', { to: rotation.token, from: state.current.versionId });
}

/**
 * Revokes the client's secrets that this library made (recorded by id, or the values its versions
 * hold) and that `keep` does not need, or every one of them `keep` does not need when the client's
 * secrets are exclusive; forgets the records of secrets that are gone. Returns the secrets left.
 */
async function revokeUnused(
  rotation: Rotation,
  state: RotationState,
  listed: ClientSecretInfo[],
  keep: (secret: ClientSecretInfo) => boolean,
): Promise<ClientSecretInfo[]> {
  const { context } = rotation;
  const clientId = currentCredentials(state).clientId;
  const exclusive = rotation.settings.ExclusiveSecrets === 'true';
  const owned = ownedSecretIds(state.recorded, [state.current.credentials?.clientSecret, state.previous?.credentials?.clientSecret], listed);
  const remaining: ClientSecretInfo[] = [];
  for (const secret of listed) {
    if (keep(secret) || !(exclusive || owned.has(secret.id))) {
      remaining.push(secret);
      continue;
    }
    await revokeClientSecret(clientId, secret.id, context);
    context.logger.info('revoked a client secret nobody may use any more', { clientId, secretId: secret.id });
  }
  const listedIds = new Set(remaining.map((secret) => secret.id));
  for (const [secretId, versionId] of state.recorded) {
    if (!listedIds.has(secretId)) await forgetGoneSecret(rotation, versionId, secretId);
  }
  return remaining;
}

/** Drops the record of a secret Pocket-ID no longer holds; a record left behind is only untidy, so its failure fails nothing. */
async function forgetGoneSecret(rotation: Rotation, versionId: string, secretId: string): Promise<void> {
  try {
    await forgetSecretId(rotation.context.secrets, rotation.secretArn, versionId, secretId);
  } catch (error) {
    rotation.context.logger.warn('could not drop the record of a revoked client secret', { secretId, error: (error as Error).message });
  }
}

/**
 * Has Pocket-ID hold the pending value, once: a secret recorded for the version, or one listed with its
 * prefix (an earlier attempt whose answer was lost), is it already. Then records its id on the version.
 */
async function putInPocketId(rotation: Rotation, state: RotationState, pending: ClientCredentials, listed?: ClientSecretInfo[]): Promise<void> {
  const { context, secretArn, token } = rotation;
  const secrets = listed ?? await listClientSecrets(pending.clientId, context);
  const recordedHere = [...state.recorded].filter(([, versionId]) => versionId === token).map(([secretId]) => secretId);
  if (recordedHere.some((secretId) => secrets.some((secret) => secret.id === secretId))) return;
  const recordedIds = new Set(state.recorded.keys());
  const earlier = secretMadeFrom(secrets.filter((secret) => !recordedIds.has(secret.id)), pending.clientSecret);
  const expiresAt = expiryOf(optionalSeconds(rotation.settings.SecretLifetimeSeconds));
  const secretId = earlier?.id ?? (await createClientSecret(pending.clientId, { secret: pending.clientSecret, expiresAt }, context)).id;
  await recordSecretId(context.secrets, secretArn, token, secretId);
  context.logger.info('Pocket-ID holds the pending client secret', { clientId: pending.clientId, secretId });
}

/** A version of the secret, with its value when it was read. */
interface StoredVersion extends SecretVersionInfo {
  readonly value?: string;
  readonly credentials?: ClientCredentials;
}

/** The secret's versions as the step finds them. */
interface RotationState {
  readonly current: StoredVersion;
  readonly previous?: StoredVersion;
  readonly pending: StoredVersion;
  /** Pocket-ID secret id → the version recorded as holding it. */
  readonly recorded: Map<string, string>;
}

/** The versions whose values a step reads. */
type Reading = 'current' | 'previous' | 'pending';

/**
 * Reads the versions the step works with, and the values of those in `reading`; undefined when the
 * rotation is already done (the token's version is AWSCURRENT), so that a repeated step changes nothing.
 */
async function readState(rotation: Rotation, reading: readonly Reading[]): Promise<RotationState | undefined> {
  const { secrets } = rotation.context;
  const versions = await secrets.versions(rotation.secretArn);
  const pending = versions.find((version) => version.versionId === rotation.token);
  if (pending?.stages.includes('AWSCURRENT')) {
    rotation.context.logger.info('the version is AWSCURRENT already: nothing to do');
    return undefined;
  }
  if (!pending?.stages.includes('AWSPENDING')) {
    throw new Error(`version ${rotation.token} is not AWSPENDING: another rotation took over, or this one was not started by Secrets Manager. Nothing was changed`);
  }
  const current = versions.find((version) => version.stages.includes('AWSCURRENT'));
  if (!current) throw new Error('the secret has no AWSCURRENT version. Nothing was changed');
  const previous = versions.find((version) => version.stages.includes('AWSPREVIOUS'));
  const read = async (version: SecretVersionInfo, which: Reading): Promise<StoredVersion> => {
    if (!reading.includes(which)) return version;
    const value = await secrets.readVersion(rotation.secretArn, version.versionId);
    const credentials = value === undefined ? undefined : parseCredentials(value);
    rotation.context.redactor.add(credentials?.clientSecret);
    return { ...version, value, credentials };
  };
  return {
    current: await read(current, 'current'),
    previous: previous ? await read(previous, 'previous') : undefined,
    pending: await read(pending, 'pending'),
    recorded: recordedSecretIds(versions),
  };
}

function currentCredentials(state: RotationState): ClientCredentials {
  if (!state.current.credentials) {
    throw new Error('AWSCURRENT holds no client credentials (clientId, clientSecret): has the OidcClient resource been deployed? Nothing was changed');
  }
  return state.current.credentials;
}

/** The secret AWSPREVIOUS holds, when it is another secret of the same client (not the same one under another issuer). */
function previousCredentials(state: RotationState, current: ClientCredentials): ClientCredentials | undefined {
  const previous = state.previous?.credentials;
  return previous?.clientId === current.clientId && previous.clientSecret !== current.clientSecret ? previous : undefined;
}

function pendingCredentials(state: RotationState): ClientCredentials {
  const pending = state.pending.credentials;
  if (!pending) throw new Error('the AWSPENDING version holds no client credentials: createSecret has not run for it. Nothing was changed');
  const current = state.current.credentials;
  if (current && pending.clientId !== current.clientId) {
    throw new Error(`the AWSPENDING version is for OIDC client ${pending.clientId}, but AWSCURRENT for ${current.clientId}. Nothing was changed`);
  }
  return pending;
}

function readSettings(text: string | undefined): RotationSettings | undefined {
  return text === undefined ? undefined : parseJsonObject(text) as RotationSettings | undefined;
}

function settingsProblems(settings: RotationSettings | undefined): string[] {
  if (!settings) return [`${ROTATION_SETTINGS_ENV} must hold the rotation settings as a JSON object (the OidcClient construct sets it)`];
  const problems = validateConnection(settings);
  if (!SUPPORTED_CONTRACT_VERSIONS.includes(settings.ContractVersion)) {
    problems.push(`settings written by an unknown cdk-pocket-id contract version ${settings.ContractVersion}: update cdk-pocket-id`);
  }
  if (optionalSeconds(settings.OverlapSeconds) === undefined) problems.push('OverlapSeconds must be a whole number of seconds');
  if (settings.SecretLifetimeSeconds !== undefined && optionalSeconds(settings.SecretLifetimeSeconds) === undefined) {
    problems.push('SecretLifetimeSeconds must be a whole number of seconds');
  }
  return problems;
}

function optionalSeconds(value: string | undefined): number | undefined {
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}
