import { onCleanup, track } from './children';
import { CountingProxy } from './sm-proxy';
import { PocketIdTestServer, PocketIdTestServerOptions, startPocketIdTestServer } from '../../../test/pocket-id-server';
import { LambdaContainer } from '../../../test/support/lambda-container';
import { MotoServer, routeSecretsManagerToMoto, startMoto } from '../../../test/support/moto';
import { TestSecrets } from '../../../test/support/secrets-manager';

/** One Pocket-ID test server and the Secrets Manager secret that holds its API key. */
export interface PocketIdInstance {
  readonly server: PocketIdTestServer;
  readonly tokenSecretArn: string;
}

/**
 * What the measurements that run the handler need, started once: moto's Secrets Manager (from .venv,
 * as the tests start it), a counting proxy in front of it, and Pocket-ID test servers on demand.
 * Everything started here is registered with the benchmark's cleanup (`cleanupAll`), which stops it
 * at the end of the run or when the run is interrupted.
 */
export class BenchEnvironment {
  public static async start(): Promise<BenchEnvironment> {
    const moto = await startMoto();
    track(moto.process);
    onCleanup(() => { moto.process.kill(); });
    // As the test suite's global setup: the SDK in this process and in every container talks to moto.
    routeSecretsManagerToMoto(moto);
    const proxy = await CountingProxy.start(moto.endpoint);
    onCleanup(() => proxy.close());
    const secrets = new TestSecrets();
    onCleanup(() => secrets.destroy());
    return new BenchEnvironment(moto, proxy, secrets);
  }

  private readonly containers = new Map<LambdaContainer, () => void>();

  private constructor(
    public readonly moto: MotoServer,
    /** Counts the handler's Secrets Manager calls: containers started with `counted: true` go through it. */
    public readonly proxy: CountingProxy,
    /** Secrets Manager as the tests use it (straight to moto, never counted). */
    public readonly secrets: TestSecrets,
  ) {}


  /** Starts a Pocket-ID test server and stores its API key in Secrets Manager. */
  public async pocketId(options: PocketIdTestServerOptions): Promise<PocketIdInstance> {
    const server = await startPocketIdTestServer(options);
    onCleanup(() => server.close());
    const tokenSecretArn = await this.secrets.create('pocket-id-api-token', server.apiToken);
    return { server, tokenSecretArn };
  }

  /**
   * A fresh Lambda container running the bundled handler. `counted`: its Secrets Manager calls go
   * through the counting proxy; otherwise straight to moto. Stop it with `release()`.
   */
  public async container(options: { counted: boolean }): Promise<LambdaContainer> {
    const endpoint = options.counted ? this.proxy.url : this.moto.endpoint;
    const container = await LambdaContainer.start({ AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint });
    this.containers.set(container, onCleanup(() => container.stop()));
    return container;
  }

  /** Stops a container started by `container()`. */
  public async release(container: LambdaContainer): Promise<void> {
    this.containers.get(container)?.();
    this.containers.delete(container);
    await container.stop();
  }
}
