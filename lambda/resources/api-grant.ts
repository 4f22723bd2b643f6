import { ApiGrantAttributes, ApiGrantProperties } from '../../lib/contract';
import { validateApiGrant } from '../../lib/private/validation';
import { PocketIdApiError } from '../errors';
import { readEntity } from '../lifecycle';
import { listOf, readBoolean, readStringList, sameSet, shapeProblems } from '../properties';
import { CreateEvent, DeleteEvent, HandlerResult, OperationContext, ResourceHandler, UpdateEvent, withCompensation } from '../resource';
import { API_PLACE, apiPath, permissionsOf, PocketIdApi } from './api';

/**
 * One client's access to one API: the whole grant of the pair, which Pocket-ID replaces with one PUT.
 * This resource is its only writer. Create takes over a grant made in Pocket-ID's UI (and puts it
 * back as it was if the Create fails); Delete takes the client's access to the API away.
 */

/** A grant as Pocket-ID holds it (apiClientGrantDto): permission ids, not keys. */
interface Grant {
  readonly userDelegatedAccess: boolean;
  readonly clientAccess: boolean;
  readonly userDelegatedPermissionIds: string[];
  readonly clientPermissionIds: string[];
}

const NO_GRANT: Grant = Object.freeze({ userDelegatedAccess: false, clientAccess: false, userDelegatedPermissionIds: [], clientPermissionIds: [] });

/** Which (API, client) pair a physical id names: `<apiId>/<clientId>` (API ids are UUIDs, client ids have no '/'). */
interface Pair {
  readonly apiId: string;
  readonly clientId: string;
}

export const apiGrant: ResourceHandler = {
  validate: validateProperties,

  async create(event: CreateEvent, context: OperationContext): Promise<HandlerResult> {
    return writeGrant(event.ResourceProperties as unknown as ApiGrantProperties, context);
  },

  async update(event: UpdateEvent, context: OperationContext): Promise<HandlerResult> {
    const properties = event.ResourceProperties as unknown as ApiGrantProperties;
    const previous = event.OldResourceProperties as unknown as ApiGrantProperties;
    if (properties.ApiId !== previous.ApiId || properties.ClientId !== previous.ClientId) {
      // Another pair (the API was replaced, say): its grant is written; CloudFormation's Delete then ends the old one
      context.logger.info('the grant is for another API or client now: writing that one', { apiId: properties.ApiId, clientId: properties.ClientId });
    }
    return writeGrant(properties, context);
  },

  async delete(event: DeleteEvent, context: OperationContext): Promise<HandlerResult> {
    const pair = pairOf(event.PhysicalResourceId);
    const path = grantPath(pair);
    const isGone = async () => isEmpty(await readGrant(pair, context).catch((error) => (isGoneError(error) ? NO_GRANT : Promise.reject(error))));
    // A 404 of the API or the client means the grant went with it: done
    const deleted = await context.api.delete('Remove API access of OIDC client', path, isGone);
    context.logger.info(deleted ? 'removed the client\'s access to the API' : 'the API or the client was already gone', { ...pair });
    return { PhysicalResourceId: event.PhysicalResourceId };
  },
};

/** Brings the pair's grant to the properties, and puts back what was there if anything fails. */
async function writeGrant(properties: ApiGrantProperties, context: OperationContext): Promise<HandlerResult> {
  const pair = { apiId: properties.ApiId, clientId: properties.ClientId };
  return withCompensation(context, async (operation) => {
    const held = await readApi(pair.apiId, operation);
    const wanted = wantedGrant(properties, held);
    const current = await readGrant(pair, operation);
    if (sameGrant(current, wanted)) {
      operation.logger.info('the grant already holds what is declared', { ...pair });
    } else {
      operation.undo.add(`the previous API access of OIDC client ${pair.clientId} on API ${pair.apiId}`, () => restoreGrant(pair, current, operation), {
        requests: 2,
        isUndone: async () => sameGrant(await readGrant(pair, operation), current),
      });
      const applied = await putGrant(pair, wanted, operation);
      checkApplied(pair, wanted, applied);
      operation.logger.info(isEmpty(current) ? 'gave the client access to the API' : 'changed the client\'s access to the API', { ...pair });
    }
    const data: ApiGrantAttributes = { ApiId: pair.apiId, ClientId: pair.clientId };
    return { PhysicalResourceId: `${pair.apiId}/${pair.clientId}`, Data: { ...data } };
  });
}

/** The declared grant in Pocket-ID's terms: keys mapped to the API's permission ids; a permission implies access of its kind. */
function wantedGrant(properties: ApiGrantProperties, held: PocketIdApi): Grant {
  const permissions = permissionsOf(held);
  const idsOf = (field: string, keys: string[]) => keys.map((key, index) => {
    const found = permissions.find((p) => p.key === key);
    if (!found) {
      throw new Error(`ApiGrant: ${field}[${index}] '${key}' is not a permission of API ${held.id} (${held.resource}); it has: `
        + `${permissions.length > 0 ? permissions.map((p) => p.key).join(', ') : 'none'}. Declare the permission on the API, or remove it from the grant`);
    }
    return found.id;
  });
  const userDelegatedPermissionIds = idsOf('userDelegatedPermissions', readStringList(properties.UserDelegatedPermissionKeys) ?? []);
  const clientPermissionIds = idsOf('clientPermissions', readStringList(properties.ClientPermissionKeys) ?? []);
  return {
    userDelegatedAccess: readBoolean(properties.UserDelegatedAccess) === true || userDelegatedPermissionIds.length > 0,
    clientAccess: readBoolean(properties.ClientAccess) === true || clientPermissionIds.length > 0,
    userDelegatedPermissionIds,
    clientPermissionIds,
  };
}

/**
 * Pocket-ID answers with the grant it stored, which can differ from the request without an error: a
 * public client gets no client-credentials access, and permission ids that are no longer the API's
 * are dropped. Either fails the operation (and its undo puts the grant back).
 */
function checkApplied(pair: Pair, wanted: Grant, applied: Grant): void {
  if (wanted.clientAccess && !applied.clientAccess) {
    throw new Error(`ApiGrant: OIDC client ${pair.clientId} is public: Pocket-ID gives a public client no client-credentials access, so it dropped clientAccess `
      + `and clientPermissions (PUT ${grantPath(pair)} answered clientAccess false). Make the client confidential (isPublic: false), or grant only user-delegated access`);
  }
  if (!sameGrant(applied, wanted)) {
    throw new Error(`ApiGrant: Pocket-ID did not keep the declared grant of OIDC client ${pair.clientId} on API ${pair.apiId} (PUT ${grantPath(pair)} answered `
      + 'other permissions): were the API\'s permissions changed outside CloudFormation during the deploy? Deploy again');
  }
}

async function readApi(apiId: string, context: OperationContext): Promise<PocketIdApi> {
  const held = await readEntity<PocketIdApi>(context, API_PLACE, apiId);
  if (!held) throw new Error(`ApiGrant: API ${apiId} does not exist in Pocket-ID (GET ${apiPath(apiId)} returned 404): was it deleted outside CloudFormation?`);
  return held;
}

/** The pair's grant, from the client's list of APIs (one request, not paginated); an API the client cannot reach has none. */
async function readGrant(pair: Pair, context: OperationContext): Promise<Grant> {
  const path = `/api/api-access/${encodeURIComponent(pair.clientId)}/apis`;
  let entries: Array<Grant & { api?: { id?: string } }>;
  try {
    entries = await context.api.get('Read the APIs an OIDC client can reach', path);
  } catch (error) {
    if (error instanceof PocketIdApiError && error.isEntityNotFound) {
      throw new Error(`ApiGrant: OIDC client ${pair.clientId} does not exist in Pocket-ID (GET ${path} returned 404): was it deleted outside CloudFormation?`);
    }
    throw error;
  }
  const entry = listOf<Grant & { api?: { id?: string } }>(entries).find((candidate) => candidate.api?.id === pair.apiId);
  return entry ? grantOf(entry) : NO_GRANT;
}

async function putGrant(pair: Pair, grant: Grant, context: OperationContext): Promise<Grant> {
  const answer = await context.api.put<Grant>('Set API access of OIDC client', grantPath(pair), grant, { expect: isGrant });
  return grantOf(answer);
}

/** Puts the grant back as it was: an empty one is Pocket-ID's "no access", which DELETE makes. */
async function restoreGrant(pair: Pair, grant: Grant, context: OperationContext): Promise<void> {
  if (isEmpty(grant)) await context.api.delete('Remove the API access this operation gave', grantPath(pair), async () => isEmpty(await readGrant(pair, context)));
  else await putGrant(pair, grant, context);
}

function grantOf(answer: Grant): Grant {
  return {
    userDelegatedAccess: answer.userDelegatedAccess === true,
    clientAccess: answer.clientAccess === true,
    userDelegatedPermissionIds: listOf<string>(answer.userDelegatedPermissionIds),
    clientPermissionIds: listOf<string>(answer.clientPermissionIds),
  };
}

function isGrant(answer: unknown): boolean {
  const grant = answer as Grant;
  return typeof answer === 'object' && answer !== null && typeof grant.userDelegatedAccess === 'boolean' && typeof grant.clientAccess === 'boolean';
}

function sameGrant(a: Grant, b: Grant): boolean {
  return a.userDelegatedAccess === b.userDelegatedAccess && a.clientAccess === b.clientAccess
    && sameSet(a.userDelegatedPermissionIds, b.userDelegatedPermissionIds) && sameSet(a.clientPermissionIds, b.clientPermissionIds);
}

function isEmpty(grant: Grant): boolean {
  return sameGrant(grant, NO_GRANT);
}

function isGoneError(error: unknown): boolean {
  return error instanceof Error && / does not exist in Pocket-ID /.test(error.message);
}

function pairOf(physicalId: string): Pair {
  const slash = physicalId.indexOf('/');
  return { apiId: physicalId.slice(0, slash), clientId: physicalId.slice(slash + 1) };
}

function grantPath(pair: Pair): string {
  return `${apiPath(pair.apiId)}/clients/${encodeURIComponent(pair.clientId)}`;
}

function validateProperties(raw: Record<string, unknown>): string[] {
  const properties = raw as unknown as ApiGrantProperties;
  const problems = shapeProblems(raw, {
    required: { ApiId: 'api', ClientId: 'client' },
    lists: { UserDelegatedPermissionKeys: 'userDelegatedPermissions', ClientPermissionKeys: 'clientPermissions' },
    booleans: { UserDelegatedAccess: 'userDelegatedAccess', ClientAccess: 'clientAccess' },
  });
  if (problems.length > 0) return problems;
  if (properties.ApiId.includes('/')) problems.push(`api must be an API id (got '${properties.ApiId}')`);
  return [...problems, ...validateApiGrant({
    userDelegatedAccess: readBoolean(properties.UserDelegatedAccess),
    userDelegatedPermissions: readStringList(properties.UserDelegatedPermissionKeys),
    clientAccess: readBoolean(properties.ClientAccess),
    clientPermissions: readStringList(properties.ClientPermissionKeys),
  })];
}
