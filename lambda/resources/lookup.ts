import { LookupAttributes, LookupKind, LookupProperties } from '../../lib/contract';
import { CreateEvent, DeleteEvent, HandlerResult, OperationContext, ResourceHandler, UpdateEvent } from '../resource';

/** Where each kind of entity is listed, what its name is, and when a name counts as the same. */
interface KindSpec {
  readonly label: string;
  readonly listPath: string;
  readonly nameOf: (entity: Record<string, unknown>) => unknown;
  readonly sameName: (actual: string, wanted: string) => boolean;
  /** Said when nothing matches: how the name is compared. */
  readonly matchRule: string;
}

const exactly = (actual: string, wanted: string) => actual === wanted;

const KINDS: Readonly<Record<string, KindSpec>> = {
  [LookupKind.USER]: {
    label: 'user',
    listPath: '/api/users',
    nameOf: (user) => user.username,
    // Pocket-ID keeps usernames unique ignoring case, so this still finds at most one.
    sameName: (actual, wanted) => actual.toLowerCase() === wanted.toLowerCase(),
    matchRule: 'the username, ignoring case',
  },
  [LookupKind.USER_GROUP]: {
    label: 'user group',
    listPath: '/api/user-groups',
    nameOf: (group) => group.name,
    sameName: exactly,
    matchRule: 'the group name (not the friendly name), exactly',
  },
  [LookupKind.OIDC_CLIENT]: {
    label: 'OIDC client',
    listPath: '/api/oidc/clients',
    nameOf: (client) => client.name,
    sameName: exactly,
    matchRule: 'the client name, exactly',
  },
  [LookupKind.API]: {
    label: 'API',
    listPath: '/api/apis',
    // An API is looked up by its resource (the audience), which Pocket-ID keeps unique; search matches it too
    nameOf: (api) => api.resource,
    sameName: exactly,
    matchRule: 'the resource, exactly',
  },
};

interface Entity {
  readonly id: string;
  readonly name: string;
}

/**
 * Finds one existing entity by name. The physical id is the entity's id: when the name leads to
 * another entity on a later deploy, CloudFormation takes the lookup for replaced and sends a Delete
 * for the old id, which, like every Delete of a lookup, does nothing.
 */
export const lookup: ResourceHandler = {
  ownsNothing: true,
  validate: validateProperties,

  async create(event: CreateEvent, context: OperationContext): Promise<HandlerResult> {
    return find(event.ResourceProperties as unknown as LookupProperties, context);
  },

  async update(event: UpdateEvent, context: OperationContext): Promise<HandlerResult> {
    return find(event.ResourceProperties as unknown as LookupProperties, context);
  },

  async delete(event: DeleteEvent, context: OperationContext): Promise<HandlerResult> {
    context.logger.info('a lookup owns nothing: nothing to delete');
    return { PhysicalResourceId: event.PhysicalResourceId };
  },
};

async function find(properties: LookupProperties, context: OperationContext): Promise<HandlerResult> {
  const kind = KINDS[properties.Kind];
  const matches = await entitiesNamed(kind, properties.Name, context);
  const where = `in Pocket-ID at ${properties.BaseUrl.replace(/\/+$/, '')}`;
  if (matches.length === 0 && properties.Kind === LookupKind.API) {
    throw new Error(`Lookup: no API has the resource '${properties.Name}' ${where} (compared: ${kind.matchRule}). Check the resource, or create the API first`);
  }
  if (matches.length === 0) {
    throw new Error(`Lookup: no ${kind.label} named '${properties.Name}' ${where} (compared: ${kind.matchRule}). Check the name, or create the ${kind.label} first`);
  }
  if (matches.length > 1) {
    throw new Error(`Lookup: ${matches.length} ${kind.label}s are named '${properties.Name}' ${where} (ids ${listIds(matches)}): `
      + `a lookup needs a name that only one ${kind.label} has. Rename the others, or refer to the ${kind.label} by its id`);
  }
  const [found] = matches;
  context.logger.info(`found the ${kind.label}`, { id: found.id });
  const data: LookupAttributes = { Id: found.id, Name: found.name };
  return { PhysicalResourceId: found.id, Data: { ...data } };
}

/** Pocket-ID's search matches parts of names (and, for users, emails and first and last names): every page is read, then filtered. */
async function entitiesNamed(kind: KindSpec, name: string, context: OperationContext): Promise<Entity[]> {
  const candidates = await context.api.list<Record<string, unknown>>(`Find the ${kind.label} named '${name}'`, kind.listPath, { search: name });
  return candidates
    .map((entity) => ({ id: entity.id, name: kind.nameOf(entity) }))
    .filter((entity): entity is Entity => typeof entity.id === 'string' && typeof entity.name === 'string' && kind.sameName(entity.name, name));
}

function validateProperties(raw: Record<string, unknown>): string[] {
  const properties = raw as unknown as LookupProperties;
  const problems: string[] = [];
  if (!Object.keys(KINDS).includes(properties.Kind)) {
    problems.push(`kind must be one of ${Object.keys(KINDS).join(', ')} (got ${JSON.stringify(properties.Kind)})`);
  }
  if (typeof properties.Name !== 'string' || properties.Name.trim() === '') problems.push('name must not be empty');
  return problems;
}

function listIds(entities: readonly Entity[]): string {
  const MAX_SHOWN = 10;
  const shown = entities.slice(0, MAX_SHOWN).map((entity) => entity.id).join(', ');
  return entities.length > MAX_SHOWN ? `${shown} and ${entities.length - MAX_SHOWN} more` : shown;
}
