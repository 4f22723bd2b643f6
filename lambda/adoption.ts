import { PocketIdApiError } from './errors';
import { isUncertain } from './http-client';
import { Made, PocketIdEntity } from './lifecycle';
import { Operation, OperationContext } from './resource';

/**
 * Adopt-or-create for entities whose ids Pocket-ID chooses (groups, APIs): a repeated delivery of a
 * Create cannot be recognised by its id, only by what it left. The entity holding the unique value
 * (a group name, an API resource) is taken over only when an earlier delivery of this very Create
 * could have left it exactly so; anything else belongs to someone else and the Create fails.
 */

/**
 * How long an entity may exist and still be taken for the work of an earlier delivery of the same
 * Create: Lambda retries a failed asynchronous invocation within minutes, and the Provider framework's
 * own retries end well inside this.
 */
export const ADOPTION_WINDOW_MS = 15 * 60_000;

/** What a kind says to find and judge the entity an earlier delivery may have made. */
export interface EarlierDelivery<E extends PocketIdEntity> {
  /** How messages name the entity: 'group', 'API'. */
  readonly noun: string;
  /** The log field of its id: 'groupId'. */
  readonly idField: string;
  /** What it holds that the POST asked for: "the name 'admins'". */
  readonly taken: string;
  /** What the user can do instead: 'Choose another name, or refer to the existing group through a lookup'. */
  readonly remedy: string;
  /** The entity holding the unique value, read in full; undefined when there is none. */
  readonly find: () => Promise<E | undefined>;
  /** Why the entity cannot be the work of an earlier delivery of this Create, or undefined when it can. */
  readonly whyNot: (entity: E) => Promise<string | undefined> | string | undefined;
}

/** Why an entity created at `createdAt` is too old to be an earlier delivery's work, or undefined. */
export function notCreatedRecently(createdAt: string | undefined, now: number = Date.now()): string | undefined {
  const created = Date.parse(createdAt ?? '');
  if (!Number.isNaN(created) && Math.abs(now - created) <= ADOPTION_WINDOW_MS) return undefined;
  return `it was created at ${createdAt ?? 'an unknown time'}, not within the last ${ADOPTION_WINDOW_MS / 60_000} minutes`;
}

/** Pocket-ID refused the POST: the unique value is taken. */
export function isAlreadyInUse(error: unknown): error is PocketIdApiError {
  return error instanceof PocketIdApiError && error.status === 409 && error.code === 'already_in_use';
}

/** After a 409 already_in_use: the entity holding the value, when an earlier delivery made it; else a clear refusal. */
export async function adoptEarlierDelivery<E extends PocketIdEntity>(
  delivery: EarlierDelivery<E>,
  context: OperationContext,
  conflict: PocketIdApiError,
): Promise<E> {
  const existing = await delivery.find();
  if (!existing) throw conflict;
  const reason = await delivery.whyNot(existing);
  if (reason) {
    const requestId = conflict.requestId ?? conflict.body?.request_id;
    throw new Error(`${conflict.request.operation}: ${conflict.request.method} ${conflict.request.path} returned 409 already_in_use: ${delivery.taken} belongs to the `
      + `${delivery.noun} ${existing.id}, which this resource did not create (${reason}). ${delivery.remedy}`
      + `${requestId ? ` (Pocket-ID request id ${requestId})` : ''}`);
  }
  context.logger.info(`the ${delivery.noun} an earlier delivery of this Create made exists: taking it over`, { [delivery.idField]: existing.id });
  return existing;
}

/**
 * After a POST whose answer was lost or garbled, the entity Pocket-ID may have made all the same:
 * the one holding the value, when it could only be this Create's work. Otherwise the POST's error stands.
 */
export async function findLostCreation<E extends PocketIdEntity>(
  delivery: EarlierDelivery<E>,
  context: OperationContext,
  error: unknown,
): Promise<E> {
  if (!isUncertain(error)) throw error;
  const made = await delivery.find().catch(() => undefined);
  if (!made || await Promise.resolve(delivery.whyNot(made)).catch(() => 'it could not be checked')) throw error;
  context.logger.info(`the answer to the POST was lost, but Pocket-ID made the ${delivery.noun}: taking it over`, { [delivery.idField]: made.id });
  return made;
}

/** A POST that makes an entity whose id Pocket-ID chooses, and how to recognise an earlier delivery's. */
export interface AdoptableCreation<E extends PocketIdEntity> {
  /** How messages name it: 'user group'. */
  readonly label: string;
  readonly collectionPath: string;
  readonly body: Record<string, unknown>;
  /** Whether the POST's answer is the entity it made. */
  readonly isCreated: (answer: unknown) => boolean;
  /** Where Pocket-ID keeps one entity. */
  readonly path: (id: string) => string;
  readonly delivery: EarlierDelivery<E>;
}

/**
 * Creates the entity, or finds the one an earlier attempt or delivery of this Create made; either is
 * removed again if the Create fails. The POST is repeated like a PUT: Pocket-ID refuses a second
 * entity with the unique value, and the conflict leads to the one the first attempt made.
 */
export async function postOrAdopt<E extends PocketIdEntity>(creation: AdoptableCreation<E>, operation: Operation): Promise<Made<E>> {
  const { label, delivery } = creation;
  let created: Made<E>;
  try {
    const options = { repeatable: true, expect: creation.isCreated };
    created = { entity: await operation.api.post<E>(`Create ${label}`, creation.collectionPath, creation.body, options), adopted: false };
  } catch (error) {
    if (isAlreadyInUse(error)) created = { entity: await adoptEarlierDelivery(delivery, operation, error), adopted: true };
    else created = { entity: await findLostCreation(delivery, operation, error), adopted: false };
  }
  const id = created.entity.id;
  operation.undo.add(`${label} ${id}`, () => operation.api.delete(`Remove the partly created ${label}`, creation.path(id)), {
    requests: 2,
    removes: id,
    isUndone: () => operation.api.isGone(creation.path(id)),
  });
  return created;
}
