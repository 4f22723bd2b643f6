import { randomUUID } from 'crypto';
import { CONTRACT_VERSION } from '../../../lib/contract';
import { STACK_ID } from '../../../test/support/cloudformation';

const SERVICE_TOKEN = 'arn:aws:lambda:us-east-1:123456789012:function:cdk-pocket-id-bench-framework-onEvent';

/** A complete event as the Provider framework hands it to the handler (what CloudFormationSimulator sends). */
export function cfnEvent(resourceType: string, partial: Record<string, unknown>): Record<string, unknown> {
  return {
    ServiceToken: SERVICE_TOKEN,
    ResponseURL: 'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/presigned?X-Amz-Signature=abc',
    StackId: STACK_ID,
    ResourceType: resourceType,
    RequestId: randomUUID(),
    ...partial,
    ResourceProperties: { ServiceToken: SERVICE_TOKEN, ...(partial.ResourceProperties as object) },
  };
}

/** The connection properties every resource carries, as the constructs write them (log level: the default, info). */
export function connectionProperties(baseUrl: string, tokenSecretArn: string): Record<string, string> {
  return {
    ContractVersion: CONTRACT_VERSION,
    BaseUrl: baseUrl,
    ApiTokenSecret: tokenSecretArn,
    SkipTlsVerify: 'false',
    TimeoutSeconds: '30',
    LogLevel: 'info',
  };
}
