import { randomBytes } from 'crypto';
import { CloudFormationSimulator, MAX_RESPONSE_BYTES, Step } from './cloudformation';
import { LambdaContainer } from './lambda-container';
import { PocketIdDirectory } from './pocket-id-directory';
import { PocketIdTarget, startPocketIdTarget } from './pocket-id-target';
import { TestSecrets } from './secrets-manager';
import { CONTRACT_VERSION } from '../../lib/contract';

/** What a started run gives a suite: the Pocket-ID it talks to, a way to read it, and CloudFormation's side. */
export interface StartedRun {
  readonly target: PocketIdTarget;
  readonly directory: PocketIdDirectory;
  readonly cfn: CloudFormationSimulator;
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
  /** Every secret value seen in the run: none may appear in a response or a log line. */
  public readonly secretValues = new Set<string>();
  /** moto's Secrets Manager, started by the global setup. */
  public readonly secrets = new TestSecrets();

  private started?: StartedRun;
  private container?: LambdaContainer;
  private target?: PocketIdTarget;
  private tokenSecretArn?: string;
  private readonly stepHooks: Array<(step: Step) => void> = [];

  constructor(private readonly resourceType: string) {}

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

  /** The checks every step passes: response size, no secret in the response or the logs, and JSON log lines. */
  public readonly expectCleanStep = (step: Step): void => {
    for (const hook of this.stepHooks) hook(step);
    expect(Buffer.byteLength(step.responseBody)).toBeLessThan(MAX_RESPONSE_BYTES);
    const exposed = [step.responseBody, ...step.logs].join('\n');
    for (const value of this.secretValues) {
      expect(exposed.includes(value)).toBe(false);
    }
    for (const line of step.logs) {
      expect(() => JSON.parse(line)).not.toThrow();
    }
  };

  public readonly expectSucceeded = async (step: Step): Promise<void> => {
    this.expectCleanStep(step);
    expect({ status: step.response.Status, reason: step.response.Reason }).toEqual({ status: 'SUCCESS', reason: undefined });
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
    const target = this.target = await startPocketIdTarget({ rateLimit: false });
    const directory = new PocketIdDirectory(target);
    this.tokenSecretArn = await this.secrets.create('pocket-id-api-token', target.apiToken);
    this.secretValues.add(target.apiToken);
    this.container = await LambdaContainer.start();
    const cfn = new CloudFormationSimulator(this.container, this.resourceType);
    await directory.warmUp();
    this.started = { target, directory, cfn };
    return this.started;
  }

  public async stop(): Promise<void> {
    await this.container?.stop();
    this.secrets.destroy();
    await this.target?.close();
  }

  /** Runs `hook` on every step checked, before the checks (to note what a step made, for cleanup). */
  public onStep(hook: (step: Step) => void): void {
    this.stepHooks.push(hook);
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
