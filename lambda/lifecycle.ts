import { createHash } from 'crypto';
import { baseUrlChanged, compareInstances, InstanceIdentity, normalizedBaseUrl } from './connection';
import { PocketIdApiError, UnexpectedResponseError } from './errors';
import { declaredFields, FieldTable, holdsFields, sameJson, updateBody } from './fields';
import { deterministicUuid } from './ids';
import { readBoolean } from './properties';
import { FeatureUse } from './release';
import { CreateEvent, DeleteEvent, HandlerResult, Operation, OperationContext, ResourceHandler, UpdateEvent, withCompensation } from './resource';
import { CommonProperties } from '../lib/contract';

/**
 * The one lifecycle of every Pocket-ID entity a resource owns (clients, users, groups): Create makes the
 * entity, takes over the one an earlier delivery of the same event made, or (AdoptExisting) adopts the
 * one made outside the stack that holds its natural key; Update is read-modify-write,
 * a replacement when the fixed id changes, a re-creation when the entity was deleted outside
 * CloudFormation, a move when the base URL leads to another Pocket-ID; Delete removes it, Pocket-ID's
 * structured not-found counting as done. Whatever step fails, what the operation changed is undone
 * (Compensation) before the error goes to CloudFormation. A resource module states only what is its own.
 */

/** An entity as Pocket-ID returns it; only the id is typed here. */
export interface PocketIdEntity {
  readonly id: string;
  readonly [field: string]: unknown;
}

/**
 * How the operation came to have the entity: made by it, made by an earlier delivery of the same
 * event (or an earlier deployment), taken over from outside the stack by its natural key
 * (AdoptExisting), or held already (an update).
 */
export type Origin = 'created' | 'redelivered' | 'adopted' | 'updated';

/** What a Create (or the creating branch of an Update) asks of the resource module's `make`. */
export interface MakeRequest<P> {
  /** The id to create the entity with; undefined when Pocket-ID chooses it (groups). */
  readonly id?: string;
  readonly properties: P;
  /** Whether an entity may already hold the id, one this operation must not remove on failure. */
  readonly idMayBeTaken: boolean;
  /** A replacement (the fixed id or a property in `replaceOnChange` changed): messages say so. */
  readonly replacement: boolean;
  /** In a replacement: the id of the entity being replaced (the current physical id's), which this one must not be. */
  readonly replaces?: string;
}

/** The entity a `make` ended with, and whether an earlier delivery (or deployment) had made it. */
export interface Made<E> {
  readonly entity: E;
  readonly adopted: boolean;
}

/** What one resource module declares; `entityResource` builds the lifecycle from it. */
export interface EntityKind<P extends CommonProperties, E extends PocketIdEntity> extends EntityPlace {
  /** How messages name it: 'OIDC client'. */
  readonly label: string;
  /** The log field of its id: 'clientId'. */
  readonly idField: string;
  /** Where Pocket-ID keeps one entity. */
  readonly path: (id: string) => string;
  /** The managed fields and Pocket-ID's full-replace body. */
  readonly fields: FieldTable<P>;
  readonly validate: (properties: Record<string, unknown>) => string[];
  /** The properties set that need a newer Pocket-ID than the oldest supported. */
  readonly featuresUsed?: (properties: P) => FeatureUse[];
  /** The property holding a caller-chosen id; changing it replaces the entity. None: Pocket-ID chooses ids. */
  readonly fixedId?: keyof P & string;
  /**
   * Properties Pocket-ID cannot change in place: a change of any of them replaces the entity, as a
   * change of the fixed id does (a new entity and physical id; CloudFormation deletes the old one once
   * the deploy succeeded). Default: none.
   */
  readonly replaceOnChange?: ReadonlyArray<keyof P & string>;
  /**
   * How the entity follows a base URL that leads to another Pocket-ID instance: `new-entity` makes it
   * there with a new physical id, so that CloudFormation's Delete removes it from the old instance
   * once the deploy succeeded; `keep-on-old-instance` makes it there with the same id and physical id,
   * so that no Delete ever reaches the old instance (users: deleting one deletes their passkeys).
   */
  readonly onMove: 'new-entity' | 'keep-on-old-instance';
  /** How an entity made outside the stack is found by its natural key (AdoptExisting). None: the kind adopts nothing. */
  readonly adoption?: Adoption<P, E>;
  /** Makes the entity, or takes over the one an earlier delivery made; registers its removal in `undo`. */
  readonly make: (request: MakeRequest<P>, operation: Operation) => Promise<Made<E>>;
  /**
   * Changes, on an update, what must precede the PUT of the fields (a client's allowed groups, before
   * the restriction that needs them is turned on); returns the entity as it then stands.
   */
  readonly prepareFields?: (held: E, properties: P, operation: Operation) => Promise<E>;
  /** Brings what hangs off the entity (claims, members, allowed groups, secrets) to the properties. */
  readonly reconcile: (entity: E, properties: P, previous: Partial<P>, operation: Operation, origin: Origin) => Promise<void>;
  /** The response Data: ids, names, URLs only; `entity` is the entity as the operation ended with it. */
  readonly data: (entityId: string, properties: P, entity: E) => Record<string, string>;
  /** Puts back the fields the entity had before an update (default: its body, PUT back). */
  readonly restoreFields?: (held: E, operation: Operation) => Promise<void>;
  /** Whether the entity holds again what `restoreFields` puts back (default: its fields). */
  readonly fieldsRestored?: (held: E, operation: Operation) => Promise<boolean>;
  /** An error of a write (PUT, DELETE) of this entity, said in its terms (a conflict, an LDAP refusal). */
  readonly explainWriteError?: (error: unknown, entityId: string, body: Record<string, unknown>) => unknown;
  /**
   * Reads one entity, for kinds Pocket-ID has no GET of by id (signup tokens: only a list; SCIM
   * providers: through their client); undefined when it does not exist. `properties` are those that
   * say where it is: the previous ones on update, the current ones on delete. Default: GET of `path(id)`.
   */
  readonly read?: (entityId: string, properties: P, context: OperationContext) => Promise<E | undefined>;
  /**
   * Whether Pocket-ID holds the entity no longer, after a DELETE whose answer was lost. Default: `read`
   * finds nothing; without `read`, a GET of `path(id)`.
   */
  readonly isGone?: (entityId: string, properties: P, context: OperationContext) => Promise<boolean>;
}

/** How a kind finds the entity that holds its natural key (a client id, a username, a group name, an API resource). */
export interface Adoption<P, E> {
  /** The natural key, as messages say it: "the username 'ada'". */
  readonly key: (properties: P) => string;
  /** The entity holding the key, read in full; undefined when there is none. */
  readonly find: (properties: P, context: OperationContext) => Promise<E | undefined>;
  /** Why the entity found cannot be taken over (it has another id than the declared one, LDAP owns it), or undefined. */
  readonly refuse?: (entity: E, properties: P) => string | undefined;
}

/** How messages name an entity, and where Pocket-ID keeps it. */
export interface EntityPlace {
  readonly label: string;
  readonly path: (id: string) => string;
}

/** The previous properties of an entity made by this operation: nothing was declared before. */
const NOTHING_DECLARED_BEFORE = Object.freeze({});

export function entityResource<P extends CommonProperties, E extends PocketIdEntity>(kind: EntityKind<P, E>): ResourceHandler {
  return {
    validate: kind.validate,
    featuresUsed: (properties) => kind.featuresUsed?.(properties as unknown as P) ?? [],

    async create(event: CreateEvent, context: OperationContext): Promise<HandlerResult> {
      const properties = event.ResourceProperties as unknown as P;
      return createEntity(kind, properties, context, { id: newIdOf(kind, event, properties) });
    },

    async update(event: UpdateEvent, context: OperationContext): Promise<HandlerResult> {
      return updateEntity(kind, event, context);
    },

    async delete(event: DeleteEvent, context: OperationContext): Promise<HandlerResult> {
      const entityId = entityIdOf(event.PhysicalResourceId);
      const properties = event.ResourceProperties as unknown as P;
      const isGone = goneCheckOf(kind, entityId, properties, context);
      const deleted = await context.api.delete(`Delete ${kind.label}`, kind.path(entityId), isGone).catch((error) => {
        throw kind.explainWriteError?.(error, entityId, {}) ?? error;
      });
      context.logger.info(deleted ? `deleted the ${kind.label}` : `the ${kind.label} was already gone`, { [kind.idField]: entityId });
      return { PhysicalResourceId: event.PhysicalResourceId };
    },
  };
}

/** How a Delete tells, after a lost answer, that the entity is gone; undefined: the HTTP client's GET of its path. */
function goneCheckOf<P extends CommonProperties, E extends PocketIdEntity>(
  kind: EntityKind<P, E>,
  entityId: string,
  properties: P,
  context: OperationContext,
): (() => Promise<boolean>) | undefined {
  if (kind.isGone) return () => kind.isGone!(entityId, properties, context);
  if (kind.read) return async () => (await readOfKind(kind, entityId, properties, context)) === undefined;
  return undefined;
}

interface CreateOptions {
  readonly id?: string;
  /** Default: when the id is a fixed one, which an entity older than this event may hold. */
  readonly idMayBeTaken?: boolean;
  readonly replacement?: boolean;
  readonly replaces?: string;
  /** The physical id to answer, when it is not the entity's id (a move to another instance). */
  readonly physicalId?: (entityId: string) => string;
}

async function createEntity<P extends CommonProperties, E extends PocketIdEntity>(
  kind: EntityKind<P, E>,
  properties: P,
  context: OperationContext,
  options: CreateOptions,
): Promise<HandlerResult> {
  return withCompensation(context, async (operation) => {
    const existing = await adoptExisting(kind, properties, operation, options.replaces);
    if (existing) {
      await kind.reconcile(existing, properties, NOTHING_DECLARED_BEFORE, operation, 'adopted');
      context.logger.info(`adopted the existing ${kind.label}`, { [kind.idField]: existing.id });
      return resultOf(kind, options.physicalId?.(existing.id) ?? existing.id, existing, properties);
    }
    const idMayBeTaken = options.idMayBeTaken ?? fixedIdOf(kind, properties) !== undefined;
    const request = { id: options.id, properties, idMayBeTaken, replacement: options.replacement ?? false, replaces: options.replaces };
    const { entity, adopted } = await kind.make(request, operation);
    await kind.reconcile(entity, properties, NOTHING_DECLARED_BEFORE, operation, adopted ? 'redelivered' : 'created');
    const message = adopted ? `completed a ${kind.label} that an earlier delivery or deployment made` : `created the ${kind.label}`;
    context.logger.info(message, { [kind.idField]: entity.id });
    return resultOf(kind, options.physicalId?.(entity.id) ?? entity.id, entity, properties);
  });
}

/**
 * When the properties ask for it (AdoptExisting), the entity made outside the stack that holds the
 * natural key, with the declared fields written to it as an update would (read-modify-write: what is
 * not declared stays; on failure the fields it had are put back). Never removed on failure: it was
 * not this operation's to remove. Undefined when adoption is not asked for or no entity holds the key.
 */
async function adoptExisting<P extends CommonProperties, E extends PocketIdEntity>(
  kind: EntityKind<P, E>,
  properties: P,
  operation: Operation,
  replaces: string | undefined,
): Promise<E | undefined> {
  if (!kind.adoption || !asksAdoption(properties)) return undefined;
  const found = await kind.adoption.find(properties, operation);
  if (!found || found.id === replaces) return undefined;
  const refusal = kind.adoption.refuse?.(found, properties);
  if (refusal) {
    throw new Error(`Adopt ${kind.label}: ${kind.adoption.key(properties)} belongs to the ${kind.label} ${found.id}, which cannot be adopted: ${refusal}`);
  }
  operation.logger.info(`adopting the existing ${kind.label} that holds ${kind.adoption.key(properties)}`, { [kind.idField]: found.id });
  const prepared = await kind.prepareFields?.(found, properties, operation) ?? found;
  await writeFields(kind, found, properties, NOTHING_DECLARED_BEFORE, operation);
  return prepared;
}

function asksAdoption(properties: CommonProperties & { AdoptExisting?: unknown }): boolean {
  return readBoolean(properties.AdoptExisting) === true;
}

async function updateEntity<P extends CommonProperties, E extends PocketIdEntity>(
  kind: EntityKind<P, E>,
  event: UpdateEvent,
  context: OperationContext,
): Promise<HandlerResult> {
  const properties = event.ResourceProperties as unknown as P;
  const previous = event.OldResourceProperties as unknown as P;
  if (fixedIdOf(kind, properties) !== fixedIdOf(kind, previous)) {
    context.logger.info(`the fixed id changed: creating a replacement ${kind.label}`, { from: fixedIdOf(kind, previous), to: fixedIdOf(kind, properties) });
    return createEntity(kind, properties, context, { id: newIdOf(kind, event, properties), replacement: true });
  }
  const unchangeable = (kind.replaceOnChange ?? []).filter((property) => !sameJson(properties[property] ?? null, previous[property] ?? null));
  if (unchangeable.length > 0) {
    context.logger.info(`properties Pocket-ID cannot change in place changed: creating a replacement ${kind.label}`, { properties: unchangeable.join(', ') });
    const replaces = entityIdOf(event.PhysicalResourceId);
    return createEntity(kind, properties, context, { id: newIdOf(kind, event, properties), replacement: true, replaces });
  }
  const entityId = entityIdOf(event.PhysicalResourceId);
  const held = await readOfKind(kind, entityId, previous as P, context);
  const instance = baseUrlChanged(properties, previous) ? await compareInstances(previous, properties, { ...context, deadline: () => context.budget.deadline() }) : 'same';
  if (instance === 'other' || (instance === 'unknown' && !held)) {
    return moveToAnotherInstance(kind, { event, properties, previous, entityId }, context, instance);
  }
  if (!held) {
    context.logger.warn(`the ${kind.label} was deleted outside CloudFormation: creating it again`, { [kind.idField]: entityId });
    return createEntity(kind, properties, context, { id: newIdOf(kind, event, properties) });
  }
  return withCompensation(context, async (operation) => {
    const prepared = await kind.prepareFields?.(held, properties, operation) ?? held;
    await writeFields(kind, held, properties, previous, operation);
    await kind.reconcile(prepared, properties, previous, operation, 'updated');
    return resultOf(kind, event.PhysicalResourceId, prepared, properties);
  });
}

/** An Update as the lifecycle reads it. */
interface Change<P> {
  readonly event: UpdateEvent;
  readonly properties: P;
  readonly previous: P;
  readonly entityId: string;
}

/**
 * The base URL now leads to another Pocket-ID instance (or to one that cannot be told apart and holds
 * no such entity): the entity is made there. What happens on the old instance depends on the kind
 * (`onMove`); nothing there is removed before the deploy succeeded.
 */
async function moveToAnotherInstance<P extends CommonProperties, E extends PocketIdEntity>(
  kind: EntityKind<P, E>,
  { event, properties, previous, entityId }: Change<P>,
  context: OperationContext,
  instance: InstanceIdentity,
): Promise<HandlerResult> {
  const from = normalizedBaseUrl(previous);
  const to = normalizedBaseUrl(properties);
  context.logger.info(`the base URL leads to ${instance === 'other' ? 'another' : 'a Pocket-ID that cannot be told apart from the old and holds no such'} `
    + `${kind.label}: making it there`, { from, to, [kind.idField]: entityId });
  if (kind.onMove === 'keep-on-old-instance') {
    return createEntity(kind, properties, context, { id: entityId, idMayBeTaken: true, physicalId: () => event.PhysicalResourceId });
  }
  const fixedId = fixedIdOf(kind, properties);
  if (fixedId === undefined) return createEntity(kind, properties, context, { id: newIdOf(kind, event, properties), idMayBeTaken: false });
  if (instance === 'unknown') {
    // The Delete that follows a new physical id would remove this very id from the old URL: if that
    // were the same instance, it would delete what this Update makes.
    throw new Error(`Move ${kind.label} ${fixedId}: baseUrl changed from ${from} to ${to}, the ${kind.label} is not at ${to}, and the Pocket-ID at ${from} `
      + `could not be reached (GET /.well-known/jwks.json got no answer from Pocket-ID) to tell whether ${to} is another instance. Make ${from} `
      + 'reachable for this deploy, or remove the resource from the stack and add it again under another construct id');
  }
  const physicalId = () => movedPhysicalId(event.PhysicalResourceId, fixedId, to);
  return createEntity(kind, properties, context, { id: fixedId, idMayBeTaken: true, physicalId });
}

/**
 * Reads the entity; undefined when Pocket-ID says it does not exist. Only Pocket-ID's structured
 * not-found counts: any other 404 (a proxy, a wrong base URL) is an error.
 */
export async function readEntity<E extends PocketIdEntity>(context: OperationContext, kind: EntityPlace, id: string): Promise<E | undefined> {
  const request = { operation: `Read ${kind.label}`, method: 'GET', path: kind.path(id) };
  try {
    const found = await context.api.get<E>(request.operation, request.path);
    if (!isEntity(id)(found)) throw new UnexpectedResponseError(request, `not the ${kind.label} asked for`);
    return found;
  } catch (error) {
    if (error instanceof PocketIdApiError && error.isEntityNotFound) return undefined;
    throw error;
  }
}

/** Pocket-ID answers an entity's requests with the entity. */
export function isEntity<E extends PocketIdEntity>(id: string): (answer: unknown) => answer is E {
  return (answer): answer is E => typeof answer === 'object' && answer !== null && (answer as PocketIdEntity).id === id;
}

/** Writes the declared fields (read-modify-write), when Pocket-ID does not hold them already. */
async function writeFields<P extends CommonProperties, E extends PocketIdEntity>(
  kind: EntityKind<P, E>,
  held: E,
  properties: P,
  previous: Partial<P>,
  operation: Operation,
): Promise<void> {
  const body = updateBody(kind.fields, held, properties, previous);
  if (holdsFields(kind.fields, held, body)) return;
  // Arranged before the PUT: a PUT whose answer was lost may have changed the entity all the same.
  const restore = kind.restoreFields ?? ((entity: E, op: Operation) => putFields(kind, entity.id, kind.fields.bodyOf(entity), op));
  operation.undo.add(`the previous fields of ${kind.label} ${held.id}`, () => restore(held, operation), {
    requests: 2,
    partOf: held.id,
    isUndone: () => kind.fieldsRestored?.(held, operation) ?? fieldsAsBefore(kind, held, previous as P, operation),
  });
  await putFields(kind, held.id, body, operation);
}

/** Whether the entity holds again the fields it held before (`held`): a failed restore may have landed. */
async function fieldsAsBefore<P extends CommonProperties, E extends PocketIdEntity>(
  kind: EntityKind<P, E>,
  held: E,
  previous: P,
  context: OperationContext,
): Promise<boolean> {
  const now = await readOfKind(kind, held.id, previous, context);
  if (!now) throw new Error(`Read ${kind.label}: the ${kind.label} ${held.id} is gone`);
  return holdsFields(kind.fields, now, kind.fields.bodyOf(held));
}

/** The entity, by the kind's own read where Pocket-ID has no GET of it by id; undefined when it does not exist. */
function readOfKind<P extends CommonProperties, E extends PocketIdEntity>(
  kind: EntityKind<P, E>,
  id: string,
  properties: P,
  context: OperationContext,
): Promise<E | undefined> {
  return kind.read ? kind.read(id, properties, context) : readEntity<E>(context, kind, id);
}

/** Reads an entity that must exist. */
export async function readEntityOrFail<E extends PocketIdEntity>(context: OperationContext, kind: EntityPlace, id: string): Promise<E> {
  const found = await readEntity<E>(context, kind, id);
  if (!found) throw new Error(`Read ${kind.label}: GET ${kind.path(id)} returned 404: the ${kind.label} is gone`);
  return found;
}

/** Pocket-ID's full-replace PUT of the entity. */
export async function putFields<P extends CommonProperties, E extends PocketIdEntity>(
  kind: EntityKind<P, E>,
  id: string,
  body: Record<string, unknown>,
  context: OperationContext,
): Promise<void> {
  await context.api.put(`Update ${kind.label}`, kind.path(id), body, { expect: isEntity(id) }).catch((error) => {
    throw kind.explainWriteError?.(error, id, body) ?? error;
  });
}

/** What `createWithId` needs of a kind whose entities take a caller-chosen id (clients, users). */
export interface CallerIdCreation<P, E> {
  /** Where a POST creates one. */
  readonly collectionPath: string;
  /** The POST body; default: the id and the declared fields. */
  readonly createBody?: (id: string, properties: P) => Record<string, unknown>;
  /** Pocket-ID's refusal of the POST, said in this entity's terms (a taken username, say). */
  readonly explainRefusal?: (error: unknown, body: Record<string, unknown>) => unknown;
  /** Whether an entity found at the id after a failed POST is the one this event declares. */
  readonly isDeclaredHere: (found: E, properties: P) => boolean;
  /**
   * Takes over an entity that holds the id (an earlier delivery's, or the old one a rollback returns
   * to), bringing the declared fields to it; throws when it is not this resource's to take.
   */
  readonly takeOver: (found: E, properties: P, operation: Operation) => Promise<E>;
}

/**
 * Adopt-or-create with a caller-chosen (deterministic or fixed) id. When the id may be taken (a fixed
 * id, a move), the entity is looked up first: one that holds it is taken over or refused, and is never
 * removed on failure. Otherwise its removal is arranged before the POST, whose answer may be lost after
 * Pocket-ID made it; the POST is repeated like a PUT (Pocket-ID refuses a second entity with the id),
 * and a refusal is resolved by reading the id: after a lost answer, what is there is this POST's; else
 * an earlier delivery's, taken over.
 */
export async function createWithId<P extends CommonProperties, E extends PocketIdEntity>(
  kind: EntityKind<P, E>,
  creation: CallerIdCreation<P, E>,
  request: MakeRequest<P> & { id: string },
  operation: Operation,
): Promise<Made<E>> {
  const { id, properties } = request;
  const existing = request.idMayBeTaken ? await readEntity<E>(operation, kind, id) : undefined;
  if (existing) return { entity: await creation.takeOver(existing, properties, operation), adopted: true };
  operation.undo.add(`${kind.label} ${id}`, () => operation.api.delete(`Remove the partly created ${kind.label}`, kind.path(id)), {
    requests: 2,
    removes: id,
    isUndone: () => operation.api.isGone(kind.path(id)),
  });
  const body = creation.createBody?.(id, properties) ?? { id, ...declaredFields(kind.fields, properties) };
  try {
    const created = await operation.api.post<E>(`Create ${kind.label}`, creation.collectionPath, body, { repeatable: true, expect: isEntity(id) });
    return { entity: created, adopted: false };
  } catch (error) {
    const found = await readEntity<E>(operation, kind, id).catch(() => undefined);
    if (!found || !creation.isDeclaredHere(found, properties)) throw creation.explainRefusal?.(error, body) ?? error;
    const madeByThisPost = request.idMayBeTaken || !(error instanceof PocketIdApiError) || error.afterUncertainAttempt;
    if (madeByThisPost) return { entity: found, adopted: false };
    return { entity: await creation.takeOver(found, properties, operation), adopted: true };
  }
}

/**
 * The entity's id in a physical id. After a move to another instance the physical id also names the
 * instance (`<id>@<instance>`): it must differ from the old one, so that CloudFormation deletes the
 * entity from the old instance once the deploy succeeded. No entity id contains '@'.
 */
export function entityIdOf(physicalId: string): string {
  const at = physicalId.lastIndexOf('@');
  return at < 0 ? physicalId : physicalId.slice(0, at);
}

/** A physical id unlike the current one for the same entity id: qualified when it was plain, plain when it was qualified. */
function movedPhysicalId(current: string, entityId: string, baseUrl: string): string {
  if (current.includes('@')) return entityId;
  return `${entityId}@${createHash('sha256').update(baseUrl).digest('hex').slice(0, 12)}`;
}

function fixedIdOf<P extends CommonProperties>(kind: { fixedId?: keyof P & string }, properties: P): string | undefined {
  if (!kind.fixedId) return undefined;
  const value = properties[kind.fixedId];
  return value === undefined || value === null ? undefined : String(value);
}

/** The id a new entity gets: the fixed one, else one derived from the request (none for kinds whose ids Pocket-ID chooses). */
function newIdOf<P extends CommonProperties>(
  kind: { fixedId?: keyof P & string },
  event: CreateEvent | UpdateEvent, properties: P,
): string | undefined {
  if (!kind.fixedId) return undefined;
  return fixedIdOf(kind, properties) ?? deterministicUuid(event);
}

function resultOf<P extends CommonProperties, E extends PocketIdEntity>(kind: EntityKind<P, E>, physicalId: string, entity: E, properties: P) {
  const result: HandlerResult = { PhysicalResourceId: physicalId, Data: kind.data(entity.id, properties, entity) };
  return result;
}
