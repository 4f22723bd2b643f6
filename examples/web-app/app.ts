/**
 * A web application and a single-page app that sign in with Pocket-ID.
 *
 * From the repository root, after `bash scripts/install.sh` (the first command bundles the handler
 * Lambda: needed once after a clone, and again after a change under lambda/):
 *
 *   npx projen pre-compile
 *   npx cdk synth --app "npx ts-node --prefer-ts-exts --project test/tsconfig.json examples/web-app/app.ts" --output cdk.out/web-app
 *
 * In your own app, import from 'cdk-pocket-id' instead of '../../lib'.
 */
import { App, Duration, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { Api, ApplicationConfiguration, OidcClient, PocketId, ScimServiceProvider, User, UserGroup } from '../../lib';

export class WebAppStack extends Stack {
  public readonly webApp: OidcClient;
  public readonly docs: OidcClient;
  public readonly admins: UserGroup;
  public readonly ordersApi: Api;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    const pocketId = new PocketId(this, 'PocketId', {
      baseUrl: process.env.POCKETID_BASE_URL ?? 'https://auth.example.com',
      apiToken: secretsmanager.Secret.fromSecretNameV2(this, 'Token', 'pocket-id/api-token'),
    });

    this.webApp = new OidcClient(this, 'WebApp', {
      pocketId,
      name: 'My Web Application',
      callbackUrls: ['https://app.example.com/callback', 'http://localhost:3000/callback'],
      logoutCallbackUrls: ['https://app.example.com/logout'],
      isPublic: false,
      pkceEnabled: true,
      // A new client secret every 30 days; the one it replaces keeps working for a day at least, for
      // app instances that read it before. The app reads AWSCURRENT and, on invalid_client, reads it again.
      secretRotation: { automaticallyAfter: Duration.days(30), overlap: Duration.days(1) },
    });

    this.docs = new OidcClient(this, 'Docs', {
      pocketId,
      name: 'Docs portal',
      description: 'Internal documentation, a single-page app',
      callbackUrls: ['https://docs.example.com/auth/callback'],
      isPublic: true,
      accessTokenLifetime: Duration.minutes(15),
    });

    // Who may sign in to the web app: the admins group, with Alice in it.
    this.admins = new UserGroup(this, 'Admins', {
      pocketId,
      name: 'admins',
      friendlyName: 'Administrators',
      customClaims: { role: 'admin' },
    });
    const alice = new User(this, 'Alice', {
      pocketId,
      username: 'alice',
      email: 'alice@example.com',
      firstName: 'Alice',
      lastName: 'Liddell',
      // A one-time link for Alice to register her passkey, stored in Secrets Manager.
      loginLink: { lifetime: Duration.days(2) },
    });
    this.admins.addMember(alice);
    // Someone who registered in Pocket-ID's UI, found by username when the stack deploys.
    this.admins.addMember(User.fromUsername(this, 'Bob', pocketId, 'bob'));
    this.webApp.allowGroup(this.admins);

    // The web app's backend API: access tokens for it carry its resource as their audience.
    this.ordersApi = new Api(this, 'OrdersApi', {
      pocketId,
      name: 'Orders API',
      resource: 'https://api.example.com/orders',
      permissions: [
        { key: 'orders:read', name: 'Read orders', description: 'See your orders' },
        { key: 'orders:write', name: 'Place orders' },
      ],
    });
    // The web app calls it for signed-in users, and for itself from its nightly job (client credentials).
    this.ordersApi.grantAccess(this.webApp, { userDelegatedPermissions: ['orders:read', 'orders:write'], clientPermissions: ['orders:read'] });
    // The docs portal is a public client: it may only act for a signed-in user.
    this.ordersApi.grantAccess(this.docs, { userDelegatedPermissions: ['orders:read'] });
    // Pocket-ID's own settings: only these are managed, whatever else is set in its UI stays.
    new ApplicationConfiguration(this, 'Configuration', {
      pocketId,
      applicationName: 'Example ID',
      sessionDuration: Duration.hours(8),
      email: { oneTimeAccessAsAdmin: true },
    });

    const server = new AppServer(this, 'AppServer');
    this.webApp.grantReadSecret(server.function);
    server.function.addEnvironment('OIDC_CREDENTIALS_SECRET_ARN', this.webApp.secret!.secretArn);

    // SCIM service providers
    // Pocket-ID provisions the web app's users and groups to its SCIM endpoint, with a bearer token both
    // sides read from one secret: the app checks it, the handler gives it to Pocket-ID. To change it, put
    // a new value into the secret and change tokenVersion.
    const scimToken = new secretsmanager.Secret(this, 'ScimToken', {
      description: 'Bearer token Pocket-ID sends to the web app\'s SCIM endpoint',
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });
    Validations.of(scimToken).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'The SCIM token is rolled out by hand: a new value in the secret, then a new tokenVersion.',
    });
    new ScimServiceProvider(this, 'WebAppScim', {
      client: this.webApp,
      endpoint: 'https://app.example.com/scim/v2',
      token: scimToken,
      tokenVersion: '1',
      syncAfterDeploy: true,
    });
    scimToken.grantRead(server.function);
    server.function.addEnvironment('SCIM_TOKEN_SECRET_ARN', scimToken.secretArn);
  }
}

/** Stands in for the application: a function that reads the client credentials at run time. */
class AppServer extends Construct {
  public readonly function: lambda.Function;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.ONE_MONTH });
    const role = new iam.Role(this, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));
    this.function = new lambda.Function(this, 'Function', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({ statusCode: 200 });'),
      role,
      logGroup,
    });
  }
}

export function createExampleApp(outdir?: string): { app: App; stack: WebAppStack } {
  const app = new App({ outdir });
  const stack = new WebAppStack(app, 'PocketIdWebAppExample', {
    env: { account: process.env.CDK_DEFAULT_ACCOUNT ?? '123456789012', region: process.env.CDK_DEFAULT_REGION ?? 'eu-west-1' },
  });
  return { app, stack };
}

if (require.main === module) {
  createExampleApp().app.synth();
}
