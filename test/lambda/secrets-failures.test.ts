/**
 * Secrets Manager failures injected at the AWS SDK (aws-sdk-client-mock), with the handler running
 * in-process against the Pocket-ID test server: what a failure leaves behind, and what it says.
 */
import { GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../lambda';
import { CONTRACT_VERSION, ResourceType } from '../../lib/contract';
import { PocketIdTestServer, startPocketIdTestServer } from '../pocket-id-server';

const secretsManager = mockClient(SecretsManagerClient);
let server: PocketIdTestServer;
let stdout: jest.SpyInstance;
let written: string[];

beforeAll(async () => {
  server = await startPocketIdTestServer({ rateLimit: false });
});
afterAll(() => server.close());
beforeEach(() => {
  secretsManager.reset();
  written = [];
  stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: any) => {
    written.push(String(chunk));
    return true;
  });
});
afterEach(() => stdout.mockRestore());

function awsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name, $metadata: { requestId: 'aws-request-1' } });
}

function createEvent(name: string, tokenSecret: string): any {
  return {
    RequestType: 'Create',
    RequestId: `req-${name}`,
    StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/s/1',
    LogicalResourceId: name,
    ResourceType: ResourceType.OIDC_CLIENT,
    ResponseURL: 'https://example.invalid',
    ServiceToken: 'x',
    ResourceProperties: {
      ServiceToken: 'x',
      ContractVersion: CONTRACT_VERSION,
      BaseUrl: server.baseUrl,
      ApiTokenSecret: tokenSecret,
      LogLevel: 'debug',
      Name: name,
      SecretArn: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-AbCdEf`,
    },
  };
}

test.each([
  ['AccessDeniedException', /AccessDeniedException.*may not use this secret/],
  ['ThrottlingException', /ThrottlingException/],
  ['ResourceNotFoundException', /does not exist \(deleted outside CloudFormation\?\)/],
])('PutSecretValue failing with %s removes the new client and reports the cause', async (name, message) => {
  const tokenSecret = `token-${name}`;
  // The client's own secret holds its placeholder; the handler reads it first, to put it back on failure.
  secretsManager.on(GetSecretValueCommand).resolves({ SecretString: 'placeholder-value' });
  secretsManager.on(GetSecretValueCommand, { SecretId: tokenSecret }).resolves({ SecretString: server.apiToken });
  secretsManager.on(PutSecretValueCommand).rejects(awsError(name, 'injected'));

  const error: any = await handler(createEvent(`put-${name}`, tokenSecret)).catch((e: any) => e);

  expect(error.message).toMatch(/PutSecretValue on secret arn:aws:secretsmanager:.*failed/);
  expect(error.message).toMatch(message);
  expect(error.message).not.toContain(server.apiToken);
  expect(server.clients().filter((c) => c.name === `put-${name}`)).toEqual([]);
  expect(written.join('')).not.toContain(server.apiToken);
});

test('an API key secret the handler may not read fails before anything is created', async () => {
  secretsManager.on(GetSecretValueCommand).rejects(awsError('AccessDeniedException', 'not allowed'));
  const before = server.requests.length;
  const error: any = await handler(createEvent('denied', 'token-denied')).catch((e: any) => e);
  expect(error.message).toMatch(/GetSecretValue on secret token-denied failed: AccessDeniedException/);
  expect(server.requests.length).toBe(before);
});

test('when the cleanup fails too, the error says what is left to remove by hand', async () => {
  const tokenSecret = 'token-cleanup';
  secretsManager.on(GetSecretValueCommand).resolves({ SecretString: 'placeholder-value' });
  secretsManager.on(GetSecretValueCommand, { SecretId: tokenSecret }).resolves({ SecretString: server.apiToken });
  secretsManager.on(PutSecretValueCommand).rejects(awsError('ThrottlingException', 'slow down'));
  server.injectFault({ method: 'DELETE', path: /\/api\/oidc\/clients\/[^/]+$/, status: 500, times: 10 });
  const error: any = await handler(createEvent('stuck', tokenSecret)).catch((e: any) => e);
  server.clearFaults();
  expect(error.message).toMatch(/Cleanup also failed, remove by hand: OIDC client [0-9a-f-]{36}/);
});
