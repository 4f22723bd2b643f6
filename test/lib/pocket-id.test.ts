import { App, CfnResource, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { IConstruct } from 'constructs';
import { LogLevel, OidcClient, PocketId } from '../../lib';
import { scanSynthesizedTemplates } from '../support/template-exposure';

// Every template this file synthesizes is scanned for sentinel secrets (test-reports/reliability/exposure/).
scanSynthesizedTemplates();

const ENV_KEYS = ['POCKETID_BASE_URL', 'POCKETID_API_TOKEN_SECRET', 'POCKETID_API_TOKEN'];
/** A value that must never reach a template, whatever the code path. */
const SENTINEL_TOKEN = 'sentinel-token-7c1f9a2e4b6d8f0a3c5e7b9d1f3a5c7e';

function newStack(app = new App(), id = 'Stack'): Stack {
  return new Stack(app, id, { env: { account: '123456789012', region: 'eu-west-1' } });
}

function token(stack: Stack, name: string): secretsmanager.ISecret {
  return secretsmanager.Secret.fromSecretNameV2(stack, `${name}Secret`, name);
}

function withEnv(values: Record<string, string | undefined>, body: () => void): void {
  const saved = Object.fromEntries(ENV_KEYS.map((key) => [key, process.env[key]]));
  try {
    for (const key of ENV_KEYS) delete process.env[key];
    Object.assign(process.env, values);
    body();
  } finally {
    for (const key of ENV_KEYS) delete process.env[key];
    for (const [key, value] of Object.entries(saved)) if (value !== undefined) process.env[key] = value;
  }
}

function handlerPolicyStatements(template: Template): any[] {
  const policies = template.findResources('AWS::IAM::Policy', {
    Properties: { Roles: [{ Ref: Match.stringLikeRegexp('CdkPocketIdProviderHandlerRole') }] },
  });
  return Object.values(policies).flatMap((policy: any) => policy.Properties.PolicyDocument.Statement);
}

describe('PocketId', () => {
  test('baseUrl falls back to POCKETID_BASE_URL; an explicit prop wins; a trailing slash is harmless', () => {
    withEnv({ POCKETID_BASE_URL: 'https://env.example.com/' }, () => {
      const stack = newStack();
      expect(new PocketId(stack, 'FromEnv', { apiToken: token(stack, 't') }).baseUrl).toBe('https://env.example.com');
      expect(new PocketId(stack, 'FromProps', { baseUrl: 'https://props.example.com//', apiToken: token(stack, 'u') }).baseUrl).toBe('https://props.example.com');
    });
  });

  test('without baseUrl anywhere, synth fails and says how to fix it', () => {
    withEnv({}, () => {
      const stack = newStack();
      expect(() => new PocketId(stack, 'P', { apiToken: token(stack, 't') })).toThrow(/baseUrl is required.*POCKETID_BASE_URL/);
    });
  });

  test.each(['ftp://auth.example.com', 'auth.example.com', 'https://auth.example.com/?x=1'])('rejects baseUrl %s', (baseUrl) => {
    const stack = newStack();
    expect(() => new PocketId(stack, 'P', { baseUrl, apiToken: token(stack, 't') })).toThrow(/baseUrl must/);
  });

  test('POCKETID_API_TOKEN_SECRET names the token secret by name or ARN', () => {
    withEnv({ POCKETID_API_TOKEN_SECRET: 'pocket-id/api-token' }, () => {
      const stack = newStack();
      const pocketId = new PocketId(stack, 'P', { baseUrl: 'https://auth.example.com' });
      expect(stack.resolve(pocketId.apiToken.secretName)).toBe('pocket-id/api-token');
    });
    withEnv({ POCKETID_API_TOKEN_SECRET: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:pocket-id/api-token-AbCdEf' }, () => {
      const stack = newStack();
      const pocketId = new PocketId(stack, 'P', { baseUrl: 'https://auth.example.com' });
      expect(pocketId.apiToken.secretFullArn).toBe('arn:aws:secretsmanager:eu-west-1:123456789012:secret:pocket-id/api-token-AbCdEf');
    });
  });

  test('a token value in POCKETID_API_TOKEN fails synth with how to store it, and is not in the message', () => {
    withEnv({ POCKETID_API_TOKEN: SENTINEL_TOKEN }, () => {
      const stack = newStack();
      let message = '';
      try {
        new PocketId(stack, 'P', { baseUrl: 'https://auth.example.com' });
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/never copies.*aws secretsmanager create-secret/);
      expect(message).not.toContain(SENTINEL_TOKEN);
    });
  });

  test('the token value never appears in the synthesized template, whatever the environment holds', () => {
    withEnv({ POCKETID_API_TOKEN: SENTINEL_TOKEN, POCKETID_BASE_URL: 'https://auth.example.com' }, () => {
      const app = new App();
      const stack = newStack(app);
      const pocketId = new PocketId(stack, 'P', { apiToken: token(stack, 'pocket-id/api-token'), logLevel: LogLevel.DEBUG });
      new OidcClient(stack, 'Client', { pocketId, name: 'app' });
      const assembly = app.synth();
      const everything = JSON.stringify(assembly.getStackByName(stack.stackName).template) + JSON.stringify(assembly.manifest);
      expect(everything).not.toContain(SENTINEL_TOKEN);
      expect(everything).toContain('pocket-id/api-token');
    });
  });

  test('skipTlsVerify warns at synth time and reaches the handler as a property', () => {
    const stack = newStack();
    const pocketId = new PocketId(stack, 'P', { baseUrl: 'https://auth.example.com', apiToken: token(stack, 't'), skipTlsVerify: true, timeout: Duration.seconds(5) });
    new OidcClient(stack, 'Client', { pocketId, name: 'app' });
    Annotations.fromStack(stack).hasWarning('/Stack/P', Match.stringLikeRegexp('skipTlsVerify is true'));
    Template.fromStack(stack).hasResourceProperties('Custom::PocketIdOidcClient', { SkipTlsVerify: 'true', TimeoutSeconds: '5' });
  });

  test('timeout outside 1 to 120 seconds fails synth', () => {
    const stack = newStack();
    expect(() => new PocketId(stack, 'P', { baseUrl: 'https://a.example.com', apiToken: token(stack, 't'), timeout: Duration.minutes(5) })).toThrow(/timeout must be between 1 and 120 seconds/);
  });
});

describe('the stack\'s handler', () => {
  test('one handler per stack serves several clients of several instances', () => {
    const stack = newStack();
    const first = new PocketId(stack, 'First', { baseUrl: 'https://one.example.com', apiToken: token(stack, 'one') });
    const second = new PocketId(stack, 'Second', { baseUrl: 'https://two.example.com', apiToken: token(stack, 'two') });
    for (const [index, pocketId] of [first, first, second, second].entries()) {
      new OidcClient(stack, `Client${index}`, { pocketId, name: `app-${index}` });
    }
    const template = Template.fromStack(stack);
    template.resourceCountIs('Custom::PocketIdOidcClient', 4);
    // The handler itself and the Provider framework's function.
    template.resourceCountIs('AWS::Lambda::Function', 2);
    template.hasResourceProperties('AWS::Lambda::Function', { Runtime: 'nodejs24.x', Architectures: ['arm64'], Handler: 'index.handler' });
    const tokens = Object.values(template.findResources('Custom::PocketIdOidcClient')).map((r: any) => r.Properties.ServiceToken);
    expect(new Set(tokens.map((t) => JSON.stringify(t))).size).toBe(1);
  });

  test('the handler\'s path is frozen: CloudFormation refuses a changed ServiceToken', () => {
    const stack = newStack();
    const pocketId = new PocketId(stack, 'P', { baseUrl: 'https://a.example.com', apiToken: token(stack, 't') });
    new OidcClient(stack, 'Client', { pocketId, name: 'app' });
    expect(stack.node.tryFindChild('CdkPocketIdProvider')).toBeDefined();
    const resources = Object.keys(Template.fromStack(stack).findResources('AWS::Lambda::Function'));
    expect(resources.some((id) => id.startsWith('CdkPocketIdProviderHandler'))).toBe(true);
  });

  test('an instance used across stacks gets a handler in each stack that uses it', () => {
    const app = new App();
    const shared = newStack(app, 'Shared');
    const pocketId = new PocketId(shared, 'P', { baseUrl: 'https://a.example.com', apiToken: token(shared, 't') });
    const appOne = newStack(app, 'AppOne');
    const appTwo = newStack(app, 'AppTwo');
    new OidcClient(appOne, 'Client', { pocketId, name: 'one' });
    new OidcClient(appTwo, 'Client', { pocketId, name: 'two' });
    for (const stack of [appOne, appTwo]) {
      Template.fromStack(stack).resourceCountIs('Custom::PocketIdOidcClient', 1);
      Template.fromStack(stack).resourceCountIs('AWS::Lambda::Function', 2);
    }
    Template.fromStack(shared).resourceCountIs('AWS::Lambda::Function', 0);
  });

  test('the API token secret\'s ARN: built from its name, a secret of the stack, or one of another stack', () => {
    const app = new App();
    const shared = newStack(app, 'Shared');
    const owned = new secretsmanager.Secret(shared, 'Owned');
    const stack = newStack(app, 'Consumer');
    const byName = new PocketId(stack, 'ByName', { baseUrl: 'https://a.example.com', apiToken: token(stack, 'pocket-id/api-token') });
    const inStack = new PocketId(stack, 'InStack', { baseUrl: 'https://b.example.com', apiToken: new secretsmanager.Secret(stack, 'Mine') });
    const fromShared = new PocketId(stack, 'FromShared', { baseUrl: 'https://c.example.com', apiToken: owned });
    for (const [i, pocketId] of [byName, byName, inStack, fromShared].entries()) new OidcClient(stack, `Client${i}`, { pocketId, name: `app${i}` });
    const arns = Object.values(Template.fromStack(stack).findResources('Custom::PocketIdOidcClient')).map((resource: any) => resource.Properties.ApiTokenSecret);
    const nameArn = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':secretsmanager:eu-west-1:123456789012:secret:pocket-id/api-token']] };
    expect(arns).toEqual([nameArn, nameArn, { Ref: stack.getLogicalId(stack.node.findChild('Mine').node.defaultChild as any) }, { 'Fn::ImportValue': expect.stringContaining('Shared') }]);
  });

  test('least privilege: read only the token secrets in use, write only the client secrets owned', () => {
    const stack = newStack();
    const used = new PocketId(stack, 'Used', { baseUrl: 'https://a.example.com', apiToken: token(stack, 'used-token') });
    new PocketId(stack, 'Unused', { baseUrl: 'https://b.example.com', apiToken: token(stack, 'unused-token') });
    new OidcClient(stack, 'Confidential', { pocketId: used, name: 'app' });
    new OidcClient(stack, 'Public', { pocketId: used, name: 'spa', isPublic: true });
    const template = Template.fromStack(stack);
    const statements = handlerPolicyStatements(template);
    const text = JSON.stringify(statements);

    expect(text).toContain('secret:used-token-??????');
    expect(text).not.toContain('unused-token');
    for (const statement of statements) {
      expect(statement.Resource).not.toEqual('*');
      const actions = [statement.Action].flat();
      expect(actions.every((action: string) => /^(secretsmanager:(GetSecretValue|DescribeSecret|PutSecretValue|ListSecretVersionIds|UpdateSecretVersionStage)|logs:(CreateLogStream|PutLogEvents))$/.test(action))).toBe(true);
    }
    const written = statements.filter((s) => [s.Action].flat().includes('secretsmanager:PutSecretValue'));
    expect(written).toHaveLength(1);
    expect(written[0].Resource).toEqual({ Ref: expect.stringMatching(/^ConfidentialSecret/) });
    template.resourcePropertiesCountIs('AWS::IAM::Role', { ManagedPolicyArns: Match.anyValue(), Description: Match.stringLikeRegexp('cdk-pocket-id handler') }, 0);
  });

  test('owned secrets share statements of at most 32 ARNs, so 100 confidential clients need 2 managed policies', () => {
    const stack = newStack();
    const pocketId = new PocketId(stack, 'P', { baseUrl: 'https://a.example.com', apiToken: token(stack, 't') });
    for (let i = 0; i < 100; i++) new OidcClient(stack, `Client${i}`, { pocketId, name: `app-${i}` });
    const template = Template.fromStack(stack);
    const managed = Object.values(template.findResources('AWS::IAM::ManagedPolicy')) as any[];
    const statements = [...handlerPolicyStatements(template), ...managed.flatMap((policy) => policy.Properties.PolicyDocument.Statement)];
    const owned = statements.filter((s) => [s.Action].flat().includes('secretsmanager:PutSecretValue'));
    expect(owned.map((s) => [s.Resource].flat().length).sort((a, b) => b - a)).toEqual([32, 32, 32, 4]);
    const granted = owned.flatMap((s) => [s.Resource].flat().map((r: any) => r.Ref));
    expect(new Set(granted).size).toBe(100);
    expect(granted.every((ref: string) => /^Client\d+Secret/.test(ref))).toBe(true);
    expect(managed.length).toBeLessThanOrEqual(2);
  });

  describe('an API key secret encrypted with a customer-managed key: the handler may decrypt it, through Secrets Manager only', () => {
    const KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

    test('an imported secret, its key (imported too) given as apiTokenEncryptionKey: a statement in the handler\'s role', () => {
      const stack = newStack();
      const key = kms.Key.fromKeyArn(stack, 'TokenKey', KEY_ARN);
      const pocketId = new PocketId(stack, 'P', { baseUrl: 'https://auth.example.com', apiToken: token(stack, 't'), apiTokenEncryptionKey: key });
      new OidcClient(stack, 'C', { pocketId, name: 'c', isPublic: true });
      const decrypts = handlerPolicyStatements(Template.fromStack(stack)).filter((statement) => [statement.Action].flat().includes('kms:Decrypt'));
      expect(decrypts).toEqual([expect.objectContaining({
        Resource: KEY_ARN,
        Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } },
      })]);
    });

    test('a secret that carries its key (made in this stack with encryptionKey): the key\'s policy', () => {
      const stack = newStack();
      const key = new kms.Key(stack, 'TokenKey');
      const secret = new secretsmanager.Secret(stack, 'Token', { encryptionKey: key });
      const pocketId = new PocketId(stack, 'P', { baseUrl: 'https://auth.example.com', apiToken: secret });
      new OidcClient(stack, 'C', { pocketId, name: 'c', isPublic: true });
      const template = Template.fromStack(stack);
      const keyPolicy = JSON.stringify(template.findResources('AWS::KMS::Key'));
      // A key in the same stack grants through its key policy.
      expect(keyPolicy).toMatch(/kms:Decrypt/);
      expect(keyPolicy).toMatch(/CdkPocketIdProviderHandlerRole/);
    });

    test('a client secret owned here, encrypted with an imported key: the handler may encrypt and decrypt with it, through Secrets Manager only', () => {
      const stack = newStack();
      const key = kms.Key.fromKeyArn(stack, 'SecretKey', KEY_ARN);
      const pocketId = new PocketId(stack, 'P', { baseUrl: 'https://auth.example.com', apiToken: token(stack, 't') });
      new OidcClient(stack, 'C', { pocketId, name: 'c', secretEncryptionKey: key });
      const keyStatements = handlerPolicyStatements(Template.fromStack(stack)).filter((statement) => statement.Resource === KEY_ARN);
      expect(keyStatements).toEqual([expect.objectContaining({
        Action: expect.arrayContaining(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*']),
        Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } },
      })]);
    });

    test('apiTokenField reaches the handler; an empty one fails synth', () => {
      const stack = newStack();
      const pocketId = new PocketId(stack, 'P', { baseUrl: 'https://auth.example.com', apiToken: token(stack, 't'), apiTokenField: 'apiKey' });
      new OidcClient(stack, 'C', { pocketId, name: 'c', isPublic: true });
      Template.fromStack(stack).hasResourceProperties('Custom::PocketIdOidcClient', { ApiTokenField: 'apiKey' });
      expect(() => new PocketId(stack, 'Q', { baseUrl: 'https://auth.example.com', apiToken: token(stack, 'u'), apiTokenField: '' }))
        .toThrow(/apiTokenField must not be empty/);
    });
  });

  test('a log group with retention for the handler', () => {
    const stack = newStack();
    const pocketId = new PocketId(stack, 'P', { baseUrl: 'https://a.example.com', apiToken: token(stack, 't') });
    new OidcClient(stack, 'Client', { pocketId, name: 'app' });
    const template = Template.fromStack(stack);
    template.resourcePropertiesCountIs('AWS::Logs::LogGroup', { RetentionInDays: 90 }, 2);
    template.hasResourceProperties('AWS::Lambda::Function', { LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('HandlerLogs') } } });
  });

  test('networking: the handler joins the VPC; the framework function stays outside', () => {
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
    const pocketId = new PocketId(stack, 'P', { baseUrl: 'https://auth.internal', apiToken: token(stack, 't'), vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS } });
    new OidcClient(stack, 'Client', { pocketId, name: 'app' });
    const functions = Object.entries(Template.fromStack(stack).findResources('AWS::Lambda::Function'));
    const inVpc = functions.filter(([, f]: any) => f.Properties.VpcConfig).map(([id]) => id);
    expect(inVpc).toHaveLength(1);
    expect(inVpc[0]).toMatch(/^CdkPocketIdProviderHandler/);
  });

  test('instances with different networking in one stack fail synth with a clear message', () => {
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 1 });
    const inside = new PocketId(stack, 'Inside', { baseUrl: 'https://a.internal', apiToken: token(stack, 'a'), vpc });
    const outside = new PocketId(stack, 'Outside', { baseUrl: 'https://b.example.com', apiToken: token(stack, 'b') });
    new OidcClient(stack, 'A', { pocketId: inside, name: 'a' });
    expect(() => new OidcClient(stack, 'B', { pocketId: outside, name: 'b' })).toThrow(/must share the same vpc, vpcSubnets and securityGroups/);
  });
});

describe('creation stack traces', () => {
  const traced = (element: IConstruct | undefined) => element!.node.metadata.some((entry) => entry.type === 'aws:cdk:creationStack');

  function stackWithClient(context: Record<string, unknown> = {}): { client: OidcClient; own: CfnResource } {
    const stack = new Stack(new App({ context }), 'Stack');
    const pocketId = new PocketId(stack, 'PocketId', { baseUrl: 'https://auth.example.com', apiToken: secretsmanager.Secret.fromSecretNameV2(stack, 'Token', 'token') });
    const client = new OidcClient(stack, 'Web', { pocketId, name: 'web', callbackUrls: ['https://app.example.com/callback'] });
    return { client, own: new CfnResource(stack, 'Own', { type: 'AWS::SNS::Topic' }) };
  }

  test('the library\'s elements record none (each one cost a fifth of an entity\'s synth); the app\'s own still do', () => {
    const { client, own } = stackWithClient();
    expect(traced(client.node.defaultChild)).toBe(false);
    expect(traced(client.secret!.node.defaultChild)).toBe(false);
    expect(traced(own)).toBe(true);
  });

  test('an app that sets the context to false gets them, and so does CDK_DEBUG', () => {
    const { client } = stackWithClient({ 'aws:cdk:disable-creation-stack-traces': false });
    expect(traced(client.node.defaultChild)).toBe(true);
    process.env.CDK_DEBUG = 'true';
    try {
      expect(traced(stackWithClient().client.node.defaultChild)).toBe(true);
    } finally {
      delete process.env.CDK_DEBUG;
    }
  });
});
