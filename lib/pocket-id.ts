import { Annotations, Duration, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ConnectionProperties, CONTRACT_VERSION } from './contract';
import { OidcEndpoints } from './oidc-endpoints';
import { endpointsUnder } from './private/oidc-endpoints';
import { PocketIdBinding, PocketIdProvider } from './private/pocket-id-provider';
import { checkBoolean, checkDuration, checkEnum, checkObject, checkObjectList, checkString, invalidProps, isSecret } from './private/prop-types';
import { validateBaseUrl } from './private/validation';

/** Environment variable read at synth time when `baseUrl` is not given. */
const BASE_URL_ENV = 'POCKETID_BASE_URL';
/** Environment variable (a secret's name or ARN) read at synth time when `apiToken` is not given. */
const API_TOKEN_SECRET_ENV = 'POCKETID_API_TOKEN_SECRET';
/** Environment variable that must never reach a template. */
const API_TOKEN_VALUE_ENV = 'POCKETID_API_TOKEN';

/** How much the handler logs for the resources of a Pocket-ID instance. */
export enum LogLevel {
  /** Each HTTP request's method, path, status and duration, plus everything below. */
  DEBUG = 'debug',
  /** One line per lifecycle operation, plus everything below. */
  INFO = 'info',
  /** Retries and recoverable surprises, plus errors. */
  WARN = 'warn',
  /** Failures only. */
  ERROR = 'error',
}

/** Properties of a connection to one Pocket-ID instance. */
export interface PocketIdProps {
  /**
   * Pocket-ID's base URL, e.g. `https://auth.example.com`. A trailing slash is ignored.
   *
   * @default - the `POCKETID_BASE_URL` environment variable at synth time
   */
  readonly baseUrl?: string;

  /**
   * The Secrets Manager secret whose value is a Pocket-ID API key (plain text). Only the secret's ARN
   * reaches the template; the handler reads the value at run time.
   *
   * @default - the secret named (name or ARN) by the `POCKETID_API_TOKEN_SECRET` environment variable at synth time
   */
  readonly apiToken?: secretsmanager.ISecret;

  /**
   * The key of the field that holds the API key, when the `apiToken` secret's value is a JSON object
   * (as with `Secret.fromSecretsManager(secret, field)` in ECS). A JSON value without this field fails
   * the deployment with an error that says so, before anything is sent to Pocket-ID.
   *
   * @default - the secret's whole value is the API key
   */
  readonly apiTokenField?: string;

  /**
   * The KMS key that encrypts the `apiToken` secret, when it is a customer-managed key that the
   * imported secret does not carry (a secret made in this app with `encryptionKey`, or imported with
   * `Secret.fromSecretAttributes({ encryptionKey })`, already does). The handler gets `kms:Decrypt` on
   * it, through Secrets Manager only.
   *
   * @default - the secret's own encryption key, if it has one; else the account's `aws/secretsmanager` key, which needs no grant
   */
  readonly apiTokenEncryptionKey?: kms.IKey;

  /**
   * The issuer URL Pocket-ID announces (its `APP_URL`). Clients' `issuerUrl` and `discoveryUrl` use it.
   *
   * @default - the base URL
   */
  readonly issuerUrl?: string;

  /**
   * Turns TLS certificate verification off for requests to Pocket-ID. Only for test servers with
   * self-signed certificates: anyone on the path could then impersonate Pocket-ID and read the API key.
   *
   * @default false
   */
  readonly skipTlsVerify?: boolean;

  /**
   * Timeout of each HTTP request to Pocket-ID.
   *
   * @default Duration.seconds(30)
   */
  readonly timeout?: Duration;

  /**
   * How much the handler logs for this instance's resources. Secrets are never logged at any level.
   *
   * @default LogLevel.INFO
   */
  readonly logLevel?: LogLevel;

  /**
   * The VPC the handler runs in, for a Pocket-ID that is reachable only from a private network.
   * Every PocketId used in one stack must share the same networking, since one handler serves them all.
   *
   * @default - the handler runs outside any VPC
   */
  readonly vpc?: ec2.IVpc;

  /**
   * Where in the VPC the handler's network interfaces go.
   *
   * @default - the VPC's private subnets
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * Security groups of the handler in the VPC.
   *
   * @default - a security group that allows all outbound traffic
   */
  readonly securityGroups?: ec2.ISecurityGroup[];
}

/**
 * A connection to one Pocket-ID instance. It creates no AWS resources itself: the resources that use
 * it share one handler per stack. Several instances may be used side by side, in one stack or many.
 */
export class PocketId extends Construct {
  /** Pocket-ID's base URL, without a trailing slash. */
  public readonly baseUrl: string;
  /** The issuer URL of this Pocket-ID. */
  public readonly issuerUrl: string;
  /** The secret that holds the API key. */
  public readonly apiToken: secretsmanager.ISecret;
  /** The JSON field of the secret that holds the API key, if its value is a JSON object. */
  public readonly apiTokenField?: string;

  private readonly timeout: Duration;
  private readonly skipTlsVerify: boolean;
  private readonly logLevel: LogLevel;
  private readonly props: PocketIdProps;

  constructor(scope: Construct, id: string, props: PocketIdProps = {}) {
    super(scope, id);
    validateProps(this, props);
    this.props = props;
    this.baseUrl = resolveBaseUrl(props.baseUrl);
    this.issuerUrl = props.issuerUrl === undefined ? this.baseUrl : stripTrailingSlash(props.issuerUrl);
    this.apiToken = props.apiToken ?? this.importTokenSecretFromEnvironment();
    this.apiTokenField = props.apiTokenField;
    this.timeout = props.timeout ?? Duration.seconds(30);
    this.skipTlsVerify = props.skipTlsVerify ?? false;
    this.logLevel = props.logLevel ?? LogLevel.INFO;
    this.validateTimeout();
    if (this.skipTlsVerify) {
      Annotations.of(this).addWarningV2('cdk-pocket-id:skipTlsVerify',
        'skipTlsVerify is true: the handler will not verify Pocket-ID\'s TLS certificate, so anyone on the network path could read the API key. Use it only for test servers.');
    }
    if (props.apiToken && process.env[API_TOKEN_VALUE_ENV]) {
      Annotations.of(this).addInfo(`${API_TOKEN_VALUE_ENV} is set in the environment and ignored: the API key comes from the apiToken secret.`);
    }
  }

  /** The discovery document URL of this Pocket-ID. */
  public get discoveryUrl(): string {
    return this.endpoints.discovery;
  }

  /** The OpenID Connect endpoints of this Pocket-ID, under its issuer URL. */
  public get endpoints(): OidcEndpoints {
    return endpointsUnder(this.issuerUrl);
  }

  /**
   * Connects a resource in `scope`'s stack to this instance: finds or makes the stack's handler and
   * lets it read this instance's API key.
   *
   * @internal
   */
  public _bind(scope: Construct): PocketIdBinding {
    const provider = PocketIdProvider.of(scope, {
      vpc: this.props.vpc,
      vpcSubnets: this.props.vpcSubnets,
      securityGroups: this.props.securityGroups,
    });
    provider.grantRead(this.apiToken, this.props.apiTokenEncryptionKey);
    const connection: ConnectionProperties = {
      BaseUrl: this.baseUrl,
      IssuerUrl: this.issuerUrl === this.baseUrl ? undefined : this.issuerUrl,
      ApiTokenSecret: this.apiToken.secretFullArn ?? this.apiToken.secretArn,
      ApiTokenField: this.apiTokenField,
      SkipTlsVerify: String(this.skipTlsVerify),
      TimeoutSeconds: String(this.timeout.toSeconds()),
      LogLevel: this.logLevel,
    };
    return {
      serviceToken: provider.renderedServiceToken,
      // A CloudFormation intrinsic where the string would resolve to one: the template holds the same.
      connection: { ...connection, ApiTokenSecret: provider.renderedArn(this.apiToken) as string },
      grantOwnedSecret: (secret, versions) => provider.grantOwnedSecret(secret, versions),
      grantRead: (secret) => provider.grantRead(secret),
      grantReadObject: (bucketName, objectKey) => provider.grantReadObject(bucketName, objectKey),
      rotationFunction: (functionScope, functionId, policy) => provider.addRotationFunction(
        functionScope, functionId, { ...connection, ContractVersion: CONTRACT_VERSION, ...policy }, this.apiToken, this.props.apiTokenEncryptionKey),
    };
  }

  private importTokenSecretFromEnvironment(): secretsmanager.ISecret {
    const nameOrArn = process.env[API_TOKEN_SECRET_ENV];
    if (nameOrArn) {
      return importSecret(this, nameOrArn);
    }
    if (process.env[API_TOKEN_VALUE_ENV]) {
      throw new Error(`PocketId '${this.node.path}': apiToken is not set and ${API_TOKEN_VALUE_ENV} holds a token value, which cdk-pocket-id never copies into a template. `
        + 'Store the API key in AWS Secrets Manager (aws secretsmanager create-secret --name pocket-id/api-token --secret-string "$POCKETID_API_TOKEN"), '
        + `then pass it as apiToken (Secret.fromSecretNameV2) or name it in ${API_TOKEN_SECRET_ENV}.`);
    }
    throw new Error(`PocketId '${this.node.path}': apiToken is required: pass a Secrets Manager secret holding the Pocket-ID API key, or set ${API_TOKEN_SECRET_ENV} to its name or ARN.`);
  }

  private validateTimeout(): void {
    if (this.timeout.isUnresolved()) return;
    const seconds = this.timeout.toMilliseconds() / 1000;
    if (seconds < 1 || seconds > 120) {
      throw new Error(`PocketId '${this.node.path}': timeout must be between 1 and 120 seconds (got ${seconds} s): the handler makes several requests within its 5-minute limit.`);
    }
  }
}

function validateProps(scope: Construct, props: PocketIdProps): void {
  const errors = [
    ...checkString('baseUrl', props.baseUrl),
    ...checkObject('apiToken', props.apiToken, isSecret, 'a Secrets Manager secret (ISecret), such as Secret.fromSecretNameV2(...)'),
    ...checkString('apiTokenField', props.apiTokenField),
    ...checkObject('apiTokenEncryptionKey', props.apiTokenEncryptionKey, (value) => typeof (value as kms.IKey).keyArn === 'string', 'a KMS key (IKey)'),
    ...checkString('issuerUrl', props.issuerUrl),
    ...checkBoolean('skipTlsVerify', props.skipTlsVerify),
    ...checkDuration('timeout', props.timeout),
    ...checkEnum('logLevel', props.logLevel, LogLevel, 'LogLevel'),
    ...checkObject('vpc', props.vpc, (value) => typeof (value as ec2.IVpc).vpcId === 'string', 'a VPC (IVpc)'),
    ...checkObjectList('securityGroups', props.securityGroups, (value) => typeof (value as ec2.ISecurityGroup)?.securityGroupId === 'string', 'a security group (ISecurityGroup)'),
  ];
  if (errors.length === 0 && typeof props.issuerUrl === 'string' && !Token.isUnresolved(props.issuerUrl)) {
    errors.push(...validateBaseUrl('issuerUrl', props.issuerUrl));
  }
  if (props.apiTokenField === '') errors.push('apiTokenField must not be empty: leave it out to use the secret\'s whole value as the API key');
  if (errors.length > 0) throw invalidProps(scope, 'PocketId', errors);
}

function resolveBaseUrl(fromProps: string | undefined): string {
  const value = fromProps ?? process.env[BASE_URL_ENV];
  if (value === undefined || value === '') {
    throw new Error(`PocketId: baseUrl is required: pass baseUrl (e.g. 'https://auth.example.com') or set the ${BASE_URL_ENV} environment variable.`);
  }
  if (Token.isUnresolved(value)) return value;
  const errors = validateBaseUrl('baseUrl', value);
  if (errors.length > 0) throw new Error(`PocketId: ${errors.join('; ')}`);
  return stripTrailingSlash(value);
}

function stripTrailingSlash(url: string): string {
  return Token.isUnresolved(url) ? url : url.replace(/\/+$/, '');
}

function importSecret(scope: Construct, nameOrArn: string): secretsmanager.ISecret {
  if (!nameOrArn.startsWith('arn:')) {
    return secretsmanager.Secret.fromSecretNameV2(scope, 'ApiToken', nameOrArn);
  }
  // A complete ARN ends with Secrets Manager's random 6-character suffix.
  return /-[A-Za-z0-9]{6}$/.test(nameOrArn)
    ? secretsmanager.Secret.fromSecretCompleteArn(scope, 'ApiToken', nameOrArn)
    : secretsmanager.Secret.fromSecretPartialArn(scope, 'ApiToken', nameOrArn);
}
