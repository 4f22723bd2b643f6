import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { TimeBudget } from './budget';
import { connect, Connection, parseTimeoutSeconds, validateConnection } from './connection';
import { InputError, truncateMessage } from './errors';
import { endOf, reportable } from './invocation';
import { createLogger, Logger } from './logger';
import { Redactor } from './redactor';
import { assertSupportedMajor, PocketIdRelease, unsupportedUses } from './release';
import { HandlerResult, OperationContext, ResourceHandler } from './resource';
import { lookup } from './resources/lookup';
import { oidcClient } from './resources/oidc-client';
import { user } from './resources/user';
import { userGroup } from './resources/user-group';
import { SecretsStore } from './secrets';
import { CommonProperties, ResourceType, SUPPORTED_CONTRACT_VERSIONS } from '../lib/contract';

export { rotate } from './rotation';

/** One module per resource type. */
const RESOURCES: Record<string, ResourceHandler> = {
  [ResourceType.OIDC_CLIENT]: oidcClient,
  [ResourceType.USER]: user,
  [ResourceType.USER_GROUP]: userGroup,
  [ResourceType.LOOKUP]: lookup,
};

interface Tools {
  readonly logger: Logger;
  readonly redactor: Redactor;
  readonly secrets: SecretsStore;
  readonly start: number;
  readonly end: number;
}

/**
 * The entry point behind the Provider framework: dispatches each CloudFormation event to the module of
 * its resource type. Errors leave as short messages that name the operation and never a secret.
 */
export async function handler(event: CloudFormationCustomResourceEvent, lambdaContext?: Context): Promise<HandlerResult> {
  const properties = event.ResourceProperties as unknown as CommonProperties;
  const redactor = new Redactor();
  const logger = createLogger(properties.LogLevel, (text) => redactor.scrub(text), {
    requestType: event.RequestType,
    resourceType: event.ResourceType,
    logicalResourceId: event.LogicalResourceId,
    physicalResourceId: 'PhysicalResourceId' in event ? event.PhysicalResourceId : undefined,
    requestId: event.RequestId,
  });
  const secrets = new SecretsStore();
  try {
    return await dispatch(event, properties, { logger, redactor, secrets, start: Date.now(), end: endOf(lambdaContext) });
  } catch (error) {
    const message = truncateMessage(redactor.scrub((error as Error)?.message ?? String(error)));
    logger.error('operation failed', { error: message });
    throw reportable(message);
  } finally {
    secrets.destroy();
  }
}

async function dispatch(event: CloudFormationCustomResourceEvent, properties: CommonProperties, tools: Tools): Promise<HandlerResult> {
  const resource = RESOURCES[event.ResourceType];
  if (!resource) {
    throw new Error(`This cdk-pocket-id handler does not know resource type ${event.ResourceType}: update cdk-pocket-id.`);
  }
  if (event.RequestType !== 'Delete') {
    // A Delete goes by the physical id whatever wrote its properties, so that a library downgrade never blocks deleting a stack.
    if (!SUPPORTED_CONTRACT_VERSIONS.includes(properties.ContractVersion)) {
      throw new Error(`Resource written by an unknown cdk-pocket-id contract version ${properties.ContractVersion}: update cdk-pocket-id.`);
    }
    const problems = [...validateConnection(properties), ...resource.validate(event.ResourceProperties)];
    if (problems.length > 0) throw new InputError(`${event.LogicalResourceId} (${event.ResourceType})`, problems);
  }
  tools.logger.info('starting');
  if (event.RequestType === 'Delete' && resource.ownsNothing) {
    // Nothing to remove: no token read, no request, so a stack still deletes when Pocket-ID is gone.
    return { PhysicalResourceId: event.PhysicalResourceId };
  }
  const budget = new TimeBudget(tools.start, tools.end, parseTimeoutSeconds(properties.TimeoutSeconds) * 1000);
  const deadline = () => budget.deadline();
  const connection = await connect(properties, { ...tools, deadline });
  const { api } = connection;
  try {
    const release = event.RequestType === 'Delete' ? connection.release : await releaseThatTakes(resource, event, connection);
    const context: OperationContext = { api, release, secrets: tools.secrets, logger: tools.logger, redactor: tools.redactor, budget };
    const result = await runOperation(resource, event, context);
    tools.logger.info('finished', { physicalResourceId: result.PhysicalResourceId });
    return result;
  } finally {
    api.close();
  }
}

/**
 * The release, when it takes the properties; refuses, before anything is changed, what it cannot take.
 * A cached release that would refuse is read again first: Pocket-ID may have been upgraded since.
 */
async function releaseThatTakes(
  resource: ResourceHandler,
  event: CloudFormationCustomResourceEvent,
  connection: Connection,
): Promise<PocketIdRelease> {
  const baseUrl = (event.ResourceProperties as unknown as CommonProperties).BaseUrl;
  const uses = resource.featuresUsed?.(event.ResourceProperties) ?? [];
  const refusals = (release: PocketIdRelease) => unsupportedUses(release, uses, baseUrl);
  let release = connection.release;
  if (connection.releaseCached && refusals(release).length > 0) release = await connection.rereadRelease();
  assertSupportedMajor(release, baseUrl);
  const problems = refusals(release);
  if (problems.length > 0) throw new Error(`${event.LogicalResourceId} (${event.ResourceType}): ${problems.join('; ')}. Nothing was changed.`);
  return release;
}

function runOperation(resource: ResourceHandler, event: CloudFormationCustomResourceEvent, context: OperationContext): Promise<HandlerResult> {
  switch (event.RequestType) {
    case 'Create': return resource.create(event, context);
    case 'Update': return resource.update(event, context);
    case 'Delete': return resource.delete(event, context);
  }
}
