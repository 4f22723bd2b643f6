import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { PocketIdProvider } from '../../lib/private/pocket-id-provider';
import { LambdaContainer } from '../support/lambda-container';

/** The construct deploys the handler on this Lambda runtime; the tests must run the bundle on the same Node.js major. */
const DEPLOYED_RUNTIME = lambda.Runtime.NODEJS_24_X;

test('the handler container runs the bundle on the Node.js major the construct deploys it with', async () => {
  const stack = new Stack();
  PocketIdProvider.of(stack, {});
  Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', { Runtime: DEPLOYED_RUNTIME.name, Handler: 'index.handler' });

  const container = await LambdaContainer.start();
  try {
    const major = DEPLOYED_RUNTIME.name.replace(/^nodejs(\d+)\.x$/, '$1');
    expect(container.nodeVersion).toMatch(new RegExp(`^v${major}\\.`));
  } finally {
    await container.stop();
  }
});
