import { randomUUID } from 'crypto';
import { LambdaContainer } from './lambda-container';

/** The physical id the Provider framework reports for a failed Create; its Delete never reaches the handler. */
export const CREATE_FAILED_MARKER = 'AWSCDK::CustomResourceProviderFramework::CREATE_FAILED';
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
  /** The response as the framework would upload it. */
  readonly responseBody: string;
  /** What the handler logged while serving the event (empty when the framework answered alone). */
  readonly logs: string[];
}

/**
 * Sends the bundled handler the events CloudFormation sends through the Provider framework, and builds
 * the response the framework would upload. Nothing here decides an outcome: the handler does.
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

  /** Sends one event, as the framework's onEvent function would, and returns the framework's response. */
  public async send(partial: Record<string, unknown>): Promise<Step> {
    const event = this.completeEvent(partial);
    if (event.RequestType === 'Delete' && event.PhysicalResourceId === CREATE_FAILED_MARKER) {
      return this.respond(event, { Status: 'SUCCESS', PhysicalResourceId: CREATE_FAILED_MARKER }, []);
    }
    const invocation = await this.container.invoke(event);
    if (invocation.ok) {
      const physicalId = invocation.result?.PhysicalResourceId ?? (event.PhysicalResourceId as string);
      return this.respond(event, { Status: 'SUCCESS', PhysicalResourceId: physicalId, Data: invocation.result?.Data }, invocation.logs);
    }
    const physicalId = event.RequestType === 'Create' ? CREATE_FAILED_MARKER : event.PhysicalResourceId as string;
    return this.respond(event, { Status: 'FAILED', Reason: invocation.message, PhysicalResourceId: physicalId }, invocation.logs);
  }

  private completeEvent(partial: Record<string, unknown>): Record<string, unknown> {
    return {
      ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:cdk-pocket-id-test-framework-onEvent',
      ResponseURL: 'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/presigned?X-Amz-Signature=abc',
      StackId: STACK_ID,
      ResourceType: this.resourceType,
      ...partial,
      ResourceProperties: { ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:framework', ...(partial.ResourceProperties as object) },
    };
  }

  private respond(event: Record<string, unknown>, outcome: Pick<CfnResponse, 'Status' | 'Reason' | 'PhysicalResourceId' | 'Data'>, logs: string[]): Step {
    const response: CfnResponse = {
      ...outcome,
      StackId: event.StackId as string,
      RequestId: event.RequestId as string,
      LogicalResourceId: event.LogicalResourceId as string,
    };
    const step: Step = { event, response, responseBody: JSON.stringify(response), logs };
    this.observe?.(step);
    return step;
  }
}
