import { randomUUID } from 'crypto';
import * as http from 'http';
import { AddressInfo } from 'net';

/** An AWS JSON error, as Secrets Manager sends it. */
export interface AwsError {
  /** The error code (`__type`), e.g. ThrottlingException. */
  readonly type: string;
  readonly message: string;
  /** Default 400, as Secrets Manager answers client and throttling errors. */
  readonly status?: number;
}

export interface SecretsFaultSpec {
  /** The operation, as in X-Amz-Target without the prefix: GetSecretValue, PutSecretValue. */
  readonly operation: string;
  /** Only calls naming this SecretId; default any. */
  readonly secretId?: string;
  /**
   * Matching calls that pass untouched before the fault applies (default 0). Each fault counts the
   * matching calls itself, so that two faults on one secret can aim at two different calls.
   */
  readonly skip?: number;
  /** Matching calls that get the fault (default 1). */
  readonly times?: number;
  readonly error: AwsError;
  /** Forward to Secrets Manager first (its change stands), then answer with the error: "done, but the answer was lost". */
  readonly afterForwarding?: boolean;
  /** Hold the call this long before answering (a caller that dies meanwhile never sees the answer). */
  readonly delayMs?: number;
}

export interface SecretsCall {
  readonly operation: string;
  readonly secretId?: string;
  /** The status the caller saw. */
  readonly status: number;
  /** The error code the caller saw, when the proxy answered with a fault. */
  readonly fault?: string;
  /** When the call arrived (performance.now() of this process): orders it among Pocket-ID's requests. */
  readonly receivedAt: number;
}

interface ArmedFault {
  readonly spec: SecretsFaultSpec;
  skip: number;
  remaining: number;
}

const TARGET_PREFIX = 'secretsmanager.';

/**
 * Sits between the handler's AWS SDK (AWS_ENDPOINT_URL_SECRETS_MANAGER) and moto: forwards every
 * request over the real wire protocol, records each call, and answers chosen calls with an AWS JSON
 * error instead. The handler runs in its own process, where aws-sdk-client-mock cannot reach.
 */
export class SecretsFaultProxy {
  public static async start(upstream: string): Promise<SecretsFaultProxy> {
    const proxy = new SecretsFaultProxy(new URL(upstream));
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  /** Every call served, in order. */
  public readonly calls: SecretsCall[] = [];
  private faults: ArmedFault[] = [];
  private readonly server: http.Server;
  private readonly agent = new http.Agent({ keepAlive: true });

  private constructor(private readonly upstream: URL) {
    this.server = http.createServer((req, res) => {
      this.serve(req, res, performance.now()).catch((error) => {
        res.writeHead(502, { 'Content-Type': 'text/plain' });
        res.end(`secrets fault proxy: ${(error as Error).message}`);
      });
    });
  }

  public get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  public injectFault(spec: SecretsFaultSpec): void {
    this.faults.push({ spec, skip: spec.skip ?? 0, remaining: spec.times ?? 1 });
  }

  public clearFaults(): void {
    this.faults = [];
  }

  public clearCalls(): void {
    this.calls.length = 0;
  }

  public async close(): Promise<void> {
    this.agent.destroy();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse, receivedAt: number): Promise<void> {
    const body = await readBody(req);
    const operation = operationOf(req);
    const secretId = secretIdOf(body);
    const fault = this.take(operation, secretId);
    if (fault?.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    if (fault && !fault.afterForwarding) {
      this.answerWithError(res, fault.error, { operation, secretId, receivedAt });
      return;
    }
    const answer = await this.forward(req, body).catch((error) => {
      // Recorded like every call: it counted towards the faults' skips, and the SDK will send it again.
      this.calls.push({ operation, secretId, status: 502, fault: 'ProxyForwardFailed', receivedAt });
      throw error;
    });
    if (fault) {
      this.answerWithError(res, fault.error, { operation, secretId, receivedAt });
      return;
    }
    this.calls.push({ operation, secretId, status: answer.status, receivedAt });
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
  }

  /** The first armed fault for the call with no skips left, consuming one of its uses; every other matching fault counts down a skip. */
  private take(operation: string, secretId: string | undefined): SecretsFaultSpec | undefined {
    let chosen: ArmedFault | undefined;
    for (const fault of this.faults) {
      const { spec } = fault;
      if (fault.remaining <= 0 || spec.operation !== operation) continue;
      if (spec.secretId !== undefined && spec.secretId !== secretId) continue;
      if (fault.skip > 0) fault.skip -= 1;
      else chosen ??= fault;
    }
    if (chosen) chosen.remaining -= 1;
    return chosen?.spec;
  }

  private answerWithError(res: http.ServerResponse, error: AwsError, call: { operation: string; secretId?: string; receivedAt: number }): void {
    const status = error.status ?? 400;
    this.calls.push({ ...call, status, fault: error.type });
    if (res.destroyed) return;
    const payload = JSON.stringify({ __type: error.type, message: error.message });
    res.writeHead(status, {
      'Content-Type': 'application/x-amz-json-1.1',
      'Content-Length': String(Buffer.byteLength(payload)),
      'x-amzn-RequestId': randomUUID(),
    });
    res.end(payload);
  }

  private forward(req: http.IncomingMessage, body: Buffer): Promise<{ status: number; headers: http.OutgoingHttpHeaders; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const headers = { ...req.headers, 'host': this.upstream.host, 'content-length': String(body.length) };
      const upstream = http.request({
        host: this.upstream.hostname,
        port: this.upstream.port,
        method: req.method,
        path: req.url,
        headers,
        agent: this.agent,
      }, (response) => {
        readBody(response).then((answer) => {
          const forwarded = { ...response.headers };
          delete forwarded['transfer-encoding'];
          forwarded['content-length'] = String(answer.length);
          resolve({ status: response.statusCode ?? 502, headers: forwarded, body: answer });
        }, reject);
      });
      upstream.once('error', reject);
      upstream.end(body);
    });
  }
}

/** The operation, as in X-Amz-Target without the prefix. */
function operationOf(req: http.IncomingMessage): string {
  const target = String(req.headers['x-amz-target'] ?? '');
  return target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : target;
}

function readBody(stream: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

function secretIdOf(body: Buffer): string | undefined {
  try {
    const parsed = JSON.parse(body.toString('utf8'));
    return typeof parsed?.SecretId === 'string' ? parsed.SecretId : undefined;
  } catch {
    return undefined;
  }
}
