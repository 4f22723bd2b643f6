import * as http from 'http';
import { AddressInfo } from 'net';
import { RotateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Invocation, LambdaContainer } from './lambda-container';
import { ROTATION_SETTINGS_ENV, RotationSettings } from '../../lib/contract';

/** The four steps, in the order Secrets Manager runs them. */
export const ROTATION_STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
export type RotationStep = typeof ROTATION_STEPS[number];

/** One step as the rotation function received and answered it. */
export interface StepRun {
  readonly step: RotationStep;
  readonly token: string;
  readonly invocation: Invocation;
}

/** What one RotateSecret did: the version it made and every step that ran, up to the first that failed. */
export interface RotationRun {
  readonly token: string;
  readonly steps: readonly StepRun[];
  /** Whether every step succeeded: the version is AWSCURRENT now. */
  readonly ok: boolean;
  /** The failed step's error message, if one failed. */
  readonly failure?: string;
}

/**
 * A rotation function as Secrets Manager invokes it: the bundled handler's `rotate` entry in its own
 * Lambda container, with the environment the construct gives it. `RotateSecret` goes to moto over the
 * real API; moto (test/support/moto_server.py) makes the AWSPENDING version, then POSTs each step to
 * this invoker, which hands it to the container. Steps can also be delivered again by hand, as Secrets
 * Manager repeats them.
 */
export class RotationFunction {
  /** `env`: more of the function's environment (the benchmark routes its Secrets Manager calls through a counter). */
  public static async start(settings: RotationSettings, env: Record<string, string> = {}): Promise<RotationFunction> {
    const environment = { ...env, [ROTATION_SETTINGS_ENV]: JSON.stringify(settings) };
    const fn = new RotationFunction(await LambdaContainer.start(environment, 300_000, 'rotate'), environment);
    await new Promise<void>((resolve) => fn.server.listen(0, '127.0.0.1', resolve));
    return fn;
  }

  /** Every step delivered so far, by moto or by hand. */
  public readonly runs: StepRun[] = [];
  private readonly server: http.Server;
  private readonly client = new SecretsManagerClient({});

  private constructor(public container: LambdaContainer, private readonly environment: Record<string, string>) {
    this.server = http.createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => { body += chunk; });
      request.on('end', async () => {
        const event = JSON.parse(body);
        const run = await this.deliver(event.Step, event.SecretId, event.ClientRequestToken);
        response.writeHead(200, { 'Content-Type': 'application/json' });
        response.end(JSON.stringify({ ok: run.invocation.ok }));
      });
    });
  }

  /** The ARN the rotation schedule names; moto recognises its name and calls this invoker. */
  public get arn(): string {
    return `arn:aws:lambda:us-east-1:123456789012:function:http-rotation-${(this.server.address() as AddressInfo).port}`;
  }

  /** `aws secretsmanager rotate-secret`: Secrets Manager starts a rotation and runs the four steps. */
  public async rotate(secretArn: string): Promise<RotationRun> {
    const before = this.runs.length;
    const rules = { AutomaticallyAfterDays: 30 };
    const answer = await this.client.send(new RotateSecretCommand({ SecretId: secretArn, RotationLambdaARN: this.arn, RotationRules: rules }));
    const steps = this.runs.slice(before);
    const failed = steps.find((step) => !step.invocation.ok);
    return { token: answer.VersionId!, steps, ok: !failed && steps.length === ROTATION_STEPS.length, failure: failed?.invocation.message };
  }

  /** Starts a rotation whose steps the test delivers itself: returns the AWSPENDING version's id. */
  public async begin(secretArn: string): Promise<string> {
    const answer = await this.client.send(new RotateSecretCommand({ SecretId: secretArn, RotationLambdaARN: this.arn, RotateImmediately: false }));
    return answer.VersionId!;
  }

  /** Delivers one step, as Secrets Manager does (again, when it retries). */
  public async deliver(step: RotationStep, secretArn: string, token: string): Promise<StepRun> {
    const invocation = await this.container.invoke({ Step: step, SecretId: secretArn, ClientRequestToken: token });
    const run = { step, token, invocation };
    this.runs.push(run);
    return run;
  }

  /** A new container in place of the current one, which is stopped (killed, if it is serving a step). */
  public async restart(): Promise<void> {
    await this.container.stop();
    this.container = await LambdaContainer.start(this.environment, 300_000, 'rotate');
  }

  /** Every log line the function wrote. */
  public get logs(): string[] {
    return this.runs.flatMap((run) => run.invocation.logs);
  }

  public async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.client.destroy();
    await this.container.stop();
  }
}
