import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as https from 'https';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { PocketIdApiError, PocketIdNetworkError } from '../../lambda/errors';
import { PocketIdHttpClient, RetryPolicy } from '../../lambda/http-client';
import { createLogger } from '../../lambda/logger';
import { PocketIdTestServer, startPocketIdTestServer } from '../pocket-id-server';

const FAST_RETRIES: RetryPolicy = { maxAttempts: 4, baseDelayMs: 20, maxDelayMs: 100 };

let server: PocketIdTestServer;
let logLines: string[];

beforeAll(async () => {
  server = await startPocketIdTestServer({ rateLimit: false });
});
afterAll(() => server.close());
beforeEach(() => {
  server.clearFaults();
  server.clearRequests();
  logLines = [];
});

function client(overrides: Partial<ConstructorParameters<typeof PocketIdHttpClient>[0]> = {}): PocketIdHttpClient {
  return new PocketIdHttpClient({
    baseUrl: server.baseUrl,
    apiToken: server.apiToken,
    timeoutMs: 2_000,
    skipTlsVerify: false,
    logger: createLogger('debug', (text) => text, {}, (line) => logLines.push(line)),
    deadline: deadlineIn(30_000),
    retry: FAST_RETRIES,
    ...overrides,
  });
}

function deadlineIn(ms: number): () => number {
  const deadline = Date.now() + ms;
  return () => deadline;
}

function served(method: string, pathPattern: RegExp): number {
  return server.requests.filter((r) => r.method === method && pathPattern.test(r.path)).length;
}

describe('retries', () => {
  test('a GET answered 429 waits for Retry-After and tries again', async () => {
    server.injectFault({ method: 'GET', path: '/api/oidc/clients', status: 429, headers: { 'Retry-After': '1' }, body: JSON.stringify({ error: 'Too many requests', code: 'rate_limited' }) });
    const started = Date.now();
    const list = await client().list('List clients', '/api/oidc/clients');
    expect(list).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(served('GET', /^\/api\/oidc\/clients$/)).toBe(2);
    expect(logLines.some((line) => JSON.parse(line).message === 'retrying Pocket-ID request')).toBe(true);
  });

  test.each([502, 503, 504])('PUT and DELETE are retried on %i', async (status) => {
    const api = client();
    await api.post('Create', '/api/oidc/clients', { id: `retry-${status}`, name: 'retry' });
    server.injectFault({ method: 'PUT', path: new RegExp(`retry-${status}$`), status, times: 2 });
    await api.put('Update', `/api/oidc/clients/retry-${status}`, { name: 'retried' });
    expect(server.client(`retry-${status}`)?.name).toBe('retried');
    server.injectFault({ method: 'DELETE', path: new RegExp(`retry-${status}$`), status });
    expect(await api.delete('Delete', `/api/oidc/clients/retry-${status}`)).toBe(true);
    expect(served('DELETE', new RegExp(`retry-${status}$`))).toBe(2);
  });

  test('a POST answered 503 is not retried: Pocket-ID may have processed it', async () => {
    server.injectFault({ method: 'POST', path: '/api/oidc/clients', status: 503, afterHandling: true });
    await expect(client().post('Create OIDC client', '/api/oidc/clients', { id: 'once', name: 'once' })).rejects.toThrow(/POST \/api\/oidc\/clients returned 503/);
    expect(served('POST', /^\/api\/oidc\/clients$/)).toBe(1);
    expect(server.clients().filter((c) => c.id === 'once')).toHaveLength(1);
  });

  test('a POST answered 429 is retried: the rate limiter rejected it before processing', async () => {
    server.injectFault({ method: 'POST', path: '/api/oidc/clients', status: 429, headers: { 'Retry-After': '0' } });
    await client().post('Create OIDC client', '/api/oidc/clients', { id: 'after-429', name: 'after 429' });
    expect(served('POST', /^\/api\/oidc\/clients$/)).toBe(2);
    expect(server.clients().filter((c) => c.id === 'after-429')).toHaveLength(1);
  });

  test('a GET slower than the timeout is abandoned and retried', async () => {
    const api = client({ timeoutMs: 300 });
    await api.post('Create', '/api/oidc/clients', { id: 'slow', name: 'slow' });
    server.injectFault({ method: 'GET', path: /\/api\/oidc\/clients\/slow$/, delayMs: 1_500 });
    expect(await api.get('Read', '/api/oidc/clients/slow')).toMatchObject({ id: 'slow' });
    expect(logLines.map((l) => JSON.parse(l)).some((l) => l.error === 'TIMEOUT')).toBe(true);
  });

  test('a POST that times out is not retried, and says so', async () => {
    server.injectFault({ method: 'POST', path: /\/api\/oidc\/clients\/slow-post\/secrets$/, delayMs: 1_500 });
    await expect(client({ timeoutMs: 300 }).post('Create OIDC client secret', '/api/oidc/clients/slow-post/secrets', {}))
      .rejects.toThrow(/got no answer from Pocket-ID: the request timed out. Raise the PocketId timeout/);
  });

  test('a POST to a closed port (connection refused) is retried, then explained', async () => {
    const closedPort = await unusedPort();
    const error: any = await client({ baseUrl: `http://127.0.0.1:${closedPort}` }).post('Create OIDC client', '/api/oidc/clients', { name: 'x' }).catch((e: any) => e);
    expect(error).toBeInstanceOf(PocketIdNetworkError);
    expect(error.message).toMatch(/ECONNREFUSED.*Is Pocket-ID running at baseUrl/);
    expect(logLines.filter((l) => JSON.parse(l).message === 'retrying Pocket-ID request')).toHaveLength(FAST_RETRIES.maxAttempts - 1);
  });

  test('retries stop at the deadline, well before the Lambda would time out', async () => {
    server.injectFault({ method: 'GET', path: '/api/oidc/clients', status: 503, times: 100 });
    const started = Date.now();
    const api = client({ deadline: deadlineIn(1_000), retry: { maxAttempts: 50, baseDelayMs: 100, maxDelayMs: 400 }, timeoutMs: 200 });
    await expect(api.list('List clients', '/api/oidc/clients')).rejects.toThrow(/503/);
    expect(Date.now() - started).toBeLessThan(1_500);
  });
});

describe('answers', () => {
  test('a validation error names the operation, the request, Pocket-ID\'s code, fields and request id', async () => {
    const error: any = await client().post('Create OIDC client', '/api/oidc/clients', { name: 'n'.repeat(51) }).catch((e: any) => e);
    expect(error).toBeInstanceOf(PocketIdApiError);
    expect(error.message).toMatch(/^Create OIDC client: POST \/api\/oidc\/clients returned 400 validation_failed: .*\[fields: name too_long/);
    expect(error.message).toMatch(/\(Pocket-ID request id [0-9a-f-]{36}\)/);
  });

  test('Pocket-ID\'s structured not-found makes delete report "already gone"', async () => {
    expect(await client().delete('Delete', '/api/oidc/clients/never-existed')).toBe(false);
  });

  test('a 404 that is not Pocket-ID\'s is an error that points at baseUrl', async () => {
    const error: any = await client({ baseUrl: `${server.baseUrl}/wrong-prefix` }).delete('Delete', '/api/oidc/clients/x').catch((e: any) => e);
    expect(error.message).toMatch(/returned 404: 404 page not found \(Pocket-ID request id [^)]+\)\. This answer did not come from Pocket-ID's API: check baseUrl/);
  });

  test('a wrong key: 401 with what to fix, and the key is never in the message or logs', async () => {
    const wrongKey = 'wrong-key-0123456789abcdef0123456789';
    const error: any = await client({ apiToken: wrongKey }).get('Read', '/api/oidc/clients/x').catch((e: any) => e);
    expect(error.message).toMatch(/401 not_signed_in.*Pocket-ID rejected the API key/);
    expect(error.message).not.toContain(wrongKey);
    expect(logLines.join('\n')).not.toContain(wrongKey);
  });

  test('a 2xx whose body is not JSON is an unexpected answer, not a crash', async () => {
    server.injectFault({ method: 'GET', path: /\/api\/oidc\/clients\/x$/, status: 200, body: '<html>login</html>' });
    await expect(client().get('Read', '/api/oidc/clients/x')).rejects.toThrow(/unexpected answer \(the body is not JSON\)/);
  });

  test('lists follow every page, and stop on totalPages (Pocket-ID repeats the last page)', async () => {
    const api = client();
    for (let i = 0; i < 105; i++) await api.post('Create', '/api/oidc/clients', { id: `page-${i}`, name: `page ${i}` });
    const all = await api.list<{ id: string }>('List', '/api/oidc/clients', { search: 'page' });
    expect(new Set(all.map((c) => c.id)).size).toBe(105);
    expect(served('GET', /^\/api\/oidc\/clients$/)).toBe(2);
  });

  test('debug logs carry method, path, status and duration, never headers or bodies', async () => {
    await client().post('Create', '/api/oidc/clients', { id: 'logged', name: 'logged-name-in-body' });
    const lines = logLines.map((l) => JSON.parse(l));
    expect(lines).toContainEqual(expect.objectContaining({ level: 'debug', method: 'POST', path: '/api/oidc/clients', status: 201, durationMs: expect.any(Number) }));
    expect(logLines.join('\n')).not.toContain('logged-name-in-body');
    expect(logLines.join('\n')).not.toContain(server.apiToken);
  });
});

describe('TLS', () => {
  let tlsServer: https.Server;
  let tlsUrl: string;

  beforeAll(async () => {
    const { key, cert } = selfSignedCertificate();
    tlsServer = https.createServer({ key, cert }, (_, response) => {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end('{"currentVersion":"2.14.0"}');
    });
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
    tlsUrl = `https://127.0.0.1:${(tlsServer.address() as net.AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => tlsServer.close(resolve)));

  test('a self-signed certificate is refused, with a message that says what to do', async () => {
    const error: any = await client({ baseUrl: tlsUrl }).get('Check version', '/api/version/current').catch((e: any) => e);
    expect(error).toBeInstanceOf(PocketIdNetworkError);
    expect(error.message).toMatch(/TLS certificate could not be verified.*skipTlsVerify/);
  });

  test('skipTlsVerify accepts it', async () => {
    expect(await client({ baseUrl: tlsUrl, skipTlsVerify: true }).get('Check version', '/api/version/current')).toEqual({ currentVersion: '2.14.0' });
  });
});

function selfSignedCertificate(): { key: string; cert: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
    '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' });
  return { key: fs.readFileSync(path.join(dir, 'key.pem'), 'utf8'), cert: fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8') };
}

function unusedPort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (probe.address() as net.AddressInfo).port;
      probe.close(() => resolve(port));
    });
  });
}
