import { randomBytes } from 'crypto';
import { SecretsFaultProxy } from './secrets-fault-proxy';
import { RawState, readState, secretValuesIn } from './state';
import { CONTRACT_VERSION, LookupKind, ResourceType } from '../../../lib/contract';
import { PocketIdTestServer, RELEASES, startPocketIdTestServer } from '../../pocket-id-server';
import { POCKET_ID_RATE_LIMIT } from '../../support/acceptance';
import { CloudFormationSimulator, Step } from '../../support/cloudformation';
import { ExposureScan } from '../../support/exposure';
import { LambdaContainer } from '../../support/lambda-container';
import { TestSecrets } from '../../support/secrets-manager';

/**
 * The Pocket-ID release a lane's test server plays unless told otherwise: the oldest supported, which
 * every lane played before the suite told releases apart.
 */
export const BASE_RELEASE: string = RELEASES[0];

/** The role of the API key secret in every case's state. */
export const API_TOKEN_ROLE = 'api-token';

/**
 * The API key of every lane's server, and what each role's secret holds when it is made: the same in
 * every lane, so that a case may run in another lane than the clean run that found its steps and
 * still start from the very same state.
 */
const API_KEY = randomBytes(24).toString('base64url');
const PLACEHOLDERS = new Map<string, string>();

/**
 * One resource type's world: its own Pocket-ID test server, a Secrets Manager fault proxy in front of
 * moto, and one warm LambdaContainer running the bundled handler (its AWS SDK pointed at the proxy),
 * driven by the CloudFormation simulator exactly as the acceptance suites drive it. Cases run one
 * after another in a lane; lanes share nothing, so they may run side by side.
 */
export class Lane {
  /**
   * `scan` sees every step of the lane (the suite's secret-exposure scan), and learns every secret value the lane meets;
   * `release`: the Pocket-ID release its test server plays (and announces).
   */
  public static async start(resourceType: string, scan?: ExposureScan, release: string = BASE_RELEASE): Promise<Lane> {
    const server = await startPocketIdTestServer({ rateLimit: POCKET_ID_RATE_LIMIT, apiToken: API_KEY, version: release });
    const proxy = await SecretsFaultProxy.start(process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER!);
    const container = await LambdaContainer.start({ AWS_ENDPOINT_URL_SECRETS_MANAGER: proxy.endpoint });
    const secrets = new TestSecrets();
    const tokenSecretArn = await secrets.create('reliability-api-token', server.apiToken);
    return new Lane(resourceType, release, server, proxy, container, secrets, tokenSecretArn, scan);
  }

  public cfn: CloudFormationSimulator;
  /** Values no response or log line may show: the API key, and every generated secret seen. */
  public readonly secretValues: Set<string>;
  /** The secrets the stack owns in the current case, by role: made afresh for each case, so that their versions are the case's own. */
  private readonly ownedSecrets = new Map<string, string>();

  private constructor(
    public readonly resourceType: string,
    public readonly release: string,
    public readonly server: PocketIdTestServer,
    public readonly proxy: SecretsFaultProxy,
    public container: LambdaContainer,
    public readonly secrets: TestSecrets,
    public readonly tokenSecretArn: string,
    private readonly scan?: ExposureScan,
  ) {
    this.secretValues = scan?.values ?? new Set<string>();
    this.cfn = this.simulator();
    this.secretValues.add(server.apiToken);
  }

  /** The connection properties every resource has, then `extra`. */
  public properties(extra: Record<string, unknown>, options: { timeoutSeconds?: string; tokenSecretArn?: string } = {}): Record<string, unknown> {
    return {
      ContractVersion: CONTRACT_VERSION,
      BaseUrl: this.server.baseUrl,
      ApiTokenSecret: options.tokenSecretArn ?? this.tokenSecretArn,
      SkipTlsVerify: 'false',
      TimeoutSeconds: options.timeoutSeconds ?? '10',
      LogLevel: 'debug',
      ...extra,
    };
  }

  /**
   * A secret the stack owns (as `new Secret()` makes one), made for the case on first use, holding the
   * placeholder of the role: every case starts from the same value, with a single version.
   */
  public async ownedSecret(role: string): Promise<string> {
    let arn = this.ownedSecrets.get(role);
    if (!arn) {
      if (!PLACEHOLDERS.has(role)) PLACEHOLDERS.set(role, `placeholder-${role}-${randomBytes(8).toString('hex')}`);
      arn = await this.secrets.create(`reliability-${role}`, PLACEHOLDERS.get(role)!);
      this.ownedSecrets.set(role, arn);
    }
    return arn;
  }

  /** A new secret holding the API key: a token the warm container has not cached yet. */
  public freshTokenSecret(): Promise<string> {
    return this.secrets.create('reliability-cold-token', this.server.apiToken);
  }

  /**
   * Pocket-ID empty (but for the static API user, which Pocket-ID makes on the first request with the
   * key), a full rate-limit bucket, no fault armed, no owned secret yet (the case makes its own), no
   * request recorded.
   */
  public async reset(): Promise<void> {
    this.server.clearFaults();
    this.proxy.clearFaults();
    await this.server.whenIdle();
    this.server.reset();
    this.server.resetRateLimits();
    const first = await fetch(`${this.server.baseUrl}/api/users/me`, { headers: { 'X-API-Key': this.server.apiToken } });
    await first.text();
    this.ownedSecrets.clear();
    this.clearRecords();
  }

  /**
   * Has the container read the lane's API key and checked the server's version, as a warm Lambda has:
   * a lookup that finds nothing needs both, and changes nothing.
   */
  public async warmUp(): Promise<void> {
    const properties = this.properties({ Kind: LookupKind.USER, Name: 'nobody-by-this-name' });
    await this.send({ RequestType: 'Create', ResourceType: ResourceType.LOOKUP, LogicalResourceId: 'WarmUp', ResourceProperties: properties, RequestId: 'warm-up' });
  }

  public clearRecords(): void {
    this.server.clearRequests();
    this.proxy.clearCalls();
  }

  /** Pocket-ID's entities and the value of each secret in `roles` (the API key's always included). */
  public state(roles: Record<string, string>): Promise<RawState> {
    return readState(this.server, this.secrets, { [API_TOKEN_ROLE]: this.tokenSecretArn, ...roles });
  }

  /** Kills the container (a Lambda that died mid-event: no cleanup runs) and starts a cold one. */
  public async replaceContainer(): Promise<void> {
    this.scanErrorOutput();
    await this.container.stop();
    this.container = await LambdaContainer.start({ AWS_ENDPOINT_URL_SECRETS_MANAGER: this.proxy.endpoint });
    this.cfn = this.simulator();
  }

  /** Remembers every generated secret value of the states, so that no response or log line of the run may show it. */
  public learn(...states: RawState[]): void {
    for (const value of states.flatMap(secretValuesIn)) this.secretValues.add(value);
  }

  /** Sends one event as CloudFormation would (through the Provider framework) and returns the step. */
  public send(event: Record<string, unknown>): Promise<Step> {
    return this.cfn.send(event);
  }

  private simulator(): CloudFormationSimulator {
    return new CloudFormationSimulator(this.container, this.resourceType, this.scan && ((step) => this.scan!.recordStep(step)));
  }

  /** What the container wrote to stderr goes through the exposure scan, like every step. */
  private scanErrorOutput(): void {
    this.scan?.recordErrorOutput(`the ${this.resourceType} lane's container`, this.container.errorOutput);
  }

  public async stop(): Promise<void> {
    this.scanErrorOutput();
    await this.container.stop();
    await this.proxy.close();
    await this.server.close();
    this.secrets.destroy();
  }
}
