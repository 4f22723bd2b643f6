import type { Context } from 'aws-lambda';
import { TimeBudget } from './budget';
import { connect, Connection, parseTimeoutSeconds } from './connection';
import { truncateMessage } from './errors';
import { createLogger, LogFields, Logger } from './logger';
import { Redactor } from './redactor';
import type { PocketIdRelease } from './release';
import type { OperationContext } from './resource';
import { SecretsStore } from './secrets';
import type { ConnectionProperties } from '../lib/contract';

/** Time kept back from the Lambda timeout so that an error can still be reported. */
const DEADLINE_MARGIN_MS = 20_000;
/** Without a Lambda context (tests), requests may run this long. */
const DEFAULT_BUDGET_MS = 120_000;

/** What one invocation works with, made fresh for it. */
export interface InvocationTools {
  readonly logger: Logger;
  readonly redactor: Redactor;
  readonly secrets: SecretsStore;
  /** Epoch milliseconds when the invocation began. */
  readonly start: number;
  /** Epoch milliseconds after which no request may start. */
  readonly end: number;
}

/**
 * Runs one invocation of an entry point: a logger that scrubs every line through the invocation's
 * redactor, and a Secrets Manager client closed at the end. An error is logged once and leaves as a
 * short message with every secret seen scrubbed from it; `describe` may put it in words of the entry point.
 */
export async function runInvocation<T>(
  logLevel: string | undefined,
  logFields: LogFields,
  lambdaContext: Context | undefined,
  work: (tools: InvocationTools) => Promise<T>,
  describe: (message: string) => string = (message) => message,
): Promise<T> {
  const start = Date.now();
  const redactor = new Redactor();
  const logger = createLogger(logLevel, (text) => redactor.scrub(text), logFields);
  const secrets = new SecretsStore();
  try {
    return await work({ logger, redactor, secrets, start, end: endOf(lambdaContext) });
  } catch (error) {
    const message = truncateMessage(redactor.scrub((error as Error)?.message ?? String(error)));
    logger.error('operation failed', { error: message });
    throw reportable(describe(message));
  } finally {
    secrets.destroy();
  }
}

/**
 * Connects to the Pocket-ID the properties name, within the invocation's time budget, for `work`,
 * which makes the context of its operation for the release it settles on; the connection is closed after.
 */
export async function withConnection<T>(
  properties: ConnectionProperties,
  tools: InvocationTools,
  work: (connection: Connection, contextAt: (release: PocketIdRelease) => OperationContext) => Promise<T>,
): Promise<T> {
  const budget = new TimeBudget(tools.start, tools.end, parseTimeoutSeconds(properties.TimeoutSeconds) * 1000);
  const connection = await connect(properties, { ...tools, deadline: () => budget.deadline() });
  const { logger, redactor, secrets } = tools;
  try {
    return await work(connection, (release) => ({ api: connection.api, release, secrets, logger, redactor, budget }));
  } finally {
    connection.api.close();
  }
}

function endOf(lambdaContext: Context | undefined): number {
  const remaining = lambdaContext?.getRemainingTimeInMillis?.() ?? DEFAULT_BUDGET_MS + DEADLINE_MARGIN_MS;
  return Date.now() + Math.max(remaining - DEADLINE_MARGIN_MS, 1_000);
}

/**
 * The error the Lambda runtime reports. Its stack is the message alone: the Provider framework copies
 * the runtime's stack trace into CloudFormation's Reason, where frames of a minified bundle would tell
 * the user nothing and eat into the 4 KB the response may have.
 */
function reportable(message: string): Error {
  const error = new Error(message);
  error.stack = `${error.name}: ${message}`;
  return error;
}
