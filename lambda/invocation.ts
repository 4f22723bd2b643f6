import type { Context } from 'aws-lambda';

/** Time kept back from the Lambda timeout so that an error can still be reported. */
const DEADLINE_MARGIN_MS = 20_000;
/** Without a Lambda context (tests), requests may run this long. */
const DEFAULT_BUDGET_MS = 120_000;

/** Epoch milliseconds after which no request may start in this invocation. */
export function endOf(lambdaContext: Context | undefined): number {
  const remaining = lambdaContext?.getRemainingTimeInMillis?.() ?? DEFAULT_BUDGET_MS + DEADLINE_MARGIN_MS;
  return Date.now() + Math.max(remaining - DEADLINE_MARGIN_MS, 1_000);
}

/**
 * The error the Lambda runtime reports. Its stack is the message alone: the Provider framework copies
 * the runtime's stack trace into CloudFormation's Reason, where frames of a minified bundle would tell
 * the user nothing and eat into the 4 KB the response may have.
 */
export function reportable(message: string): Error {
  const error = new Error(message);
  error.stack = `${error.name}: ${message}`;
  return error;
}
