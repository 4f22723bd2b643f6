/**
 * CloudFormation refuses a custom resource response over 4,096 bytes, and the bytes are what count:
 * UTF-8, as the Provider framework uploads the JSON. The Reason it sends is the handler's error message,
 * a line naming the handler's log group and the Lambda runtime's stack trace. Here aws-cdk-lib's own
 * framework builds that response from the bundled handler's error, with the longest names CloudFormation
 * allows and error messages full of text in scripts of every width.
 */
import { ResourceType } from '../../lib/contract';
import { AcceptanceRun } from '../support/acceptance';
import { MAX_RESPONSE_BYTES } from '../support/cloudformation';

const acceptance = new AcceptanceRun(ResourceType.OIDC_CLIENT);
const { run, properties, expectFailed } = acceptance;
const suite = acceptance.inSuite();

/** The longest names CloudFormation allows: a 128-character stack name, a 255-character logical id. */
const LONGEST_STACK_ID = `arn:aws:cloudformation:ap-southeast-2:123456789012:stack/${'S'.repeat(128)}/2f7f1a10-6c1e-11ef-9e2c-0a1b2c3d4e5f`;
const LONGEST_LOGICAL_ID = 'L'.repeat(255);

/** Text in scripts of 1 to 4 UTF-8 bytes a character, and characters JSON escapes. */
const SCRIPTS = [
  ['Latin', 'callback'],
  ['Cyrillic', 'обратныйвызов'],
  ['CJK', '回调地址日本語한국어'],
  ['emoji', '🔐🪪🌍👩‍💻'],
  ['quotes and backslashes', '"\\"\\'],
] as const;

/** Sends a Create with the longest stack and logical ids; returns the step. */
function createWithLongestIds(resourceType: string, resourceProperties: Record<string, unknown>) {
  return suite.cfn.send({
    RequestType: 'Create',
    ResourceType: resourceType,
    StackId: LONGEST_STACK_ID,
    LogicalResourceId: LONGEST_LOGICAL_ID,
    RequestId: `size-${run}`,
    ResourceProperties: properties(resourceProperties),
  });
}

function expectUnder4Kb(step: Awaited<ReturnType<typeof createWithLongestIds>>): void {
  expect(Buffer.byteLength(step.responseBody, 'utf8')).toBeLessThan(MAX_RESPONSE_BYTES);
  // The framework's own part of the Reason survives: where the handler's logs are.
  expect(step.response.Reason).toMatch(/Logs: \/aws\/lambda\//);
}

describe('the response CloudFormation receives stays under 4 KB', () => {
  test.each(SCRIPTS)('an error naming many values in %s', async (_, text) => {
    // Each URL lacks a scheme: every one is named in the error, with its value.
    const callbackUrls = Array.from({ length: 80 }, (__, index) => `${text.repeat(40)}${index}`);
    const step = await createWithLongestIds(ResourceType.OIDC_CLIENT, { Name: `size-${run}`, IsPublic: 'true', CallbackUrls: callbackUrls });
    expectFailed(step, /callbackUrls\[0\] must start with a scheme/);
    expectUnder4Kb(step);
  });

  test.each(SCRIPTS)('an error naming claim keys in %s, each given twice', async (_, text) => {
    const claims = Array.from({ length: 30 }, (__, index) => ({ Key: `${text.repeat(20)}${index}`, Value: 'x' }));
    const step = await createWithLongestIds(ResourceType.USER_GROUP, { Name: `size-${run}`, FriendlyName: 'Size', CustomClaims: [...claims, ...claims] });
    expectFailed(step, /customClaims has the key '.*' more than once/);
    expectUnder4Kb(step);
  });
});
