import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { PocketIdHttpClient } from './http-client';
import { Logger } from './logger';
import { Redactor } from './redactor';
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
  readonly secrets: SecretsStore;
  readonly logger: Logger;
  readonly redactor: Redactor;
}

/** One module per resource type implements the three lifecycle operations. */
export interface ResourceHandler {
  /** True for resources that create nothing (lookups): their Delete needs no connection at all. */
  readonly ownsNothing?: boolean;
  /** Checks the properties before anything is sent; returns the problems found. */
  validate(properties: Record<string, unknown>): string[];
  create(event: CreateEvent, context: OperationContext): Promise<HandlerResult>;
  update(event: UpdateEvent, context: OperationContext): Promise<HandlerResult>;
  delete(event: DeleteEvent, context: OperationContext): Promise<HandlerResult>;
}

/**
 * Steps that undo what a failed operation already made, run newest first, so that a failure halfway
 * leaves nothing behind. An undo step that fails itself is reported in the error, never hidden.
 */
export class Compensation {
  private readonly steps: Array<{ description: string; run: () => Promise<unknown> }> = [];

  constructor(private readonly logger: Logger) {}

  public add(description: string, run: () => Promise<unknown>): void {
    this.steps.push({ description, run });
  }

  /** Runs every undo step and returns the error to throw: the original one, plus what could not be undone. */
  public async rollback(error: unknown): Promise<Error> {
    const leftovers: string[] = [];
    for (const step of this.steps.reverse()) {
      try {
        await step.run();
        this.logger.info('undid a partial change', { step: step.description });
      } catch (undoError) {
        leftovers.push(`${step.description} (${(undoError as Error).message.slice(0, 200)})`);
      }
    }
    const original = error instanceof Error ? error : new Error(String(error));
    if (leftovers.length === 0) return original;
    return new Error(`${original.message}. Cleanup also failed, remove by hand: ${leftovers.join('; ')}`);
  }
}
