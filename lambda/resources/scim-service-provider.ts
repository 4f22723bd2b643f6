import { ScimServiceProviderAttributes, ScimServiceProviderProperties } from '../../lib/contract';
import { validateScimServiceProvider } from '../../lib/private/validation';
import { notCreatedRecently } from '../adoption';
import { PocketIdApiError } from '../errors';
import { FieldTable, heldWithout, holdsFields, updateBody } from '../fields';
import { isUncertain } from '../http-client';
import { entityResource, EntityKind, Made, MakeRequest, PocketIdEntity } from '../lifecycle';
import { readBoolean, readString, shapeProblems, ShapeRules } from '../properties';
import { CreateEvent, Operation, OperationContext, ResourceHandler, UpdateEvent } from '../resource';
import { BroughtValue, readBroughtValue } from '../secrets';

/**
 * The properties with the bearer token read from the user's secret. The token lives only in this
 * invocation's memory and its redactor: it is sent to Pocket-ID, compared with what Pocket-ID holds,
 * and never logged or returned.
 */
interface ResolvedProperties extends ScimServiceProviderProperties {
  readonly ResolvedToken: string;
}

/** A provider as Pocket-ID answers it: with the token in clear, and an empty `oidcClient` (not preloaded). */
interface PocketIdScimProvider extends PocketIdEntity {
  readonly endpoint: string;
  readonly token: string;
  /** Not in Pocket-ID's answer: the client it was read through or written to, as the PUT body takes it. */
  readonly oidcClientId: string;
  readonly createdAt?: string;
}

const COLLECTION_PATH = '/api/scim/service-provider';
/** How often, and how far apart, the client is read after a POST whose answer was lost. */
const LOST_ANSWER_READS = 4;
const LOST_ANSWER_SPACING_MS = 1_000;

/** Fields of Pocket-ID's answer that its PUT does not take. */
const READ_ONLY_FIELDS = ['id', 'lastSyncedAt', 'oidcClient', 'createdAt'];

/**
 * Pocket-ID's PUT replaces all three fields (one without a token clears it), so every field is always
 * declared and every PUT carries the token read from the secret.
 */
const FIELDS: FieldTable<ResolvedProperties> = {
  fields: [
    { property: 'Endpoint', api: 'endpoint', read: readString, pocketIdDefault: undefined },
    { property: 'ResolvedToken', api: 'token', read: readString, pocketIdDefault: '' },
    { property: 'ClientId', api: 'oidcClientId', read: readString, pocketIdDefault: undefined },
  ],
  bodyOf: heldWithout(READ_ONLY_FIELDS),
};

/**
 * What a bearer token must be for Pocket-ID to send it: not empty (an empty token sends no
 * Authorization header), no whitespace or control character (Go refuses those in a header), and long
 * enough for the redactor to mask it wherever it could show.
 */
const BROUGHT_TOKEN: BroughtValue = {
  prop: 'token',
  fieldProp: 'tokenField',
  what: 'the bearer token',
  kind: 'a bearer token Pocket-ID can send',
  minLength: 8,
  allows: (character) => !/[\s\x00-\x1f\x7f]/.test(character),
  rule: 'at least 8 characters, without spaces, line breaks or other control characters',
  disallowed: 'spaces or control characters',
};

const PROVIDER: EntityKind<ResolvedProperties, PocketIdScimProvider> = {
  label: 'SCIM service provider',
  idField: 'providerId',
  path: providerPath,
  fields: FIELDS,
  validate: validateProperties,
  onMove: 'new-entity',
  make: makeProvider,
  read: (providerId, previous, context) => readOwnProvider(providerId, previous.ClientId, context),
  // Another provider shown for the client proves nothing about this one.
  isGone: async (_providerId, properties, context) => await readProviderOfClient(properties.ClientId, context) === undefined,
  prepareFields: refuseTakenClient,
  reconcile: async (provider, properties, previous, operation, origin) => {
    if (readBoolean(properties.SyncAfterDeploy) !== true) return;
    if (origin === 'updated' && !changedByUpdate(provider, properties, previous)) return;
    await syncProvider(provider.id, properties, operation);
  },
  data: (providerId) => {
    const data: ScimServiceProviderAttributes = { ProviderId: providerId };
    return { ...data };
  },
  fieldsRestored: async (held, operation) => {
    const now = await readProviderOfClient(held.oidcClientId, operation);
    return now?.id === held.id && holdsFields(FIELDS, now, FIELDS.bodyOf(held));
  },
};

const lifecycle = entityResource(PROVIDER);

/** The shared lifecycle, on the properties with the token read from the user's secret first. */
export const scimServiceProvider: ResourceHandler = {
  validate: validateProperties,
  create: async (event, context) => lifecycle.create(await withToken(event, context), context),
  update: async (event, context) => lifecycle.update(await withToken(event, context), context),
  delete: (event, context) => lifecycle.delete(event, context),
};

/**
 * Reads the bearer token at every Create and Update: Pocket-ID's PUT needs it, whatever changed. A new
 * value alone is not seen (CloudFormation sends no event): tokenVersion is how a deploy is asked for.
 */
async function withToken<E extends CreateEvent | UpdateEvent>(event: E, context: OperationContext): Promise<E> {
  const properties = event.ResourceProperties as unknown as ScimServiceProviderProperties;
  const token = await readBroughtValue(context, { secretId: properties.TokenSecret, field: properties.TokenField }, BROUGHT_TOKEN);
  const resolved: ResolvedProperties = { ...properties, ResolvedToken: token };
  return { ...event, ResourceProperties: resolved as unknown as E['ResourceProperties'] };
}

/**
 * Creates the client's provider, or takes over the one an earlier delivery of this Create made.
 * Pocket-ID allows several providers per client but shows only one (the first by id): a provider this
 * Create did not make (one made in the UI, say, which may feed another application) is never taken
 * over, and the Create fails before it changes anything. Its removal is arranged before the POST, which
 * Pocket-ID does not refuse when repeated, so it is never retried; a lost answer is resolved by reading
 * the client's provider.
 */
async function makeProvider(request: MakeRequest<ResolvedProperties>, operation: Operation): Promise<Made<PocketIdScimProvider>> {
  const { properties } = request;
  const clientId = properties.ClientId;
  const existing = await readProviderOfClient(clientId, operation);
  if (existing) {
    const reason = whyNotFromThisCreate(existing, properties, Date.now());
    if (reason) throw clientTaken(clientId, existing.id, reason);
    operation.logger.info('the SCIM service provider an earlier delivery of this Create made exists: taking it over', { providerId: existing.id });
    arrangeRemoval(clientId, () => existing.id, properties, operation);
    return { entity: existing, adopted: true };
  }
  let madeId: string | undefined;
  arrangeRemoval(clientId, () => madeId, properties, operation);
  const body = FIELDS.bodyOf({ endpoint: properties.Endpoint, token: properties.ResolvedToken, oidcClientId: clientId });
  try {
    const created = await operation.api.post<PocketIdScimProvider>('Create SCIM service provider', COLLECTION_PATH, body, { expect: isProvider });
    operation.redactor.add(created.token);
    madeId = created.id;
    return { entity: { ...created, oidcClientId: clientId }, adopted: false };
  } catch (error) {
    if (!isUncertain(error)) throw error;
    const found = await findAfterLostAnswer(clientId, properties, operation);
    if (!found) throw error;
    operation.logger.info('the answer to the POST was lost, but Pocket-ID made the SCIM service provider: taking it over', { providerId: found.id });
    madeId = found.id;
    return { entity: found, adopted: false };
  }
}

/**
 * The provider a POST whose answer was lost made, if it did. Pocket-ID may still be working on a POST
 * whose answer timed out: the client is read again, a few times over a few seconds, before the POST
 * counts as not made (the POST is not repeated: Pocket-ID would make a second provider).
 */
async function findAfterLostAnswer(
  clientId: string,
  properties: ResolvedProperties,
  context: OperationContext,
): Promise<PocketIdScimProvider | undefined> {
  for (let read = 1; ; read++) {
    const found = await readProviderOfClient(clientId, context).catch(() => undefined);
    if (found && !whyNotFromThisCreate(found, properties, Date.now())) return found;
    if (found || read >= LOST_ANSWER_READS || Date.now() + LOST_ANSWER_SPACING_MS >= context.budget.deadline()) return undefined;
    await new Promise((resolve) => setTimeout(resolve, LOST_ANSWER_SPACING_MS));
  }
}

/**
 * Removes, if the Create fails, the provider it made or took over; `made` names it once known. Before
 * then (a POST whose answer was lost), it is the client's provider, when that can be this Create's.
 */
function arrangeRemoval(clientId: string, made: () => string | undefined, properties: ResolvedProperties, operation: Operation): void {
  const ours = async () => {
    const found = await readProviderOfClient(clientId, operation);
    if (!found) return undefined;
    const id = made();
    return (id === undefined ? !whyNotFromThisCreate(found, properties, Date.now()) : found.id === id) ? found.id : undefined;
  };
  operation.undo.add(`SCIM service provider of OIDC client ${clientId}`, async () => {
    const id = made() ?? await ours();
    if (id !== undefined) await operation.api.delete('Remove the partly created SCIM service provider', providerPath(id), async () => await ours() === undefined);
  }, { requests: 3, isUndone: async () => await ours() === undefined });
}

/**
 * Why the provider cannot be the work of an earlier delivery of this Create, or undefined when it can:
 * the declared endpoint and token, created within the adoption window.
 */
function whyNotFromThisCreate(provider: PocketIdScimProvider, properties: ResolvedProperties, now: number): string | undefined {
  if (provider.endpoint !== properties.Endpoint) return `its endpoint is '${provider.endpoint}'`;
  if (provider.token !== properties.ResolvedToken) return 'it holds another bearer token';
  return notCreatedRecently(provider.createdAt, now);
}

function clientTaken(clientId: string, providerId: string, reason: string): Error {
  return new Error(`SCIM service provider: OIDC client ${clientId} already has the SCIM service provider ${providerId}, which this resource did not `
    + `create (${reason}). Pocket-ID would keep both and show only one of them, so nothing was changed. Remove that provider in Pocket-ID `
    + '(the client\'s SCIM settings) and deploy again, or declare no ScimServiceProvider for this client');
}

/** Before a move to another client: that client must have no provider of its own. */
async function refuseTakenClient(held: PocketIdScimProvider, properties: ResolvedProperties, operation: Operation): Promise<PocketIdScimProvider> {
  if (properties.ClientId === held.oidcClientId) return held;
  const there = await readProviderOfClient(properties.ClientId, operation);
  if (there && there.id !== held.id) throw clientTaken(properties.ClientId, there.id, 'it is not the provider this resource moves there');
  return held;
}

/** Whether the update writes the provider (or just turned syncAfterDeploy on): only then does it ask for a sync. */
function changedByUpdate(held: PocketIdScimProvider, properties: ResolvedProperties, previous: Partial<ResolvedProperties>): boolean {
  if (readBoolean(previous.SyncAfterDeploy) !== true) return true;
  return !holdsFields(FIELDS, held, updateBody(FIELDS, held, properties, previous));
}

/**
 * Has Pocket-ID sync the provider now. Pocket-ID answers 200 with an empty body, or 500 when any request
 * to the SCIM endpoint failed (it logs which, as "SCIM request failed"). A failed sync fails the
 * operation, so the provider change is undone like any other failure.
 */
async function syncProvider(providerId: string, properties: ResolvedProperties, context: OperationContext): Promise<void> {
  const path = `${providerPath(providerId)}/sync`;
  try {
    await context.api.post('Sync SCIM service provider', path, undefined, { repeatable: true });
    context.logger.info('Pocket-ID synced the SCIM service provider', { providerId });
  } catch (error) {
    if (!(error instanceof PocketIdApiError && error.status === 500)) throw error;
    const requestId = error.requestId ?? error.body?.request_id;
    throw new Error(`syncAfterDeploy: the SCIM sync to ${properties.Endpoint} failed: POST ${path} returned 500 ${error.code ?? ''}`.trimEnd()
      + `${requestId ? ` (Pocket-ID request id ${requestId})` : ''}, so at least one request to the SCIM endpoint failed or was refused (a wrong `
      + 'token, an endpoint Pocket-ID cannot reach, a user or group the endpoint would not take). Pocket-ID logs each as "SCIM request failed". '
      + 'This deploy undoes the provider change; what the sync already wrote at the endpoint stays there. Fix the endpoint or the token '
      + '(or set syncAfterDeploy to false) and deploy again');
  }
}

/**
 * The provider Pocket-ID shows for the client (the first by id, when it holds several); undefined on
 * its structured not-found, which it also answers for a client that does not exist. Its token goes to
 * the redactor at once.
 */
async function readProviderOfClient(clientId: string, context: OperationContext): Promise<PocketIdScimProvider | undefined> {
  const path = `/api/oidc/clients/${encodeURIComponent(clientId)}/scim-service-provider`;
  try {
    const found = await context.api.get<PocketIdScimProvider>('Read the SCIM service provider of OIDC client', path);
    if (!isProvider(found)) {
      throw new Error(`Read the SCIM service provider of OIDC client: GET ${path} returned an unexpected answer (not a SCIM service provider). `
        + 'Is baseUrl a Pocket-ID 2.14 or newer, without a proxy rewriting responses?');
    }
    context.redactor.add(found.token);
    return { ...found, oidcClientId: clientId };
  } catch (error) {
    if (error instanceof PocketIdApiError && error.isEntityNotFound) return undefined;
    throw error;
  }
}

/**
 * The provider an update starts from, read through the client it was on; undefined when it is gone
 * (deleted outside CloudFormation, or with its client). When Pocket-ID shows another provider for that
 * client, whether this one still exists cannot be told: that is an error.
 */
async function readOwnProvider(providerId: string, clientId: string, context: OperationContext): Promise<PocketIdScimProvider | undefined> {
  const found = await readProviderOfClient(clientId, context);
  if (!found || found.id === providerId) return found;
  throw new Error(`Read SCIM service provider ${providerId}: OIDC client ${clientId} shows the SCIM service provider ${found.id} instead: Pocket-ID `
    + 'holds more than one for the client (one made outside CloudFormation?) and shows only one. Remove the other one in Pocket-ID and deploy again');
}

function isProvider(answer: unknown): answer is PocketIdScimProvider {
  const provider = answer as PocketIdScimProvider | null;
  return typeof provider === 'object' && provider !== null && typeof provider.id === 'string' && typeof provider.endpoint === 'string'
    && typeof provider.token === 'string';
}

function providerPath(providerId: string): string {
  return `${COLLECTION_PATH}/${encodeURIComponent(providerId)}`;
}

/** What CloudFormation must deliver for each property, named as the construct's props are. */
const SHAPES: ShapeRules = {
  required: { ClientId: 'client', Endpoint: 'endpoint', TokenSecret: 'token' },
  strings: { TokenField: 'tokenField', TokenVersion: 'tokenVersion' },
  booleans: { SyncAfterDeploy: 'syncAfterDeploy' },
};

function validateProperties(raw: Record<string, unknown>): string[] {
  const properties = raw as unknown as ScimServiceProviderProperties;
  const problems = shapeProblems(raw, SHAPES);
  if (properties.ClientId === '') problems.push('client must be an OIDC client (ClientId is empty)');
  if (properties.TokenSecret === '') problems.push('token must name a Secrets Manager secret (TokenSecret is empty)');
  problems.push(...validateScimServiceProvider({ endpoint: readString(properties.Endpoint), tokenField: readString(properties.TokenField) }));
  return problems;
}
