import { randomBytes, randomUUID } from 'crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'http';
import { AddressInfo, Socket } from 'net';
import { ApiError, internalError, missingPermission, notSignedIn, tooManyRequests, userDisabled } from './errors';
import { FaultInjector, faultResponse } from './faults';
import { ApiResponse, errorResponse, header, RequestContext, textResponse } from './http';
import { IconLibrary } from './logo-presets';
import { apiPolicy, RateLimiter, RatePolicy } from './rate-limit';
import { Release } from './releases';
import { findRoute, Route, RouteMatch } from './routes';
import { ServerState } from './state';
import { Store } from './store';
import { SigningKey } from './well-known';

export interface ServerSettings {
  readonly port: number;
  readonly apiToken: string;
  readonly version: string;
  readonly rateLimit: { perSecond: number; burst: number } | false;
  readonly appUrl?: string;
  readonly frontend: boolean;
  readonly iconLibrary: IconLibrary;
  readonly uiConfigDisabled: boolean;
  readonly iconLibraryUrl?: string;
}

export interface ServedRequest {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /** When the request arrived (performance.now() of this process): orders it among other services' calls. */
  readonly receivedAt: number;
}

const SPA_SHELL = '<!doctype html><html><head><title>Pocket ID</title></head><body><div id="app"></div></body></html>';

function clientIpOf(socket: Socket): string {
  return (socket.remoteAddress ?? '').replace(/^::ffff:/, '');
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Go's router matches on the unescaped path. */
function decodePath(rawPath: string): string | undefined {
  try {
    return decodeURIComponent(rawPath);
  } catch {
    return undefined;
  }
}

/** Pocket-ID accepts `~<base64url>` for client ids that do not fit in a path segment. */
function decodeClientIdParams(params: Record<string, string>): Record<string, string> {
  const decoded = { ...params };
  for (const key of ['id', 'clientId']) {
    const value = decoded[key];
    if (value?.startsWith('~') && /^[A-Za-z0-9_-]*$/.test(value.slice(1))) decoded[key] = Buffer.from(value.slice(1), 'base64url').toString('utf8');
  }
  return decoded;
}

export class PocketIdServer {
  readonly store = new Store();
  readonly faults = new FaultInjector();
  readonly requests: ServedRequest[] = [];
  private readonly limiter = new RateLimiter();
  private readonly http: Server;
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];
  private state: ServerState;
  private baseUrl = '';

  constructor(private readonly settings: ServerSettings) {
    // A client that hangs up mid-request only loses its own connection
    this.http = createServer((req, res) => this.serve(req, res).catch(() => req.socket.destroy()));
    this.state = {
      store: this.store,
      release: new Release(settings.version),
      iconLibrary: settings.iconLibrary,
      uiConfigDisabled: settings.uiConfigDisabled,
      iconLibraryUrl: settings.iconLibraryUrl,
      appUrl: () => (settings.appUrl ?? this.baseUrl).toLowerCase().replace(/\/+$/, ''),
      signingKey: new SigningKey(),
    };
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(this.settings.port, '127.0.0.1', () => resolve());
    });
    this.baseUrl = `http://127.0.0.1:${(this.http.address() as AddressInfo).port}`;
    return this.baseUrl;
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.http.close(() => resolve()));
    this.http.closeAllConnections();
    await closed;
  }

  /** Pocket-ID upgraded (or downgraded) in place: the same data, another release's behaviour from the next request on. */
  setVersion(version: string): void {
    this.state = { ...this.state, release: new Release(version) };
  }

  resetRateLimits(): void {
    this.limiter.reset();
  }

  /** Resolves once no request is being served (a delayed one included, which its caller may have given up on). */
  whenIdle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.inFlight++;
    try {
      await this.serveOne(req, res, performance.now());
    } finally {
      this.inFlight--;
      if (this.inFlight === 0) this.idleWaiters.splice(0).forEach((resolve) => resolve());
    }
  }

  private async serveOne(req: IncomingMessage, res: ServerResponse, receivedAt: number): Promise<void> {
    const method = req.method ?? 'GET';
    const rawUrl = req.url ?? '/';
    const rawPath = rawUrl.split('?')[0];
    const body = await readBody(req);
    const fault = this.faults.take(method, rawPath);
    if (fault?.delayMs) await sleep(fault.delayMs);

    const runsHandler = !fault || fault.afterHandling === true || (fault.status === undefined && !fault.resetConnection);
    const real = runsHandler ? await this.respond(req, method, rawUrl, body) : undefined;
    if (fault?.resetConnection) {
      this.requests.push({ method, path: rawPath, status: 0, receivedAt });
      this.resetConnection(req.socket);
      return;
    }
    const response = fault ? faultResponse(fault, real) : real!;
    this.requests.push({ method, path: rawPath, status: response.status, receivedAt });
    this.write(res, method, response, fault?.truncateBody === true);
  }

  private resetConnection(socket: Socket): void {
    const resettable = socket as Socket & { resetAndDestroy?: () => void };
    if (resettable.resetAndDestroy) resettable.resetAndDestroy();
    else socket.destroy();
  }

  private write(res: ServerResponse, method: string, response: ApiResponse, truncate: boolean): void {
    const body = method === 'HEAD' ? Buffer.alloc(0) : response.body;
    res.writeHead(response.status, { ...response.headers, 'Content-Length': String(response.body.length) });
    if (!truncate) {
      res.end(body);
      return;
    }
    // Announce the full length but send half of it, then drop the connection
    res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.socket?.destroy());
  }

  /** Everything Pocket-ID does for one request, as an in-memory response. */
  private async respond(req: IncomingMessage, method: string, rawUrl: string, body: Buffer): Promise<ApiResponse> {
    const requestId = randomUUID();
    const [rawPath, rawQuery = ''] = rawUrl.split(/\?(.*)/s);
    const path = decodePath(rawPath);
    if (path === undefined) return textResponse(400, '400 Bad Request', 'text/plain; charset=utf-8');
    // HEAD is served by the GET route, without the body
    const match = findRoute(method === 'HEAD' ? 'GET' : method, path, this.state.release);
    if (!match) return this.unmatched(method, path, rawQuery, requestId);

    const ctx: RequestContext = {
      method,
      path,
      params: match.route.group === 'api' ? decodeClientIdParams(match.params) : match.params,
      query: new URLSearchParams(rawQuery),
      headers: req.headers,
      body,
      clientIp: clientIpOf(req.socket),
    };
    const response = await this.runRoute(match, ctx, requestId);
    if (CORS_PATHS.has(match.route.pattern)) Object.assign(response.headers, CORS_HEADERS);
    return withGlobalHeaders(response, requestId);
  }

  private async runRoute({ route }: RouteMatch, ctx: RequestContext, requestId: string): Promise<ApiResponse> {
    try {
      this.enforceRateLimits(route, ctx.clientIp);
      const userId = this.authenticate(route, ctx);
      return await route.handle(ctx, this.state, userId);
    } catch (error) {
      if (error instanceof ApiError) return errorResponse(error, requestId);
      console.error('pocket-id test server: handler failed', error);
      return errorResponse(internalError(), requestId);
    }
  }

  private enforceRateLimits(route: Route, clientIp: string): void {
    if (this.settings.rateLimit === false || route.group === 'root') return;
    const policies: RatePolicy[] = [apiPolicy(this.settings.rateLimit.perSecond, this.settings.rateLimit.burst)];
    if (route.limiter) policies.push(route.limiter);
    for (const policy of policies) {
      const decision = this.limiter.take(policy, clientIp);
      if (!decision.allowed) throw tooManyRequests(decision.retryAfterSeconds);
    }
  }

  /** Only the static API key is supported; every failure is 401 not_signed_in, like Pocket-ID. */
  private authenticate(route: Route, ctx: RequestContext): string {
    if (route.auth === 'none') return '';
    if (header(ctx, 'x-api-key') !== this.settings.apiToken) throw notSignedIn();
    const user = this.store.staticApiUser();
    if (user.disabled) throw userDisabled();
    if (route.auth === 'admin' && !user.isAdmin) throw missingPermission();
    return user.id;
  }

  /**
   * Gin's trailing-slash redirect, then either the frontend's handler or Gin's plain 404. On a CORS path the
   * global CORS middleware (cors.go:28-36) adds its headers to the 404 too, and answers a preflight itself,
   * before the CSP and request-id middlewares run: only the Cache-Control middleware's header comes first.
   */
  private unmatched(method: string, path: string, rawQuery: string, requestId: string): ApiResponse {
    const query = rawQuery === '' ? '' : `?${rawQuery}`;
    const cors = CORS_PATHS.has(path) ? CORS_HEADERS : {};
    if (CORS_PATHS.has(path) && method === 'OPTIONS') return { status: 204, headers: { 'Cache-Control': 'private, no-store', ...cors }, body: Buffer.alloc(0) };
    if (path.length > 1 && path.endsWith('/') && findRoute(method, path.slice(0, -1), this.state.release)) {
      return redirect(method, method === 'GET' ? 301 : 307, `${path.slice(0, -1)}${query}`);
    }
    const response = this.settings.frontend ? frontendFallback(method, path, query) : textResponse(404, '404 page not found');
    Object.assign(response.headers, cors);
    return withGlobalHeaders(response, requestId);
  }
}

const CORS_PATHS = new Set([
  '/api/oidc/token',
  '/api/oidc/userinfo',
  '/api/oidc/end-session',
  '/api/oidc/introspect',
  '/.well-known/jwks.json',
  '/.well-known/openid-configuration',
  '/.well-known/oauth-authorization-server',
]);
const CORS_HEADERS = { 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Headers': 'Authorization', 'Access-Control-Allow-Methods': 'GET, POST' };

/** Headers Pocket-ID's global middleware puts on every routed or 404 response (Go spells it X-Request-Id). */
function withGlobalHeaders(response: ApiResponse, requestId: string): ApiResponse {
  const nonce = randomBytes(16).toString('base64url');
  response.headers = {
    'Cache-Control': 'private, no-store',
    'Content-Security-Policy': `default-src 'self'; base-uri 'self'; object-src 'none'; frame-ancestors 'none'; form-action 'self'; img-src * blob:;font-src 'self'; style-src 'self' 'unsafe-inline'; script-src 'self' 'nonce-${nonce}'`,
    ...response.headers,
    'X-Request-Id': requestId,
  };
  return response;
}

/** Go's http.Redirect: only GET and HEAD get the little HTML body. */
function redirect(method: string, status: 301 | 307, location: string): ApiResponse {
  if (method !== 'GET' && method !== 'HEAD') return { status, headers: { Location: location }, body: Buffer.alloc(0) };
  const text = status === 301 ? 'Moved Permanently' : 'Temporary Redirect';
  return { status, headers: { 'Location': location, 'Content-Type': 'text/html; charset=utf-8' }, body: Buffer.from(`<a href="${location}">${text}</a>.\n\n`) };
}

function frontendFallback(method: string, path: string, query: string): ApiResponse {
  const relative = path.replace(/^\//, '');
  if (relative.endsWith('/')) return redirect(method, 301, `${path.replace(/\/+$/, '')}${query}`);
  if (relative.startsWith('api/') || relative.startsWith('.well-known/')) {
    return { status: 404, headers: { 'Content-Type': 'application/json; charset=utf-8' }, body: Buffer.from('{"error":"API endpoint not found"}') };
  }
  return { status: 200, headers: { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' }, body: Buffer.from(SPA_SHELL) };
}

