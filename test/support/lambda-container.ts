import { ChildProcess, fork } from 'child_process';
import * as path from 'path';

/** The handler asset exactly as the construct deploys it (built by `npx projen pre-compile`). */
export const HANDLER_ASSET = path.join(__dirname, '..', '..', 'assets', 'handler', 'index.js');
/**
 * The Node.js the handler runs on in Lambda (the construct deploys it on nodejs24.x), installed from
 * the npm registry as the `node` package: the container runs on it, whatever Node.js runs the tests.
 */
export const LAMBDA_NODE = path.join(__dirname, '..', '..', 'node_modules', 'node', 'bin', 'node');

/** The runtime writes this line after each event's last log line. */
const END_MARKER = '#end-of-event ';

export interface Invocation {
  readonly ok: boolean;
  readonly result?: { PhysicalResourceId: string; Data?: Record<string, string> };
  readonly message?: string;
  /** For a handler that threw: what the Lambda runtime hands back to Invoke ({errorType, errorMessage, trace}). */
  readonly error?: { errorType: string; errorMessage: string; trace: string[] };
  /** Every line the handler wrote while serving this event. */
  readonly logs: string[];
}

/**
 * One warm Lambda container running the bundled handler in its own Node.js process. Like Lambda, it
 * serves one event at a time and keeps module state (the token cache) between events.
 */
export class LambdaContainer {
  /** `entry` is the export the function's handler setting names: `handler`, or `rotate` for a rotation function. */
  public static async start(env: Record<string, string | undefined> = {}, timeoutMs = 300_000, entry = 'handler'): Promise<LambdaContainer> {
    const child = fork(path.join(__dirname, 'lambda-runtime.js'), [HANDLER_ASSET, String(timeoutMs), entry], {
      execPath: LAMBDA_NODE,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const container = new LambdaContainer(child);
    container.nodeVersion = await new Promise<string>((resolve, reject) => {
      child.once('message', (message: any) => resolve(String(message?.node)));
      child.once('exit', (code) => reject(new Error(`handler container exited with ${code}: ${container.stderr}`)));
    });
    return container;
  }

  /** The Node.js version the container runs (its process.version). */
  public nodeVersion = '';

  private output = '';
  private stderr = '';
  private nextId = 1;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(private readonly child: ChildProcess) {
    child.stdout!.on('data', (chunk) => { this.output += chunk.toString(); });
    child.stderr!.on('data', (chunk) => { this.stderr += chunk.toString(); });
  }

  /** Serves one event; events sent while another runs wait their turn, as in a real container. */
  public invoke(event: unknown): Promise<Invocation> {
    const run = this.queue.then(() => this.serve(event));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** The container's process id: a handler that crashed the runtime would come back with another one. */
  public get pid(): number | undefined {
    return this.child.pid;
  }

  /** Whether the container's process still runs. */
  public get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Everything the container wrote to stderr (the handler writes nothing there). */
  public get errorOutput(): string {
    return this.stderr;
  }

  public async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.kill();
    });
  }

  private serve(event: unknown): Promise<Invocation> {
    const id = String(this.nextId++);
    this.output = '';
    const marker = `${END_MARKER}${id}\n`;
    return new Promise((resolve, reject) => {
      let reply: any;
      const settleWhenComplete = () => {
        if (!reply || !this.output.includes(marker)) return;
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
        this.child.stdout!.off('data', settleWhenComplete);
        const logs = this.output.replace(marker, '').split('\n').filter((line) => line.trim() !== '');
        resolve({ ok: reply.ok, result: reply.result, message: reply.message, error: reply.error, logs });
      };
      const onMessage = (message: any) => {
        if (message.id !== id) return;
        reply = message;
        settleWhenComplete();
      };
      const onExit = (code: number) => reject(new Error(`handler container died (${code}): ${this.stderr}`));
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
      this.child.stdout!.on('data', settleWhenComplete);
      this.child.send({ id, event });
    });
  }
}
