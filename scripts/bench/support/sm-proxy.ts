import * as http from 'http';
import { AddressInfo } from 'net';

/**
 * A counting HTTP proxy between the handler's AWS SDK and moto: the handler's containers get its URL
 * as AWS_ENDPOINT_URL_SECRETS_MANAGER, and every call is recorded by its X-Amz-Target operation
 * (GetSecretValue, PutSecretValue, …) before it is passed on unchanged.
 */
export class CountingProxy {
  public static async start(upstream: string): Promise<CountingProxy> {
    const proxy = new CountingProxy(new URL(upstream));
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  /** Every call forwarded, in order, by operation name. */
  public readonly calls: string[] = [];
  private readonly server: http.Server;
  private readonly agent = new http.Agent({ keepAlive: true });

  private constructor(private readonly upstream: URL) {
    this.server = http.createServer((request, response) => this.forward(request, response));
  }

  public get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  public async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    this.agent.destroy();
    await closed;
  }

  private forward(request: http.IncomingMessage, response: http.ServerResponse): void {
    const target = String(request.headers['x-amz-target'] ?? '');
    this.calls.push(target.replace(/^secretsmanager\./i, '') || `${request.method} ${request.url}`);
    const upstream = http.request({
      host: this.upstream.hostname,
      port: this.upstream.port,
      method: request.method,
      path: request.url,
      headers: request.headers,
      agent: this.agent,
    }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    upstream.on('error', (error) => {
      if (!response.headersSent) response.writeHead(502, { 'Content-Type': 'text/plain' });
      response.end(`proxy: ${error.message}`);
    });
    request.pipe(upstream);
  }
}
