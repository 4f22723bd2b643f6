import * as fs from 'fs';
import * as path from 'path';
import { ArnFormat, CfnElement, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { ConnectionProperties, ROTATION_SETTINGS_ENV, RotationSettings } from '../contract';

/** Where the build (esbuild, in pre-compile) puts the bundled handler, relative to this file. */
const HANDLER_ASSET_DIR = path.join(__dirname, '..', '..', 'assets', 'handler');

/**
 * Owned secrets share policy statements, up to this many ARNs each, instead of a statement per secret
 * that repeats the actions. CDK moves whole statements that do not fit the role's inline policy into
 * managed policies (estimating 150 characters per ARN token, 6,000 per policy), of which IAM allows 10
 * per role by default: shared statements fill them about twice as densely, and synthesize faster.
 */
const OWNED_SECRETS_PER_STATEMENT = 32;

/** What the handler may do with a secret a construct owns: read and write its value. */
const OWNED_SECRET_ACTIONS = ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'];
/** And with a client secret: also list its versions and label them, which records the Pocket-ID secrets made. */
const CLIENT_SECRET_ACTIONS = [...OWNED_SECRET_ACTIONS, 'secretsmanager:ListSecretVersionIds', 'secretsmanager:UpdateSecretVersionStage'];

/** How the handler reaches Pocket-ID's network. */
export interface ProviderNetworking {
  readonly vpc?: ec2.IVpc;
  readonly vpcSubnets?: ec2.SubnetSelection;
  readonly securityGroups?: ec2.ISecurityGroup[];
}

/** What a resource needs from its Pocket-ID instance: the stack's handler and how to connect. */
export interface PocketIdBinding {
  /** ServiceToken of the stack's handler, as the resources hold it (a CloudFormation intrinsic). */
  readonly serviceToken: unknown;
  /** The connection part of the custom resource properties. */
  readonly connection: ConnectionProperties;
  /** Lets the stack's handler write a secret the resource owns; `versions`: and label its versions (client secrets). */
  readonly grantOwnedSecret: (secret: secretsmanager.ISecret, versions?: boolean) => void;
  /** Lets the stack's handler read a secret the user owns (a client secret they bring). */
  readonly grantRead: (secret: secretsmanager.ISecret) => void;
  /** Lets the stack's handler read one S3 object (an image asset): s3:GetObject on it alone. */
  readonly grantReadObject: (bucketName: string, objectKey: string) => void;
  /** Makes the rotation function of a client's secret in `scope`: the connection, then `policy`. */
  readonly rotationFunction: (scope: Construct, id: string, policy: RotationPolicy) => lambda.Function;
}

/** What a rotation function knows besides the connection. */
export type RotationPolicy = Omit<RotationSettings, keyof ConnectionProperties | 'ContractVersion'>;

/** What differs between the functions made from the bundled handler. */
type BundledFunctionProps = Required<Pick<lambda.FunctionProps, 'description' | 'handler' | 'role' | 'logGroup'>> & Pick<lambda.FunctionProps, 'environment'>;

/** What every rotation function of a stack shares: one role, one log group. */
interface RotationShared {
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly granted: ReadGrants;
}

/** The secrets and keys a function may read already: each is granted once. */
interface ReadGrants {
  readonly secrets: Set<secretsmanager.ISecret>;
  readonly keys: Set<kms.IKey>;
}

/**
 * The one handler of a stack: it serves every Pocket-ID resource of every Pocket-ID instance in the
 * stack, behind the custom-resources Provider framework (whose own function, outside any VPC, uploads
 * the response to CloudFormation).
 *
 * Its construct id is part of every custom resource's ServiceToken, which CloudFormation refuses to
 * change: never rename it.
 */
export class PocketIdProvider extends Construct {
  /** Frozen: the id under the stack. Changing it breaks every deployed stack. */
  public static readonly CONSTRUCT_ID = 'CdkPocketIdProvider';

  /** The stack's provider, made on first use. */
  public static of(scope: Construct, networking: ProviderNetworking): PocketIdProvider {
    const stack = Stack.of(scope);
    const existing = stack.node.tryFindChild(PocketIdProvider.CONSTRUCT_ID) as PocketIdProvider | undefined;
    if (existing) {
      existing.assertSameNetworking(networking);
      return existing;
    }
    return new PocketIdProvider(stack, PocketIdProvider.CONSTRUCT_ID, networking);
  }

  public readonly handler: lambda.Function;
  public readonly serviceToken: string;
  /** The ServiceToken as the stack's resources hold it: the same CloudFormation intrinsic in each. */
  public readonly renderedServiceToken: unknown;
  private readonly networking: ProviderNetworking;
  private readonly granted: ReadGrants = { secrets: new Set(), keys: new Set() };
  /** The statement being filled, per set of actions. */
  private readonly ownedSecretsStatements = new Map<string, iam.PolicyStatement>();
  /** renderedArn's answers, by the ARN token. */
  private readonly renderedArns = new Map<string, unknown>();
  private rotation?: RotationShared;

  private constructor(scope: Construct, id: string, networking: ProviderNetworking) {
    super(scope, id);
    this.networking = networking;

    const handlerLogs = new logs.LogGroup(this, 'HandlerLogs', { retention: logs.RetentionDays.THREE_MONTHS });
    const role = this.createHandlerRole(handlerLogs);

    this.handler = this.bundledFunction(this, 'Handler', {
      description: 'cdk-pocket-id: manages Pocket-ID clients, users and groups for this stack',
      handler: 'index.handler',
      role,
      logGroup: handlerLogs,
    });

    const providerLogs = new logs.LogGroup(this, 'ProviderLogs', { retention: logs.RetentionDays.THREE_MONTHS });
    const frameworkRole = this.createLambdaRole('ProviderRole', providerLogs, 'cdk-pocket-id Provider framework: its own logs and invoking the handler');
    const provider = new cr.Provider(this, 'Provider', {
      onEventHandler: this.handler,
      logGroup: providerLogs,
      frameworkOnEventRole: frameworkRole,
    });
    this.serviceToken = provider.serviceToken;
    // Every resource of the stack names this function: its GetAtt is resolved once, not at each of them.
    this.renderedServiceToken = Stack.of(this).resolve(provider.serviceToken);
    acknowledgeFrameworkFindings(provider, frameworkRole, this.handler);
  }

  /**
   * A secret's ARN as the stack's resources hold it: resolved once when the secret belongs to this
   * stack and its ARN refers to nothing but pseudo parameters (built from a name:
   * `Secret.fromSecretNameV2`), instead of the same Fn::Join being rebuilt at each resource. Anything
   * else (a secret made in this stack, or one from another stack) stays a token, so that CloudFormation
   * references and cross-stack exports are made as for any other.
   */
  public renderedArn(secret: secretsmanager.ISecret): unknown {
    const arn = secret.secretFullArn ?? secret.secretArn;
    if (!this.renderedArns.has(arn)) {
      const stack = Stack.of(this);
      const resolved = Stack.of(secret) === stack ? stack.resolve(arn) : undefined;
      this.renderedArns.set(arn, resolved !== undefined && refersOnlyToPseudoParameters(resolved) ? resolved : arn);
    }
    return this.renderedArns.get(arn);
  }

  /**
   * Lets the handler read a secret it does not own (once per secret and key): an instance's API token,
   * a client secret the user brings. The secret's own key comes with grantRead; `encryptionKey` is one
   * the imported secret does not carry.
   */
  public grantRead(secret: secretsmanager.ISecret, encryptionKey?: kms.IKey): void {
    grantReadTo(this.handler, this.granted, secret, encryptionKey);
  }

  /**
   * A Secrets Manager rotation function for one client's secret: the handler's asset, entry `rotate`,
   * with the stack's networking. Every rotation function of the stack shares one role and log group;
   * the RotationSchedule grants the role the secret itself.
   */
  public addRotationFunction(
    scope: Construct,
    id: string,
    settings: RotationSettings,
    tokenSecret: secretsmanager.ISecret,
    tokenKey?: kms.IKey,
  ): lambda.Function {
    const shared = this.rotationShared();
    const fn = this.bundledFunction(scope, id, {
      description: 'cdk-pocket-id: rotates an OIDC client secret in Pocket-ID (Secrets Manager rotation function)',
      handler: 'index.rotate',
      role: shared.role,
      logGroup: shared.logGroup,
      environment: { [ROTATION_SETTINGS_ENV]: Stack.of(scope).toJsonString(settings) },
    });
    grantReadTo(fn, shared.granted, tokenSecret, tokenKey);
    return fn;
  }

  /**
   * Lets the handler read and write a secret that a construct in this stack owns (GetSecretValue and
   * PutSecretValue, not UpdateSecret, which grantWrite would add); with `versions`, also list and label
   * its versions, as a client secret's records of the Pocket-ID secrets made need.
   */
  public grantOwnedSecret(secret: secretsmanager.ISecret, versions = false): void {
    const actions = versions ? CLIENT_SECRET_ACTIONS : OWNED_SECRET_ACTIONS;
    const key = actions.join();
    let statement = this.ownedSecretsStatements.get(key);
    if (!statement || statement.resources.length >= OWNED_SECRETS_PER_STATEMENT) {
      statement = new iam.PolicyStatement({ actions });
      this.ownedSecretsStatements.set(key, statement);
      this.handler.addToRolePolicy(statement);
    }
    statement.addResources(secret.secretArn);
    if (secret.encryptionKey) this.grantKeyUse(secret.encryptionKey, ['kms:Decrypt', 'kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*']);
  }

  /**
   * Lets the handler read and write every secret of this account and region whose name starts with
   * `prefix`, for a provider that serves templates it cannot see (PocketIdProviderStack): the API key
   * secrets it reads and the secrets it writes are named by its users, after it is deployed.
   */
  public grantSecretsNamed(prefix: string): void {
    const stack = Stack.of(this);
    const arn = stack.formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: `${prefix}*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    this.handler.addToRolePolicy(new iam.PolicyStatement({ actions: CLIENT_SECRET_ACTIONS, resources: [arn] }));
    // cdk-nag names this finding by the ARN, whose pseudo parameters hold '::', which Validations.acknowledge
    // refuses in an id; the acknowledgement is written as that method writes it (cdk-nag reads it there).
    const finding = `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:${prefix}*]`;
    this.handler.role!.node.findChild('DefaultPolicy').node.addMetadata(Validations.ACKNOWLEDGED_RULES_METADATA_KEY, {
      [finding]: `A provider for plain CloudFormation templates serves secrets named after it is deployed: it may use those whose names start with '${prefix}', `
        + 'the prefix its owner chose.',
    });
  }

  /** Lets the handler read one object (an image asset the handler uploads to Pocket-ID), and nothing else of its bucket. */
  public grantReadObject(bucketName: string, objectKey: string): void {
    this.handler.addToRolePolicy(new iam.PolicyStatement({
      actions: ['s3:GetObject'],
      resources: [Stack.of(this).formatArn({ service: 's3', region: '', account: '', resource: bucketName, resourceName: objectKey })],
    }));
  }

  /** A function running the bundled handler's `entry.handler` export, on the stack's networking. */
  private bundledFunction(scope: Construct, id: string, props: BundledFunctionProps): lambda.Function {
    return new lambda.Function(scope, id, {
      ...props,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      code: lambda.Code.fromAsset(assertHandlerAssetBuilt()),
      timeout: Duration.minutes(5),
      memorySize: 256,
      loggingFormat: lambda.LoggingFormat.JSON,
      vpc: this.networking.vpc,
      vpcSubnets: this.networking.vpc ? this.networking.vpcSubnets : undefined,
      securityGroups: this.networking.vpc ? this.networking.securityGroups : undefined,
    });
  }

  /** Lets the handler use a KMS key through Secrets Manager only. */
  private grantKeyUse(key: kms.IKey, actions: string[]): void {
    grantKeyUseTo(this.handler, key, actions);
  }

  private rotationShared(): RotationShared {
    if (this.rotation) return this.rotation;
    const logGroup = new logs.LogGroup(this, 'RotationLogs', { retention: logs.RetentionDays.THREE_MONTHS });
    const role = this.createLambdaRole('RotationRole', logGroup, 'cdk-pocket-id rotation functions: their logs, the API token secrets, and the client secrets they rotate');
    if (this.networking.vpc) addVpcAccess(role);
    // The RotationSchedule of each secret grants GetRandomPassword, which takes no resource, though the function never calls it.
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'aws-cdk-lib\'s RotationSchedule grants secretsmanager:GetRandomPassword (no resource scoping exists for it); a function in a VPC also needs EC2 network interface actions.',
    });
    this.rotation = { role, logGroup, granted: { secrets: new Set(), keys: new Set() } };
    return this.rotation;
  }

  private createHandlerRole(handlerLogs: logs.ILogGroup): iam.Role {
    const role = this.createLambdaRole('HandlerRole', handlerLogs, 'cdk-pocket-id handler: its own logs, the API token secrets and the client secrets of this stack');
    if (this.networking.vpc) {
      addVpcAccess(role);
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'A Lambda function in a VPC manages its network interfaces with EC2 actions that accept no resource scoping.',
      });
    }
    return role;
  }

  /** A Lambda role that may write only its function's log group (instead of AWSLambdaBasicExecutionRole). */
  private createLambdaRole(id: string, logGroup: logs.ILogGroup, description: string): iam.Role {
    const role = new iam.Role(this, id, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), description });
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logGroup.logGroupArn],
    }));
    return role;
  }

  private assertSameNetworking(networking: ProviderNetworking): void {
    const same = networking.vpc === this.networking.vpc
      && sameSecurityGroups(networking.securityGroups, this.networking.securityGroups)
      && JSON.stringify(networking.vpcSubnets ?? null) === JSON.stringify(this.networking.vpcSubnets ?? null);
    if (!same) {
      throw new Error(`All PocketId instances used in stack '${Stack.of(this).stackName}' must share the same vpc, vpcSubnets and securityGroups: one handler Lambda serves them all. Put instances with other networking in another stack.`);
    }
  }
}

/** Lets `fn` read a secret it does not own (once per secret and key; `granted` holds what it may read already). */
function grantReadTo(fn: lambda.Function, granted: ReadGrants, secret: secretsmanager.ISecret, encryptionKey: kms.IKey | undefined): void {
  if (!granted.secrets.has(secret)) {
    granted.secrets.add(secret);
    secret.grantRead(fn);
  }
  if (encryptionKey && !granted.keys.has(encryptionKey)) {
    granted.keys.add(encryptionKey);
    grantKeyUseTo(fn, encryptionKey, ['kms:Decrypt']);
  }
}

/**
 * Lets a function use a KMS key through Secrets Manager only. A key made in this app also gets it in
 * its key policy; an imported key's policy cannot be changed here, and a ViaServicePrincipal adds
 * nothing to a role's policy, so the role gets its own statement with the same condition.
 */
function grantKeyUseTo(fn: lambda.Function, key: kms.IKey, actions: string[]): void {
  const viaService = `secretsmanager.${Stack.of(fn).region}.amazonaws.com`;
  key.grant(new kms.ViaServicePrincipal(viaService, fn.grantPrincipal), ...actions);
  fn.addToRolePolicy(new iam.PolicyStatement({ actions, resources: [key.keyArn], conditions: { StringEquals: { 'kms:ViaService': viaService } } }));
}

function addVpcAccess(role: iam.Role): void {
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: [
      'ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DeleteNetworkInterface',
      'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses', 'ec2:DescribeSubnets', 'ec2:DescribeVpcs',
    ],
    resources: ['*'],
  }));
}

function sameSecurityGroups(a: ec2.ISecurityGroup[] | undefined, b: ec2.ISecurityGroup[] | undefined): boolean {
  const left = a ?? [];
  const right = b ?? [];
  return left.length === right.length && left.every((group, index) => group === right[index]);
}

/**
 * Findings that come from aws-cdk-lib's Provider framework, not from choices made here: it grants its
 * role invoke on every version of the handler (<handler>.Arn:*), and it picks its own runtime.
 */
function acknowledgeFrameworkFindings(provider: cr.Provider, frameworkRole: iam.IRole, handler: lambda.Function): void {
  const handlerLogicalId = Stack.of(handler).getLogicalId(handler.node.defaultChild as CfnElement);
  Validations.of(frameworkRole).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${handlerLogicalId}.Arn>:*]`,
    reason: 'The custom-resources Provider framework may invoke any version of the handler (<handler>.Arn:*), as aws-cdk-lib defines it.',
  });
  Validations.of(provider.node.findChild('framework-onEvent')).acknowledge({
    id: 'AwsSolutions-L1',
    reason: 'The runtime of the Provider framework\'s own function is chosen by aws-cdk-lib; the handler itself runs on the newest Node.js.',
  });
}

function assertHandlerAssetBuilt(): string {
  if (!fs.existsSync(path.join(HANDLER_ASSET_DIR, 'index.js'))) {
    throw new Error(`cdk-pocket-id: the bundled handler is missing at ${HANDLER_ASSET_DIR}. Run 'npx projen pre-compile' (or the build) first.`);
  }
  return HANDLER_ASSET_DIR;
}

/** Whether a resolved value holds no reference but `{ Ref: 'AWS::…' }`. */
function refersOnlyToPseudoParameters(resolved: unknown): boolean {
  if (Array.isArray(resolved)) return resolved.every(refersOnlyToPseudoParameters);
  if (resolved === null || typeof resolved !== 'object') return true;
  return Object.entries(resolved).every(([key, value]) => {
    if (key === 'Ref') return typeof value === 'string' && value.startsWith('AWS::');
    if (key === 'Fn::GetAtt' || key === 'Fn::ImportValue' || key === 'Fn::GetStackOutput') return false;
    return refersOnlyToPseudoParameters(value);
  });
}
