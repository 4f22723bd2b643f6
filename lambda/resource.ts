import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { TimeBudget } from './budget';
import { PocketIdHttpClient } from './http-client';
import { Logger } from './logger';
import { Redactor } from './redactor';
import { FeatureUse, PocketIdRelease } from './release';
import { SecretsStore } from './secrets';

export type CreateEvent = CloudFormationCustomResourceEvent & { RequestType: 'Create' };
export type UpdateEvent = CloudFormationCustomResourceEvent & { RequestType: 'Update' };
export type DeleteEvent = CloudFormationCustomResourceEvent & { RequestType: 'Delete' };

/** What the Provider framework expects back: the physical id and attributes (ids, URLs, ARNs only). */
export interface HandlerResult {
  readonly PhysicalResourceId: string;
  readonly Data?: Record<string, string>;
}

/** Everything an operation works with, made fresh for each event. */
export interface OperationContext {
  readonly api: PocketIdHttpClient;
  /** The release of the Pocket-ID that `api` reaches. */
  readonly release: PocketIdRelease;
  readonly secrets: SecretsStore;
  readonly logger: Logger;
  readonly redactor: Redactor;
  readonly budget: TimeBudget;
}

/** An operation under way: its context, and the undo steps of what it changed so far. */
export interface Operation extends OperationContext {
  readonly undo: Compensation;
}

/** One module per resource type implements the three lifecycle operations. */
export interface ResourceHandler {
  /** True for resources that create nothing (lookups): their Delete needs no connection at all. */
  readonly ownsNothing?: boolean;
  /** Checks the properties before anything is sent; returns the problems found. */
  validate(properties: Record<string, unknown>): string[];
  /** The properties set that need a feature of a newer Pocket-ID than the oldest supported. */
  featuresUsed?(properties: Record<string, unknown>): FeatureUse[];
  create(event: CreateEvent, context: OperationContext): Promise<HandlerResult>;
  update(event: UpdateEvent, context: OperationContext): Promise<HandlerResult>;
  delete(event: DeleteEvent, context: OperationContext): Promise<HandlerResult>;
}

/** How much of an undo step's error its cleanup report quotes. */
const UNDO_ERROR_LENGTH = 200;

/** What an undo step may say besides how to run it. */
export interface UndoOptions {
  /** Requests it sends at most (to Pocket-ID or Secrets Manager), its check included: each keeps back time. Default 1. */
  readonly requests?: number;
  /**
   * Whether what the step undoes is as it was before the operation: asked when the step failed (its
   * write may have landed with its answer lost, or the forward write it undoes may never have landed),
   * so that a failure names as left over only what really is.
   */
  readonly isUndone?: () => Promise<boolean>;
  /** The step removes this entity whole (one the operation made): no other step need undo a part of it. */
  readonly removes?: string;
  /** The step undoes a part of this entity: not needed when the entity is removed whole. */
  readonly partOf?: string;
}

interface UndoStep extends UndoOptions {
  readonly description: string;
  readonly run: () => Promise<unknown>;
}

/**
 * Steps that undo what a failed operation already made, run newest first, so that a failure halfway
 * leaves nothing behind. Each step keeps back time for its requests (TimeBudget), so that it still
 * gets its normal timeout and retries after a forward path that ran out of time. An undo step that
 * fails itself is reported in the error, never hidden.
 */
export class Compensation {
  private readonly steps: UndoStep[] = [];
  private readonly removedWhole = new Set<string>();

  constructor(private readonly context: OperationContext) {}

  /** Registers an undo step; `options.isUndone` should be given wherever the step can check its own work. */
  public add(description: string, run: () => Promise<unknown>, options: UndoOptions = {}): void {
    if (options.partOf !== undefined && this.removedWhole.has(options.partOf)) return;
    if (options.removes !== undefined) this.removedWhole.add(options.removes);
    this.context.budget.reserve((options.requests ?? 1) + (options.isUndone ? 1 : 0));
    this.steps.push({ description, run, ...options });
  }

  /** Runs every undo step and returns the error to throw: the original one, plus what could not be undone. */
  public async rollback(error: unknown): Promise<Error> {
    this.context.budget.startCompensating();
    const leftovers: string[] = [];
    for (const step of [...this.steps].reverse()) {
      try {
        await step.run();
        this.context.logger.info('undid a partial change', { step: step.description });
      } catch (undoError) {
        if (await step.isUndone?.().catch(() => false)) {
          this.context.logger.warn('an undo step failed, but what it undoes is as it was', { step: step.description });
          continue;
        }
        // Scrubbed before it is cut: a cut could leave part of a secret that the scrub no longer recognises.
        const reason = this.context.redactor.scrub((undoError as Error).message ?? String(undoError)).slice(0, UNDO_ERROR_LENGTH);
        leftovers.push(`${step.description} (${reason})`);
      }
    }
    const original = error instanceof Error ? error : new Error(String(error));
    if (leftovers.length === 0) return original;
    return new Error(`${original.message.replace(/\.$/, '')}. Cleanup also failed, remove by hand: ${leftovers.join('; ')}`);
  }
}

/** Runs `work` as one operation: if it fails, what it changed is undone before the error goes on. */
export async function withCompensation<T>(context: OperationContext, work: (operation: Operation) => Promise<T>): Promise<T> {
  const undo = new Compensation(context);
  try {
    return await work({ ...context, undo });
  } catch (error) {
    throw await undo.rollback(error);
  }
}
