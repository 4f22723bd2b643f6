import { App, Duration, Fn, RemovalPolicy, SecretValue, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { OidcClient, OidcClientProps, PocketId } from '../../lib';
import { handlerStatements } from './support/fixture';
import { scanSynthesizedTemplates } from '../support/template-exposure';

// Every template this file synthesizes is scanned for sentinel secrets (test-reports/reliability/exposure/).
scanSynthesizedTemplates();

const TOKEN_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:pocket-id/api-token-AbCdEf';

function newStack(): Stack {
  return new Stack(new App(), 'Stack', { env: { account: '123456789012', region: 'eu-west-1' } });
}

function pocketIdIn(stack: Stack, id = 'PocketId', baseUrl = 'https://auth.example.com/'): PocketId {
  return new PocketId(stack, id, {
    baseUrl,
    apiToken: secretsmanager.Secret.fromSecretCompleteArn(stack, `${id}Token`, TOKEN_ARN.replace('api-token', `${id}-token`)),
  });
}

const ISSUER = 'https://agent.example.com';

/** An EC P-256 public JWK as JSON text, with members changed or (undefined) removed. */
function jwk(changes: Record<string, string | undefined> = {}): string {
  const key: Record<string, string | undefined> = { kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0', kid: 'agent-1', ...changes };
  return JSON.stringify(Object.fromEntries(Object.entries(key).filter(([, value]) => value !== undefined)));
}

/** The stack's KMS key lets the role whose logical id contains `role` decrypt, through Secrets Manager only. */
function expectDecryptThroughSecretsManager(template: Template, role: string): void {
  template.hasResourceProperties('AWS::KMS::Key', {
    KeyPolicy: {
      Statement: Match.arrayWith([Match.objectLike({
        Action: 'kms:Decrypt',
        Principal: { AWS: { 'Fn::GetAtt': [Match.stringLikeRegexp(role), 'Arn'] } },
        Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } },
      })]),
    },
  });
}

function clientProps(pocketId: PocketId, extra: Partial<OidcClientProps> = {}): OidcClientProps {
  return { pocketId, name: 'My Web Application', callbackUrls: ['https://app.example.com/callback'], ...extra };
}

describe('OidcClient', () => {
  test('a confidential client: a custom resource with ids, URLs and ARNs only, and a secret it owns', () => {
    const stack = newStack();
    const pocketId = pocketIdIn(stack);
    new OidcClient(stack, 'WebApp', clientProps(pocketId, {
      logoutCallbackUrls: ['https://app.example.com/logout'],
      pkceEnabled: true,
      accessTokenLifetime: Duration.minutes(30),
      refreshTokenLifetime: Duration.days(7),
      federatedIdentities: [{ issuer: 'https://token.actions.githubusercontent.com', subject: 'repo:org/app:ref:refs/heads/main' }],
    }));
    const template = Template.fromStack(stack);

    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    template.hasResourceProperties('Custom::PocketIdOidcClient', {
      ContractVersion: '1',
      BaseUrl: 'https://auth.example.com',
      ApiTokenSecret: TOKEN_ARN.replace('api-token', 'PocketId-token'),
      SkipTlsVerify: 'false',
      TimeoutSeconds: '30',
      LogLevel: 'info',
      Name: 'My Web Application',
      CallbackUrls: ['https://app.example.com/callback'],
      LogoutCallbackUrls: ['https://app.example.com/logout'],
      PkceEnabled: 'true',
      AccessTokenLifetimeMinutes: '30',
      RefreshTokenLifetimeMinutes: '10080',
      FederatedIdentities: [{ Issuer: 'https://token.actions.githubusercontent.com', Subject: 'repo:org/app:ref:refs/heads/main' }],
      SecretArn: { Ref: Match.stringLikeRegexp('WebAppSecret') },
    });
    // Properties never set stay absent, so that the handler keeps the server's values on update.
    const [resource] = Object.values(template.findResources('Custom::PocketIdOidcClient'));
    expect(Object.keys(resource.Properties)).not.toEqual(expect.arrayContaining(['SkipConsent']));
    expect(resource.Properties.IsPublic).toBeUndefined();
    expect(resource.DeletionPolicy).toBe('Delete');
  });

  test('attributes: clientId from the resource, issuer and discovery URLs from the instance', () => {
    const stack = newStack();
    const client = new OidcClient(stack, 'WebApp', clientProps(pocketIdIn(stack)));
    const [logicalId] = Object.keys(Template.fromStack(stack).findResources('Custom::PocketIdOidcClient'));
    expect(stack.resolve(client.clientId)).toEqual({ 'Fn::GetAtt': [logicalId, 'ClientId'] });
    expect(client.issuerUrl).toBe('https://auth.example.com');
    expect(client.discoveryUrl).toBe('https://auth.example.com/.well-known/openid-configuration');
    expect(client.secret).toBeDefined();
  });

  test('a public client owns no secret', () => {
    const stack = newStack();
    const client = new OidcClient(stack, 'Spa', clientProps(pocketIdIn(stack), { isPublic: true }));
    expect(client.secret).toBeUndefined();
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    template.hasResourceProperties('Custom::PocketIdOidcClient', { IsPublic: 'true', SecretArn: Match.absent() });
  });

  test('removalPolicy RETAIN keeps the client and, by default, its secret', () => {
    const stack = newStack();
    new OidcClient(stack, 'Kept', clientProps(pocketIdIn(stack), { removalPolicy: RemovalPolicy.RETAIN }));
    const template = Template.fromStack(stack);
    template.hasResource('Custom::PocketIdOidcClient', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    template.hasResource('AWS::SecretsManager::Secret', { DeletionPolicy: 'Retain' });
  });

  test('the secret takes the KMS key, name and removal policy the user chooses', () => {
    const stack = newStack();
    const key = new kms.Key(stack, 'Key');
    new OidcClient(stack, 'WebApp', clientProps(pocketIdIn(stack), { secretEncryptionKey: key, secretName: 'apps/web/oidc', secretRemovalPolicy: RemovalPolicy.SNAPSHOT }));
    const template = Template.fromStack(stack);
    template.hasResource('AWS::SecretsManager::Secret', {
      Properties: { Name: 'apps/web/oidc', KmsKeyId: Match.anyValue() },
      DeletionPolicy: 'Snapshot',
    });
  });

  test('secret.grantRead gives an application read access to the client credentials', () => {
    const stack = newStack();
    const client = new OidcClient(stack, 'WebApp', clientProps(pocketIdIn(stack)));
    const app = new lambda.Function(stack, 'App', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler=async()=>{}') });
    client.secret!.grantRead(app);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('AppServiceRole') }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], Resource: { Ref: Match.stringLikeRegexp('WebAppSecret') } })]) },
    });
  });

  test('grantReadSecret gives the grantee read access to the credentials secret and decryption with its KMS key', () => {
    const stack = newStack();
    const key = new kms.Key(stack, 'Key');
    const client = new OidcClient(stack, 'WebApp', clientProps(pocketIdIn(stack), { secretEncryptionKey: key }));
    const role = new iam.Role(stack, 'AppRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const grant = client.grantReadSecret(role);
    expect(grant.success).toBe(true);
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('AppRole') }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], Resource: { Ref: Match.stringLikeRegexp('WebAppSecret') } })]) },
    });
    // A key in the same stack takes the grant in its key policy, for reads through Secrets Manager only.
    expectDecryptThroughSecretsManager(template, 'AppRole');
  });

  test('grantReadSecret on a public client fails, naming the client and why', () => {
    const stack = newStack();
    const client = new OidcClient(stack, 'Spa', clientProps(pocketIdIn(stack), { isPublic: true }));
    const role = new iam.Role(stack, 'AppRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    expect(() => client.grantReadSecret(role)).toThrow("OidcClient 'Stack/Spa': grantReadSecret() needs a confidential client, but this one is public (isPublic: true) and has no client secret");
  });

  test('fromClientId references an existing client without creating anything', () => {
    const stack = newStack();
    const pocketId = pocketIdIn(stack);
    const existing = OidcClient.fromClientId(stack, 'Grafana', pocketId, 'grafana');
    expect(existing.clientId).toBe('grafana');
    expect(existing.discoveryUrl).toBe('https://auth.example.com/.well-known/openid-configuration');
    expect(Object.keys(Template.fromStack(stack).toJSON().Resources ?? {})).toEqual([]);
  });

  test.each<[string, Partial<OidcClientProps>, RegExp]>([
    ['an empty name', { name: '' }, /name must not be empty/],
    ['a name over 50 characters', { name: 'n'.repeat(51) }, /name must be at most 50 characters \(got 51\)/],
    ['a description over 150 characters', { description: 'd'.repeat(151) }, /description must be at most 150 characters/],
    ['a client id with a space', { clientId: 'my client' }, /clientId may contain only letters, digits/],
    ['a one-character client id', { clientId: 'a' }, /clientId must be at least 2 characters/],
    ['a callback URL without a scheme', { callbackUrls: ['app.example.com/cb'] }, /callbackUrls\[0\] must start with a scheme/],
    ['a javascript: callback URL', { callbackUrls: ['https://ok.example.com', 'javascript:alert(1)'] }, /callbackUrls\[1\] must not use the javascript: scheme/],
    ['a data: logout URL', { logoutCallbackUrls: ['data:text/html,x'] }, /logoutCallbackUrls\[0\] must not use the data: scheme/],
    ['a relative launch URL', { launchUrl: '/home' }, /launchUrl must be an absolute URL/],
    ['PAR with a public client', { isPublic: true, requiresPushedAuthorizationRequests: true }, /requiresPushedAuthorizationRequests cannot be true for a public client/],
    ['an access token lifetime of seconds', { accessTokenLifetime: Duration.seconds(90) }, /accessTokenLifetime must be a whole number of minutes/],
    ['a refresh token lifetime over a year', { refreshTokenLifetime: Duration.days(400) }, /refreshTokenLifetime must be between 1 minute and 365 days/],
    ['a federated identity without issuer', { federatedIdentities: [{ issuer: ' ' }] }, /federatedIdentities\[0\]\.issuer must not be empty/],
    ['a back-channel logout URL that is relative', { backchannelLogoutUrl: '/logout' }, /backchannelLogoutUrl must be an absolute http:\/\/ or https:\/\/ URL/],
    ['a back-channel logout URL with an empty fragment', { backchannelLogoutUrl: 'https://app.example.com/logout#' }, /backchannelLogoutUrl must not have a fragment/],
    ['an http back-channel logout URL on a public client', { isPublic: true, backchannelLogoutUrl: 'http://app.example.com/logout' }, /backchannelLogoutUrl must use https:\/\/ for a public client/],
    ['a public key that is no JSON object', { federatedIdentities: [{ issuer: ISSUER, publicKeys: ['not json'] }] }, /federatedIdentities\[0\]\.publicKeys\[0\] must be one public JWK as JSON text/],
    ['a private key', { federatedIdentities: [{ issuer: ISSUER, publicKeys: [jwk({ d: 'private' })] }] }, /publicKeys\[0\] holds private key material \(d\): give the public key only/],
    ['a symmetric key', { federatedIdentities: [{ issuer: ISSUER, publicKeys: [JSON.stringify({ kty: 'oct', kid: 'k' })] }] }, /publicKeys\[0\] has kty 'oct': Pocket-ID takes only asymmetric public keys/],
    ['a public key without kid', { federatedIdentities: [{ issuer: ISSUER, publicKeys: [jwk({ kid: undefined })] }] }, /publicKeys\[0\] has no "kid"/],
    ['a key meant for encryption', { federatedIdentities: [{ issuer: ISSUER, publicKeys: [jwk({ use: 'enc' })] }] }, /publicKeys\[0\] has "use" "enc"/],
    ['two keys with one kid', { federatedIdentities: [{ issuer: ISSUER, publicKeys: [jwk(), jwk()] }] }, /publicKeys\[1\]: its kid 'agent-1' is already the kid of an earlier key/],
    ['public keys and a JWKS URL', { federatedIdentities: [{ issuer: ISSUER, jwksUrl: `${ISSUER}/jwks`, publicKeys: [jwk()] }] }, /federatedIdentities\[0\] sets both jwksUrl and publicKeys/],
  ])('synth fails on %s, naming the field and the rule', (_, extra, message) => {
    const stack = newStack();
    expect(() => new OidcClient(stack, 'Bad', clientProps(pocketIdIn(stack), extra))).toThrow(message);
  });

  test('a private key is never quoted in the message that refuses it', () => {
    const stack = newStack();
    const privateKey = jwk({ d: 'sEcReTpRiVaTeScAlAr0123456789' });
    const error = (() => {
      try {
        new OidcClient(stack, 'Bad', clientProps(pocketIdIn(stack), { federatedIdentities: [{ issuer: ISSUER, publicKeys: [privateKey] }] }));
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(error?.message).toMatch(/holds private key material/);
    expect(error?.message).not.toContain('sEcReTpRiVaTeScAlAr');
  });

  test('back-channel logout and public keys reach the custom resource as the contract states them', () => {
    const stack = newStack();
    new OidcClient(stack, 'Agent', clientProps(pocketIdIn(stack), {
      backchannelLogoutUrl: 'https://app.example.com/backchannel-logout',
      federatedIdentities: [{ issuer: ISSUER, publicKeys: [jwk(), jwk({ kid: 'agent-2' })] }],
    }));
    Template.fromStack(stack).hasResourceProperties('Custom::PocketIdOidcClient', {
      BackchannelLogoutUrl: 'https://app.example.com/backchannel-logout',
      FederatedIdentities: [{ Issuer: ISSUER, PublicKeys: [jwk(), jwk({ kid: 'agent-2' })] }],
    });
  });

  test('null where jsii languages can pass one is reported by field name', () => {
    const stack = newStack();
    expect(() => new OidcClient(stack, 'Bad', { pocketId: pocketIdIn(stack), name: null as any })).toThrow(/name is required/);
    expect(() => new OidcClient(stack, 'Bad2', { pocketId: null as any, name: 'x' })).toThrow(/pocketId is required/);
  });

  test('values that are tokens at synth time are left to the handler to check', () => {
    const stack = newStack();
    const name = Fn.importValue('ClientName');
    const callback = Fn.importValue('Callback');
    expect(() => new OidcClient(stack, 'Tokenized', clientProps(pocketIdIn(stack), { name, callbackUrls: [callback] }))).not.toThrow();
    Template.fromStack(stack).hasResourceProperties('Custom::PocketIdOidcClient', { Name: { 'Fn::ImportValue': 'ClientName' } });
  });
});

describe('OidcClient secret rotation', () => {
  function acknowledgedRules(construct: { node: { metadata: Array<{ type: string; data: unknown }> } }): string[] {
    return construct.node.metadata.filter((entry) => entry.type === 'aws:cdk:acknowledged-rules').flatMap((entry) => JSON.stringify(entry.data));
  }

  test('a rotation schedule on the owned secret, served by a rotation function from the handler\'s asset', () => {
    const stack = newStack();
    const client = new OidcClient(stack, 'App', clientProps(pocketIdIn(stack), {
      secretRotation: { automaticallyAfter: Duration.days(7), overlap: Duration.hours(6) },
      secretLifetime: Duration.days(10),
      exclusiveSecrets: true,
    }));
    const template = Template.fromStack(stack);
    const functions = template.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.rotate' } });
    expect(Object.keys(functions)).toHaveLength(1);
    const [functionId, rotationFunction] = Object.entries(functions)[0] as [string, any];
    const handler = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler' } }))[0] as any;
    expect(rotationFunction.Properties.Code).toEqual(handler.Properties.Code);
    expect(rotationFunction.Properties.Runtime).toBe('nodejs24.x');
    const settings = JSON.parse(rotationFunction.Properties.Environment.Variables.POCKETID_ROTATION_SETTINGS);
    expect(settings).toEqual({
      BaseUrl: 'https://auth.example.com',
      ApiTokenSecret: expect.stringContaining('secret:pocket-id/PocketId-token'),
      SkipTlsVerify: 'false',
      TimeoutSeconds: '30',
      LogLevel: 'info',
      ContractVersion: '1',
      OverlapSeconds: String(6 * 3600),
      SecretLifetimeSeconds: String(10 * 86400),
      ExclusiveSecrets: 'true',
    });
    const schedules = template.findResources('AWS::SecretsManager::RotationSchedule');
    expect(Object.values(schedules)).toEqual([expect.objectContaining({
      Properties: {
        SecretId: { Ref: stack.getLogicalId(client.secret!.node.defaultChild as any) },
        RotationLambdaARN: { 'Fn::GetAtt': [functionId, 'Arn'] },
        RotationRules: { ScheduleExpression: 'rate(7 days)' },
        RotateImmediatelyOnUpdate: false,
      },
      // The client resource writes the first credentials: the schedule waits for it.
      DependsOn: expect.arrayContaining([stack.getLogicalId(client.node.defaultChild as any)]),
    })]);
    template.hasResourceProperties('AWS::Lambda::Permission', { FunctionName: { 'Fn::GetAtt': [functionId, 'Arn'] }, Principal: 'secretsmanager.amazonaws.com' });
    template.hasResourceProperties('Custom::PocketIdOidcClient', { SecretLifetimeSeconds: String(10 * 86400), ExclusiveSecrets: 'true' });
    expect(acknowledgedRules(client.secret as any).join()).not.toContain('SMG4');
  });

  test('a client without rotation acknowledges SMG4; one with a schedule expression uses it as is', () => {
    const stack = newStack();
    const pocketId = pocketIdIn(stack);
    const still = new OidcClient(stack, 'Still', clientProps(pocketId));
    expect(acknowledgedRules(still.secret as any).join()).toContain('SMG4');
    new OidcClient(stack, 'Cron', clientProps(pocketId, { secretRotation: { scheduleExpression: 'cron(0 4 ? * SUN *)' } }));
    Template.fromStack(stack).hasResourceProperties('AWS::SecretsManager::RotationSchedule', { RotationRules: { ScheduleExpression: 'cron(0 4 ? * SUN *)' } });
  });

  test('two rotating clients share one role and one log group', () => {
    const stack = newStack();
    const pocketId = pocketIdIn(stack);
    new OidcClient(stack, 'A', clientProps(pocketId, { secretRotation: {} }));
    new OidcClient(stack, 'B', clientProps(pocketId, { secretRotation: {} }));
    const template = Template.fromStack(stack);
    const roles = new Set(Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.rotate' } }))
      .map((fn: any) => JSON.stringify(fn.Properties.Role)));
    expect(roles.size).toBe(1);
    template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', { RotationRules: { ScheduleExpression: 'rate(30 days)' } });
  });

  test.each([
    [{ isPublic: true, secretRotation: {} }, 'secretRotation needs a confidential client'],
    [{ isPublic: true, secretLifetime: Duration.days(40) }, 'secretLifetime needs a confidential client'],
    [{ secretRotation: { automaticallyAfter: Duration.days(7), scheduleExpression: 'rate(7 days)' } }, 'takes automaticallyAfter or scheduleExpression, not both'],
    [{ secretRotation: { automaticallyAfter: Duration.hours(1) } }, 'secretRotation.automaticallyAfter must be between 4 hours and 1000 days (got 1 hours)'],
    [{ secretRotation: { scheduleExpression: 'every sunday' } }, 'secretRotation.scheduleExpression must be a Secrets Manager rate(N hours|days) or cron(...) expression'],
    [{ secretRotation: { automaticallyAfter: Duration.days(7), overlap: Duration.days(7) } }, 'secretRotation.overlap (7 days) must be shorter than the rotation schedule (7 days)'],
    [{ secretRotation: { scheduleExpression: 'rate(2 days)', overlap: Duration.days(3) } }, 'secretRotation.overlap (3 days) must be shorter than the rotation schedule (2 days)'],
    [{ secretRotation: { automaticallyAfter: Duration.days(30) }, secretLifetime: Duration.days(30) },
      'secretLifetime (30 days) must be at least the rotation schedule plus the overlap (31 days)'],
    [{ secretLifetime: Duration.minutes(5) }, 'secretLifetime must be at least 1 hour (got 300 seconds)'],
  ])('synth refuses %j', (extra, message) => {
    const stack = newStack();
    expect(() => new OidcClient(stack, 'Bad', clientProps(pocketIdIn(stack), extra as Partial<OidcClientProps>))).toThrow(message);
  });

  test('a lifetime without rotation is a warning: the secret would expire with nothing to replace it', () => {
    const stack = newStack();
    new OidcClient(stack, 'Expiring', clientProps(pocketIdIn(stack), { secretLifetime: Duration.days(90) }));
    Annotations.fromStack(stack).hasWarning('/Stack/Expiring', Match.stringLikeRegexp('secretLifetime is set without secretRotation'));
  });
});

describe('OidcClient with a client secret the user brings', () => {
  const SOURCE_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:apps/web/oidc-secret-XyZ123';

  function sourceIn(stack: Stack): secretsmanager.ISecret {
    return secretsmanager.Secret.fromSecretCompleteArn(stack, 'Source', SOURCE_ARN);
  }

  test('the custom resource names the secret, its field and version; the handler may read it', () => {
    const stack = newStack();
    const client = new OidcClient(stack, 'WebApp', clientProps(pocketIdIn(stack), {
      clientSecret: sourceIn(stack),
      clientSecretField: 'secret',
      clientSecretVersion: '2',
    }));
    const template = Template.fromStack(stack);
    template.hasResourceProperties('Custom::PocketIdOidcClient', {
      ClientSecretSource: SOURCE_ARN,
      ClientSecretField: 'secret',
      ClientSecretVersion: '2',
      SecretArn: { Ref: Match.stringLikeRegexp('WebAppSecret') },
    });
    expect(handlerStatements(template)).toEqual(expect.arrayContaining([expect.objectContaining({
      Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
      Resource: SOURCE_ARN,
    })]));
    // The construct still owns the credentials secret that apps read.
    expect(client.secret).toBeDefined();
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
  });

  test('a secret made in the stack: its value never reaches the custom resource; the handler may decrypt with its key', () => {
    const stack = newStack();
    const value = `brought-${'v'.repeat(24)}`;
    const key = new kms.Key(stack, 'SourceKey');
    const source = new secretsmanager.Secret(stack, 'Source', { encryptionKey: key, secretStringValue: SecretValue.unsafePlainText(value) });
    new OidcClient(stack, 'WebApp', clientProps(pocketIdIn(stack), { clientSecret: source }));
    const template = Template.fromStack(stack);
    const [resource] = Object.values(template.findResources('Custom::PocketIdOidcClient')) as any[];
    expect(resource.Properties.ClientSecretSource).toEqual({ Ref: stack.getLogicalId(source.node.defaultChild as any) });
    expect(JSON.stringify(resource.Properties)).not.toContain(value);
    expect(resource.Properties.ClientSecretField).toBeUndefined();
    expect(resource.Properties.ClientSecretVersion).toBeUndefined();
    expect(handlerStatements(template)).toEqual(expect.arrayContaining([
      expect.objectContaining({ Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], Resource: resource.Properties.ClientSecretSource }),
    ]));
    expectDecryptThroughSecretsManager(template, 'HandlerRole');
  });

  test('two clients that bring the same secret grant the handler once', () => {
    const stack = newStack();
    const pocketId = pocketIdIn(stack);
    const source = sourceIn(stack);
    new OidcClient(stack, 'A', clientProps(pocketId, { clientSecret: source }));
    new OidcClient(stack, 'B', clientProps(pocketId, { clientSecret: source }));
    const reads = handlerStatements(Template.fromStack(stack)).filter((statement) => statement.Resource === SOURCE_ARN);
    expect(reads).toHaveLength(1);
  });

  test.each<[string, (stack: Stack) => Partial<OidcClientProps>, string]>([
    ['a public client', (stack) => ({ isPublic: true, clientSecret: sourceIn(stack) }), 'clientSecret needs a confidential client: a public client (isPublic: true) has no secret'],
    ['rotation', (stack) => ({ clientSecret: sourceIn(stack), secretRotation: {} }), 'clientSecret cannot be combined with secretRotation: a secret you bring is rotated by you'],
    ['a field without the secret', () => ({ clientSecretField: 'secret' }), 'clientSecretField needs clientSecret'],
    ['a version without the secret', () => ({ clientSecretVersion: '2' }), 'clientSecretVersion needs clientSecret'],
    ['an empty field', (stack) => ({ clientSecret: sourceIn(stack), clientSecretField: '' }), 'clientSecretField must not be empty'],
    ['an ARN where a secret belongs', () => ({ clientSecret: SOURCE_ARN as any }), 'clientSecret must be a Secrets Manager secret (ISecret)'],
    ['a number for the version', (stack) => ({ clientSecret: sourceIn(stack), clientSecretVersion: 2 as any }), 'clientSecretVersion must be a string (got the number 2)'],
  ])('synth refuses %s, naming the field and the rule', (_, extra, message) => {
    const stack = newStack();
    expect(() => new OidcClient(stack, 'Bad', clientProps(pocketIdIn(stack), extra(stack)))).toThrow(message);
  });

  test('a lifetime is a warning that says to roll out a new value before it runs out', () => {
    const stack = newStack();
    new OidcClient(stack, 'Expiring', clientProps(pocketIdIn(stack), { clientSecret: sourceIn(stack), secretLifetime: Duration.days(90) }));
    Annotations.fromStack(stack).hasWarning('/Stack/Expiring', Match.stringLikeRegexp('put a new value into clientSecret and change clientSecretVersion'));
  });
});
