import { RemovalPolicy, SecretValue, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { OidcClient, PocketId, ScimServiceProvider, ScimServiceProviderProps } from '../../lib';
import { handlerStatements, stackWithPocketId } from './support/fixture';
import { scanSynthesizedTemplates } from '../support/template-exposure';

// Every template this file synthesizes is scanned for sentinel secrets (test-reports/reliability/exposure/).
scanSynthesizedTemplates();

const TOKEN_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:apps/web/scim-token-AbC123';

function tokenIn(stack: Stack): secretsmanager.ISecret {
  const existing = stack.node.tryFindChild('ScimToken') as secretsmanager.ISecret | undefined;
  return existing ?? secretsmanager.Secret.fromSecretCompleteArn(stack, 'ScimToken', TOKEN_ARN);
}

function setup(): { stack: Stack; pocketId: PocketId; client: OidcClient } {
  const { stack, pocketId } = stackWithPocketId();
  const client = new OidcClient(stack, 'WebApp', { pocketId, name: 'Web app', isPublic: true });
  return { stack, pocketId, client };
}

describe('ScimServiceProvider', () => {
  test('the custom resource names the client, the endpoint and the token secret (its ARN only); Data is the provider id', () => {
    const { stack, client } = setup();
    const provider = new ScimServiceProvider(stack, 'Scim', {
      client,
      endpoint: 'https://app.example.com/scim/v2',
      token: tokenIn(stack),
      tokenField: 'token',
      tokenVersion: '2',
      syncAfterDeploy: true,
    });
    const template = Template.fromStack(stack);
    const clientLogicalId = Object.keys(template.findResources('Custom::PocketIdOidcClient'))[0];
    template.hasResourceProperties('Custom::PocketIdScimServiceProvider', {
      ContractVersion: '1',
      BaseUrl: 'https://auth.example.com',
      ClientId: { 'Fn::GetAtt': [clientLogicalId, 'ClientId'] },
      Endpoint: 'https://app.example.com/scim/v2',
      TokenSecret: TOKEN_ARN,
      TokenField: 'token',
      TokenVersion: '2',
      SyncAfterDeploy: 'true',
    });
    template.hasResource('Custom::PocketIdScimServiceProvider', { DeletionPolicy: 'Delete' });
    expect(stack.resolve(provider.providerId)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Scim/), 'ProviderId'] });
  });

  test('defaults: whole value as the token, no version, no sync; RETAIN is passed on', () => {
    const { stack, client } = setup();
    new ScimServiceProvider(stack, 'Scim', { client, endpoint: 'https://app.example.com/scim', token: tokenIn(stack), removalPolicy: RemovalPolicy.RETAIN });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('Custom::PocketIdScimServiceProvider', {
      TokenField: Match.absent(),
      TokenVersion: Match.absent(),
      SyncAfterDeploy: Match.absent(),
    });
    template.hasResource('Custom::PocketIdScimServiceProvider', { DeletionPolicy: 'Retain' });
  });

  test('least privilege: the handler may read the token secret (GetSecretValue) and not write it', () => {
    const { stack, client } = setup();
    new ScimServiceProvider(stack, 'Scim', { client, endpoint: 'https://app.example.com/scim', token: tokenIn(stack) });
    const onToken = handlerStatements(Template.fromStack(stack)).filter((statement) => JSON.stringify(statement.Resource).includes('scim-token'));
    expect(onToken).toEqual([{ Effect: 'Allow', Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], Resource: TOKEN_ARN }]);
    const wildcards = handlerStatements(Template.fromStack(stack)).filter((statement) => statement.Resource === '*');
    expect(wildcards).toEqual([]);
  });

  test('a token secret made in the stack: its value never reaches the template\'s custom resource; the handler may decrypt with its key', () => {
    const { stack, client } = setup();
    const value = `scim-${'t'.repeat(30)}`;
    const key = new kms.Key(stack, 'TokenKey');
    const token = new secretsmanager.Secret(stack, 'BroughtToken', { encryptionKey: key, secretStringValue: SecretValue.unsafePlainText(value) });
    new ScimServiceProvider(stack, 'Scim', { client, endpoint: 'https://app.example.com/scim', token });
    const template = Template.fromStack(stack);
    const [resource] = Object.values(template.findResources('Custom::PocketIdScimServiceProvider')) as any[];
    expect(JSON.stringify(resource.Properties)).not.toContain(value);
    expect(resource.Properties.TokenSecret).toEqual({ Ref: stack.getLogicalId(token.node.defaultChild as any) });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: 'kms:Decrypt',
          Principal: { AWS: { 'Fn::GetAtt': [Match.stringLikeRegexp('HandlerRole'), 'Arn'] } },
          Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } },
        })]),
      },
    });
  });

  test('a client referenced by id works', () => {
    const { stack, pocketId } = setup();
    const existing = OidcClient.fromClientId(stack, 'Existing', pocketId, 'grafana');
    new ScimServiceProvider(stack, 'Scim', { client: existing, endpoint: 'https://grafana.example.com/scim', token: tokenIn(stack) });
    Template.fromStack(stack).hasResourceProperties('Custom::PocketIdScimServiceProvider', { ClientId: 'grafana' });
  });

  test('two providers for one client fail synth: Pocket-ID shows only one per client', () => {
    const { stack, client } = setup();
    new ScimServiceProvider(stack, 'First', { client, endpoint: 'https://app.example.com/scim', token: tokenIn(stack) });
    expect(() => new ScimServiceProvider(stack, 'Second', { client, endpoint: 'https://other.example.com/scim', token: tokenIn(stack) }))
      .toThrow(/ScimServiceProvider '.*Second': client .* is already declared by 'Stack\/First'.*only one SCIM service provider per client/);
  });

  test('one client id referenced twice is one client', () => {
    const { stack, pocketId } = setup();
    const a = OidcClient.fromClientId(stack, 'A', pocketId, 'grafana');
    const b = OidcClient.fromClientId(stack, 'B', pocketId, 'grafana');
    new ScimServiceProvider(stack, 'First', { client: a, endpoint: 'https://app.example.com/scim', token: tokenIn(stack) });
    expect(() => new ScimServiceProvider(stack, 'Second', { client: b, endpoint: 'https://app.example.com/scim', token: tokenIn(stack) }))
      .toThrow(/client 'grafana' is already declared/);
  });

  test.each<[string, (stack: Stack) => Partial<ScimServiceProviderProps>, string]>([
    ['a plain http endpoint', () => ({ endpoint: 'http://app.example.com/scim' }), 'endpoint must use https://: Pocket-ID sends the bearer token'],
    ['an endpoint without a scheme', () => ({ endpoint: 'app.example.com/scim' }), 'endpoint must be an absolute https:// URL'],
    ['an ftp endpoint', () => ({ endpoint: 'ftp://app.example.com/scim' }), 'endpoint must be an absolute https:// URL'],
    ['credentials in the endpoint', () => ({ endpoint: 'https://user:pw@app.example.com/scim' }), 'endpoint must not hold credentials'],
    ['a fragment', () => ({ endpoint: 'https://app.example.com/scim#x' }), 'endpoint must not have a fragment'],
    ['an empty token field', () => ({ tokenField: '' }), 'tokenField must not be empty'],
    ['an ARN where a secret belongs', () => ({ token: TOKEN_ARN as any }), 'token must be a Secrets Manager secret (ISecret)'],
    ['no token', () => ({ token: null as any }), 'token is required'],
    ['a number for the version', () => ({ tokenVersion: 2 as any }), 'tokenVersion must be a string (got the number 2)'],
    ['a string for syncAfterDeploy', () => ({ syncAfterDeploy: 'yes' as any }), 'syncAfterDeploy must be true or false'],
    ['a client id string', () => ({ client: 'grafana' as any }), 'client must be an OIDC client'],
  ])('%s fails synth', (_name, change, message) => {
    const { stack, client } = setup();
    const props = { client, endpoint: 'https://app.example.com/scim', token: tokenIn(stack), ...change(stack) };
    expect(() => new ScimServiceProvider(stack, 'Scim', props)).toThrow(message);
  });

  test('http:// to a loopback host is allowed (the traffic never leaves the machine)', () => {
    const { stack, client } = setup();
    new ScimServiceProvider(stack, 'Scim', { client, endpoint: 'http://127.0.0.1:8080/scim/v2', token: tokenIn(stack) });
    Template.fromStack(stack).hasResourceProperties('Custom::PocketIdScimServiceProvider', { Endpoint: 'http://127.0.0.1:8080/scim/v2' });
  });
});
