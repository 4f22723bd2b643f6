import { randomUUID } from 'crypto';
import { LambdaContainer } from './lambda-container';
import { InvokeAnswer, providerFramework } from './provider-framework';

/** The physical id the Provider framework reports for a failed Create; its Delete never reaches the handler. */
export const CREATE_FAILED_MARKER = 'AWSCDK::CustomResourceProviderFramework::CREATE_FAILED';
/** The framework's Reason when the operation failed; on success it sends the status itself as Reason. */
export function failureReason(response: CfnResponse): string | null {
  return response.Status === 'FAILED' ? response.Reason ?? '' : null;
}

/** CloudFormation refuses a custom resource response larger than this. */
export const MAX_RESPONSE_BYTES = 4096;

export const STACK_ID = 'arn:aws:cloudformation:us-east-1:123456789012:stack/cdk-pocket-id-test/2f7f1a10-6c1e-11ef-9e2c-0a1b2c3d4e5f';

export interface CfnResponse {
  readonly Status: 'SUCCESS' | 'FAILED';
  readonly Reason?: string;
  readonly PhysicalResourceId: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly Data?: Record<string, string>;
}

export interface Step {
  readonly event: Record<string, unknown>;
  readonly response: CfnResponse;
  /** The response exactly as the framework uploaded it to CloudFormation. */
  readonly responseBody: string;
  /** What the handler logged while serving the event (empty when the framework answered alone). */
  readonly logs: string[];
  /** What the framework itself logged (its own log group): the event, the handler's answer, the response. */
  readonly frameworkLogs: string[];
}

/**
 * Sends the events CloudFormation sends to aws-cdk-lib's own Provider framework (its runtime, from
 * node_modules), which invokes the bundled handler in its container and uploads the response: the
 * response is what CloudFormation would receive, Reason, stack trace and all. Nothing here decides an
 * outcome: the handler and the framework do.
 */
export class CloudFormationSimulator {
  /** `observe` sees every step, checked by the suite or not (the secret-exposure scan reads them all). */
  constructor(
    private readonly container: LambdaContainer,
    private readonly resourceType: string,
    private readonly observe?: (step: Step) => void,
  ) {}

  public create(logicalId: string, properties: Record<string, unknown>, requestId: string = randomUUID()): Promise<Step> {
    return this.send({ RequestType: 'Create', LogicalResourceId: logicalId, ResourceProperties: properties, RequestId: requestId });
  }

  public update(logicalId: string, physicalId: string, properties: Record<string, unknown>, oldProperties: Record<string, unknown>): Promise<Step> {
    return this.send({
      RequestType: 'Update',
      LogicalResourceId: logicalId,
      PhysicalResourceId: physicalId,
      ResourceProperties: properties,
      OldResourceProperties: oldProperties,
      RequestId: randomUUID(),
    });
  }

  public delete(logicalId: string, physicalId: string, properties: Record<string, unknown>): Promise<Step> {
    return this.send({ RequestType: 'Delete', LogicalResourceId: logicalId, PhysicalResourceId: physicalId, ResourceProperties: properties, RequestId: randomUUID() });
  }

  /** Sends one event through the Provider framework and returns what it uploaded to CloudFormation. */
  public async send(partial: Record<string, unknown>): Promise<Step> {
    const event = this.completeEvent(partial);
    const logs: string[] = [];
    const invokeHandler = async (payload: Record<string, unknown>): Promise<InvokeAnswer> => {
      const invocation = await this.container.invoke(payload);
      logs.push(...invocation.logs);
      return invocation.ok ? { payload: invocation.result } : { payload: invocation.error, functionError: 'Unhandled' };
    };
    const run = await (await providerFramework()).run(event, invokeHandler);
    if (run.uploads.length !== 1) throw new Error(`harness: the framework uploaded ${run.uploads.length} responses, not one`);
    const responseBody = run.uploads[0];
    const step: Step = { event, response: JSON.parse(responseBody), responseBody, logs, frameworkLogs: run.logs };
    this.observe?.(step);
    return step;
  }

  private completeEvent(partial: Record<string, unknown>): Record<string, unknown> {
    return {
      ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:cdk-pocket-id-test-framework-onEvent',
      ResponseURL: 'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/presigned?X-Amz-Signature=abc',
      StackId: STACK_ID,
      ResourceType: this.resourceType,
      RequestId: randomUUID(),
      ...partial,
      ResourceProperties: { ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:framework', ...(partial.ResourceProperties as object) },
    };
  }
}
