import { randomBytes } from 'crypto';
import { CloudFormationSimulator, failureReason, MAX_RESPONSE_BYTES, Step } from './cloudformation';
import { ExposureScan, showsSecret } from './exposure';
import { LambdaContainer } from './lambda-container';
import { PocketIdDirectory } from './pocket-id-directory';
import { PocketIdTarget, startPocketIdTarget } from './pocket-id-target';
import { TestSecrets } from './secrets-manager';
import { CONTRACT_VERSION } from '../../lib/contract';
import type { PocketIdTestServerOptions } from '../pocket-id-server';

/** Pocket-ID's default rate limit: per client IP on /api/* and /.well-known/*. */
export const POCKET_ID_RATE_LIMIT = { perSecond: 100, burst: 300 } as const;

/** What a started run gives a suite: the Pocket-ID it talks to, a way to read it, and CloudFormation's side. */
export interface StartedRun {
  readonly target: PocketIdTarget;
  readonly directory: PocketIdDirectory;
  readonly cfn: CloudFormationSimulator;
  /**
   * One simulator per container (`containers` option), for suites that send events concurrently, as
   * CloudFormation does with independent resources; `cfn` is the first.
   */
  readonly pool: readonly CloudFormationSimulator[];
  /** The containers behind `pool`, in the same order. */
  readonly containers: readonly LambdaContainer[];
}

/** How a suite wants its run. */
export interface AcceptanceOptions {
  /**
   * The test server's rate limit. Default: Pocket-ID's own, {perSecond: 100, burst: 300}, which the real
   * server applies to loopback too since 2.13, so that no suite passes only because nothing limits it.
   */
  readonly rateLimit?: { perSecond: number; burst: number } | false;
  /** Handler containers, each serving one event at a time, as Lambda does. Default 1. */
  readonly containers?: number;
  /** The handler Lambda's timeout, which its context counts down from. Default 5 minutes, as deployed. */
  readonly lambdaTimeoutMs?: number;
  /** Options of the test server (ignored against a real Pocket-ID): UI_CONFIG_DISABLED, say. */
  readonly testServer?: PocketIdTestServerOptions;
}

/**
 * What every acceptance suite sets up, and the checks every step of it passes. The bundled handler
 * runs in its own Node.js process (LambdaContainer) and receives the events CloudFormation sends; it
 * talks HTTP to Pocket-ID (the test server, or a real Pocket-ID when POCKETID_BASE_URL and
 * POCKETID_API_TOKEN are set) and the AWS SDK to moto's Secrets Manager.
 *
 * Made when the test file loads (the run suffix is needed in test names and tables), started in
 * `beforeAll` and stopped in `afterAll`.
 */
export class AcceptanceRun {
  /** A unique suffix, so runs against a real Pocket-ID never collide with what is there. */
  public readonly run = randomBytes(3).toString('hex');
  /**
   * The secret-exposure scan of the whole run: every step's response, log lines and error message, the
   * container's stderr, against every secret value seen. Its summary is written when the run stops.
   */
  public readonly exposure = new ExposureScan();
  /**
   * Every secret value seen in the run: none may appear in a response or a log line. Suites add what
   * they read back; the run adds the API key, the client secrets and login tokens the test server
   * holds, and every value the secrets it made in Secrets Manager ever held.
   */
  public readonly secretValues = this.exposure.values;
  /** moto's Secrets Manager, started by the global setup. */
  public readonly secrets = new TestSecrets();

  private started?: StartedRun;
  private containers: LambdaContainer[] = [];
  private target?: PocketIdTarget;
  private tokenSecretArn?: string;
  private readonly stepHooks: Array<(step: Step) => void> = [];

  constructor(private readonly resourceType: string, private readonly options: AcceptanceOptions = {}) {}

  // The helpers below are fields, so that a suite can take them out of the run: `const { properties } = acceptance`.

  /** The connection properties every resource has, then `extra`. */
  public readonly properties = (extra: Record<string, unknown>): Record<string, unknown> => {
    const { target } = this.ready();
    return {
      ContractVersion: CONTRACT_VERSION,
      BaseUrl: target.baseUrl,
      ApiTokenSecret: this.tokenSecretArn,
      SkipTlsVerify: 'false',
      TimeoutSeconds: '10',
      LogLevel: 'debug',
      ...extra,
    };
  };

  /** The checks every step passes: response size, no secret (in any encoded form) in the response or either log, and JSON log lines. */
  public readonly expectCleanStep = (step: Step): void => {
    for (const hook of this.stepHooks) hook(step);
    expect(Buffer.byteLength(step.responseBody)).toBeLessThan(MAX_RESPONSE_BYTES);
    const exposed = [step.responseBody, ...step.logs, ...step.frameworkLogs].join('\n');
    for (const value of this.secretValues) {
      expect(showsSecret(exposed, value)).toBe(false);
    }
    for (const line of step.logs) {
      expect(() => JSON.parse(line)).not.toThrow();
    }
  };

  public readonly expectSucceeded = async (step: Step): Promise<void> => {
    this.expectCleanStep(step);
    expect({ status: step.response.Status, reason: failureReason(step.response) }).toEqual({ status: 'SUCCESS', reason: null });
  };

  public readonly expectFailed = (step: Step, reason: RegExp): void => {
    this.expectCleanStep(step);
    expect(step.response.Status).toBe('FAILED');
    expect(step.response.Reason).toMatch(reason);
  };

  /**
   * Starts Pocket-ID (or connects to the real one), stores its API key in Secrets Manager, starts the
   * handler's container, and sends one warm-up request (a fresh real Pocket-ID needs it before a burst).
   */
  public async start(): Promise<StartedRun> {
    const target = this.target = await startPocketIdTarget({ ...this.options.testServer, rateLimit: this.options.rateLimit ?? POCKET_ID_RATE_LIMIT });
    const directory = new PocketIdDirectory(target);
    this.tokenSecretArn = await this.secrets.create('pocket-id-api-token', target.apiToken);
    this.secretValues.add(target.apiToken);
    const count = Math.max(1, this.options.containers ?? 1);
    this.containers = await Promise.all(Array.from({ length: count }, () => LambdaContainer.start({}, this.options.lambdaTimeoutMs)));
    const pool = this.containers.map((container) => new CloudFormationSimulator(container, this.resourceType, (step) => this.observeStep(step)));
    await directory.warmUp();
    this.started = { target, directory, cfn: pool[0], pool, containers: this.containers };
    return this.started;
  }

  /**
   * Stops everything, then writes the run's exposure summary (test-reports/reliability/exposure/) and
   * fails when a secret value was found anywhere, also one learned only at the end.
   */
  public async stop(): Promise<void> {
    try {
      this.harvestTestServerSecrets();
      await this.harvestStoredSecrets();
      this.containers.forEach((container, n) => this.exposure.recordErrorOutput(`container ${n + 1}`, container.errorOutput));
    } finally {
      await Promise.all(this.containers.map((container) => container.stop()));
      this.secrets.destroy();
      await this.target?.close();
    }
    this.exposure.finish();
  }

  /**
   * Starts the run before the suite's tests and stops it after them (call it at the top of a test
   * file); the answer reads the started run, so tests write `suite.cfn`, `suite.directory`.
   */
  public inSuite(): StartedRun {
    beforeAll(() => this.start());
    afterAll(() => this.stop());
    const run = () => this.ready();
    return {
      get target() { return run().target; },
      get directory() { return run().directory; },
      get cfn() { return run().cfn; },
      get pool() { return run().pool; },
      get containers() { return run().containers; },
    };
  }

  // SCIM service providers
  /**
   * A secret the user owns holding `value` (as the `field` of a JSON object, when given): a SCIM bearer
   * token, say. The value counts as a secret for the exposure scan from now on.
   */
  public readonly userSecret = async (name: string, value: string, field?: string): Promise<string> => {
    this.secretValues.add(value);
    return this.secrets.create(name, field === undefined ? value : JSON.stringify({ [field]: value }));
  };

  /**
   * A simulator for another resource type, on the first container and seen by the exposure scan, for
   * suites that deploy several types (a migration, a template).
   */
  public simulator(resourceType: string): CloudFormationSimulator {
    return new CloudFormationSimulator(this.ready().containers[0], resourceType, (step) => this.observeStep(step));
  }

  /** Runs `hook` on every step checked, before the checks (to note what a step made, for cleanup). */
  public onStep(hook: (step: Step) => void): void {
    this.stepHooks.push(hook);
  }

  /** Every step of every simulator, checked by the suite or not, goes through the exposure scan. */
  private observeStep(step: Step): void {
    this.harvestTestServerSecrets(step);
    this.exposure.recordStep(step);
  }

  /**
   * The client secrets, login tokens and signup tokens the test server holds: of the step's entity, or of
   * every entity (at the end; signup tokens on every step). A real Pocket-ID shows neither; its suites rely on what Secrets Manager holds.
   */
  private harvestTestServerSecrets(step?: Step): void {
    const server = this.target?.testServer;
    if (!server) return;
    const properties = (step?.event.ResourceProperties ?? {}) as Record<string, unknown>;
    const issuer = String(properties.IssuerUrl ?? properties.BaseUrl ?? this.target!.baseUrl).replace(/\/+$/, '');
    const physicalId = step?.response.PhysicalResourceId;
    const clientIds = step ? [physicalId] : server.clients().map((client) => client.id);
    for (const clientId of clientIds) {
      if (typeof clientId === 'string') for (const secret of server.clientSecrets(clientId)) this.exposure.addSecret(secret.secret);
    }
    const userIds = step ? [physicalId] : server.users().map((user) => user.id);
    for (const userId of userIds) {
      if (typeof userId !== 'string') continue;
      for (const token of server.oneTimeTokens(userId)) {
        this.exposure.addSecret(token);
        this.exposure.addSecret(`${issuer}/lc/${token}`);
      }
    }
    // SCIM service providers: the bearer tokens Pocket-ID holds (and answers in clear)
    for (const provider of step ? [] : server.scimProviders()) this.exposure.addSecret(provider.token);
    // The application configuration's passwords, which Pocket-ID keeps in clear.
    for (const key of ['smtpPassword', 'ldapBindPassword']) this.exposure.addSecret(server.appSettings()[key]);
    for (const email of step ? [] : server.sentEmails()) {
      this.exposure.addSecret(email.token);
      this.exposure.addSecret(email.loginLink);
    }
    // Signup tokens: every value the server ever issued, and its link (the frontend's /st/<token>).
    for (const token of server.issuedSignupTokens()) {
      this.exposure.addSecret(token);
      this.exposure.addSecret(`${issuer}/st/${token}`);
    }
  }

  /** Every value the secrets this run made ever held: client credentials, login and signup links, every version. */
  private async harvestStoredSecrets(): Promise<void> {
    for (const arn of this.secrets.created) {
      for (const text of await this.secrets.allValues(arn)) {
        let value: any;
        try {
          value = JSON.parse(text);
        } catch {
          continue; // a placeholder or an API key, known already
        }
        this.exposure.addSecret(value?.clientSecret);
        if (typeof value?.loginUrl === 'string') {
          this.exposure.addSecret(value.loginUrl);
          this.exposure.addSecret(value.loginUrl.slice(value.loginUrl.lastIndexOf('/lc/') + 4));
        }
        // A signup link secret: the link and its token.
        if (typeof value?.signupUrl === 'string') {
          this.exposure.addSecret(value.signupUrl);
          this.exposure.addSecret(value.signupUrl.slice(value.signupUrl.lastIndexOf('/st/') + 4));
        }
      }
    }
  }

  private ready(): StartedRun {
    if (!this.started) throw new Error('the acceptance run has not started: call start() in beforeAll');
    return this.started;
  }
}

/** A copy of `props` without `keys`. */
export function without(props: Record<string, unknown>, ...keys: string[]): Record<string, unknown> {
  const copy = { ...props };
  for (const key of keys) delete copy[key];
  return copy;
}

/** The Pocket-ID requests the handler logged while serving the step. */
export function requestsLogged(step: Step): Array<{ method: string; path: string }> {
  return step.logs.map((line) => JSON.parse(line)).filter((line) => line.message === 'Pocket-ID request');
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
