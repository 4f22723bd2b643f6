import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { Connection, validateConnection } from './connection';
import { InputError } from './errors';
import { InvocationTools, runInvocation, withConnection } from './invocation';
import { assertSupportedMajor, PocketIdRelease, unsupportedUses } from './release';
import { HandlerResult, OperationContext, ResourceHandler } from './resource';
import { api } from './resources/api';
import { apiGrant } from './resources/api-grant';
import { applicationConfiguration } from './resources/application-configuration';
import { applicationImages } from './resources/application-images';
import { lookup } from './resources/lookup';
import { oidcClient } from './resources/oidc-client';
import { scimServiceProvider } from './resources/scim-service-provider';
import { signupToken } from './resources/signup-token';
import { user } from './resources/user';
import { userGroup } from './resources/user-group';
import { CommonProperties, ResourceType, SUPPORTED_CONTRACT_VERSIONS } from '../lib/contract';

export { rotate } from './rotation';

/** One module per resource type. */
const RESOURCES: Record<string, ResourceHandler> = {
  [ResourceType.OIDC_CLIENT]: oidcClient,
  [ResourceType.USER]: user,
  [ResourceType.USER_GROUP]: userGroup,
  [ResourceType.LOOKUP]: lookup,
  [ResourceType.SCIM_SERVICE_PROVIDER]: scimServiceProvider,
  [ResourceType.SIGNUP_TOKEN]: signupToken,
  [ResourceType.API]: api,
  [ResourceType.API_GRANT]: apiGrant,
  [ResourceType.APPLICATION_CONFIGURATION]: applicationConfiguration,
  [ResourceType.APPLICATION_IMAGES]: applicationImages,
};

/**
 * The entry point behind the Provider framework: dispatches each CloudFormation event to the module of
 * its resource type. Errors leave as short messages that name the operation and never a secret.
 */
export async function handler(event: CloudFormationCustomResourceEvent, lambdaContext?: Context): Promise<HandlerResult> {
  const properties = event.ResourceProperties as unknown as CommonProperties;
  const logFields = {
    requestType: event.RequestType,
    resourceType: event.ResourceType,
    logicalResourceId: event.LogicalResourceId,
    physicalResourceId: 'PhysicalResourceId' in event ? event.PhysicalResourceId : undefined,
    requestId: event.RequestId,
  };
  return runInvocation(properties.LogLevel, logFields, lambdaContext, (tools) => dispatch(event, properties, tools));
}

async function dispatch(event: CloudFormationCustomResourceEvent, properties: CommonProperties, tools: InvocationTools): Promise<HandlerResult> {
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
  return withConnection(properties, tools, async (connection, contextAt) => {
    const release = event.RequestType === 'Delete' ? connection.release : await releaseThatTakes(resource, event, connection);
    const result = await runOperation(resource, event, contextAt(release));
    tools.logger.info('finished', { physicalResourceId: result.PhysicalResourceId });
    return result;
  });
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
