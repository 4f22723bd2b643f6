import { ChildProcess, fork } from 'child_process';
import * as path from 'path';
import { LAMBDA_NODE } from './lambda-container';

/**
 * aws-cdk-lib's own Provider framework (custom-resources/lib/provider-framework/runtime), the code that
 * runs as the framework's onEvent Lambda in front of the handler: it invokes the handler, turns its
 * answer or its error (message and stack trace) into CloudFormation's response, and uploads it. It
 * runs unchanged in its own Node.js process (framework-runtime.js); its outbound calls come back here.
 */

/** What the Lambda runtime hands back for one invocation of the handler, as Invoke returns it. */
export interface InvokeAnswer {
  /** The handler's result, or the runtime's error object ({errorType, errorMessage, trace}). */
  readonly payload: unknown;
  /** 'Unhandled' when the handler threw. */
  readonly functionError?: string;
}

/** One run of the framework's onEvent: what it uploaded and logged. */
export interface FrameworkRun {
  /** The bodies the framework uploaded to the ResponseURL (one, unless an upload failed). */
  readonly uploads: string[];
  /** The framework's own log lines (its log group): the event, the handler's answer, the response. */
  readonly logs: string[];
}

/**
 * The handler's function name as CloudFormation generates it at the longest Lambda allows (64
 * characters): the framework names it in every Reason ("Logs: /aws/lambda/<name>").
 */
export const HANDLER_FUNCTION_NAME = 'cdk-pocket-id-test-CdkPocketIdProviderHandler0A1B2C3D-AbCdEfGhIj';
const HANDLER_FUNCTION_ARN = `arn:aws:lambda:us-east-1:123456789012:function:${HANDLER_FUNCTION_NAME}`;
const RUNTIME_DIR = path.join(path.dirname(require.resolve('aws-cdk-lib')), 'custom-resources', 'lib', 'provider-framework', 'runtime');

interface Call {
  readonly run: FrameworkRun;
  readonly invokeHandler: (payload: Record<string, unknown>) => Promise<InvokeAnswer>;
  readonly done: (error?: string) => void;
}

/** One framework process; it serves concurrent events, as concurrent framework Lambdas would. */
export class ProviderFramework {
  public static async start(): Promise<ProviderFramework> {
    const child = fork(path.join(__dirname, 'framework-runtime.js'), [RUNTIME_DIR, HANDLER_FUNCTION_ARN], {
      execPath: LAMBDA_NODE,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`the provider framework process exited with ${code}`)));
    });
    const framework = new ProviderFramework(child);
    framework.holdProcess(false);
    return framework;
  }

  private readonly calls = new Map<number, Call>();
  private nextCall = 1;

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (message: any) => this.onMessage(message));
  }

  /** Runs onEvent for one CloudFormation event; `invokeHandler` serves its Lambda Invoke of the handler. */
  public run(event: Record<string, unknown>, invokeHandler: Call['invokeHandler']): Promise<FrameworkRun> {
    const id = this.nextCall++;
    const run: FrameworkRun = { uploads: [], logs: [] };
    return new Promise((resolve, reject) => {
      const done = (error?: string) => {
        this.calls.delete(id);
        this.holdProcess(this.calls.size > 0);
        if (error) reject(new Error(`harness: the provider framework failed: ${error}`));
        else resolve(run);
      };
      this.calls.set(id, { run, invokeHandler, done });
      this.holdProcess(true);
      this.child.send({ call: id, event });
    });
  }

  public stop(): void {
    this.child.kill();
  }

  private onMessage(message: { call: number; kind: string; request?: number; value?: any; line?: string; error?: string }): void {
    const call = this.calls.get(message.call);
    if (!call) return;
    switch (message.kind) {
      case 'log':
        call.run.logs.push(message.line!);
        return;
      case 'upload':
        call.run.uploads.push(message.value);
        this.answer(message.request!, null);
        return;
      case 'invoke':
        call.invokeHandler(message.value).then(
          (answer) => this.answer(message.request!, answer),
          (error) => this.answer(message.request!, { payload: { errorType: 'Harness', errorMessage: String(error), trace: [] }, functionError: 'Unhandled' }),
        );
        return;
      case 'done':
        call.done(message.error);
        return;
    }
  }

  /** The framework keeps the test process alive only while an event runs in it. */
  private holdProcess(hold: boolean): void {
    const channel = (this.child as unknown as { channel?: { ref(): void; unref(): void } }).channel;
    if (hold) {
      this.child.ref();
      channel?.ref();
    } else {
      this.child.unref();
      channel?.unref();
    }
  }

  private answer(request: number, value: unknown): void {
    this.child.send({ kind: 'answer', request, value });
  }
}

let shared: Promise<ProviderFramework> | undefined;

/** The framework process of this test process, started on first use and never stopped before the process ends. */
export function providerFramework(): Promise<ProviderFramework> {
  shared ??= ProviderFramework.start();
  return shared;
}
