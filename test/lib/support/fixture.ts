import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { PocketId } from '../../../lib';

/** A stack with an account and region, and a Pocket-ID instance in it whose API key is a secret by name. */
export function stackWithPocketId(): { stack: Stack; pocketId: PocketId } {
  const stack = new Stack(new App(), 'Stack', { env: { account: '123456789012', region: 'eu-west-1' } });
  const pocketId = new PocketId(stack, 'PocketId', {
    baseUrl: 'https://auth.example.com',
    apiToken: secretsmanager.Secret.fromSecretNameV2(stack, 'Token', 'pocket-id/api-token'),
  });
  return { stack, pocketId };
}

/** The statements of the policies attached to the stack handler's role. */
export function handlerStatements(template: Template): any[] {
  const handlerRole = Object.keys(template.findResources('AWS::IAM::Role')).find((id) => id.includes('HandlerRole'))!;
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy: any) => JSON.stringify(policy.Properties.Roles).includes(handlerRole))
    .flatMap((policy: any) => policy.Properties.PolicyDocument.Statement);
}
