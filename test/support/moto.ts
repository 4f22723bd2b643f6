import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';

/** Where the test command installs moto (`pip install "moto[server]"` into the project's .venv). */
const VENV_PYTHON = path.join(__dirname, '..', '..', '.venv', 'bin', 'python');
/** moto's server with its version staging brought in line with Secrets Manager's (see the file). */
const MOTO_LAUNCHER = path.join(__dirname, 'moto_server.py');

export interface MotoServer {
  readonly endpoint: string;
  readonly process: ChildProcess;
}

/** Starts moto's server on a free loopback port and waits until it answers. */
export async function startMoto(): Promise<MotoServer> {
  const python = fs.existsSync(VENV_PYTHON) ? VENV_PYTHON : 'python3';
  const port = await freePort();
  const child = spawn(python, [MOTO_LAUNCHER, '-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore', detached: false });
  const endpoint = `http://127.0.0.1:${port}`;
  await waitUntilUp(endpoint, child);
  return { endpoint, process: child };
}

/**
 * Points every AWS SDK client started from here on at moto: this process's, and those of the child
 * processes and test workers that inherit its environment. The credentials are moto's dummies; the
 * instance metadata service is off so the SDK never waits for one.
 */
export function routeSecretsManagerToMoto(moto: MotoServer): void {
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SECRETS_MANAGER: moto.endpoint,
    // moto serves S3 too: the image assets the handler reads (lambda/s3-object.ts).
    AWS_ENDPOINT_URL_S3: moto.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_EC2_METADATA_DISABLED: 'true',
  });
}

async function waitUntilUp(endpoint: string, child: ChildProcess): Promise<void> {
  let exited = false;
  child.once('exit', () => { exited = true; });
  child.once('error', () => { exited = true; });
  const giveUpAt = Date.now() + 30_000;
  while (Date.now() < giveUpAt) {
    if (exited) break;
    try {
      const response = await fetch(`${endpoint}/moto-api/`);
      if (response.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  child.kill();
  throw new Error('moto_server did not start: install it with `python3 -m venv .venv && .venv/bin/pip install "moto[server]"` (the README\'s test command does this)');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}
