import { randomUUID } from 'crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'http';
import { AddressInfo } from 'net';

/** One request the endpoint received. */
export interface ScimRequest {
  readonly method: string;
  /** The path without the endpoint's base path: `/Users`, `/Groups/<id>`. */
  readonly path: string;
  readonly query: string;
  /** Whether the Authorization header was `Bearer <the expected token>`. */
  readonly authorized: boolean;
  readonly body: unknown;
}

/** A resource the endpoint holds. */
export interface ScimResource {
  readonly id: string;
  readonly externalId?: string;
  readonly [field: string]: unknown;
}

const BASE_PATH = '/scim/v2';

/**
 * A small SCIM 2.0 service provider on loopback (HTTP), for the sync Pocket-ID performs: it records
 * every request, answers 401 unless the bearer token is the expected one, and keeps the Users and
 * Groups it is sent, so that a test can tell that the token reached it and what the sync did.
 */
export class ScimEndpoint {
  public static async start(): Promise<ScimEndpoint> {
    const endpoint = new ScimEndpoint();
    await new Promise<void>((resolve) => endpoint.server.listen(0, '127.0.0.1', resolve));
    return endpoint;
  }

  public readonly requests: ScimRequest[] = [];
  public readonly users = new Map<string, ScimResource>();
  public readonly groups = new Map<string, ScimResource>();
  /** The token the endpoint takes; any other answers 401. */
  public expectedToken = '';
  /** A status every request gets instead of its answer (500 for a broken endpoint); undefined: none. */
  public failWith: number | undefined;
  private readonly server: Server = createServer((req, res) => this.serve(req, res));

  /** The SCIM base URL to give Pocket-ID. */
  public get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${BASE_PATH}`;
  }

  public clear(): void {
    this.requests.length = 0;
  }

  public async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private serve(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const [fullPath, query = ''] = (req.url ?? '/').split('?');
      const text = Buffer.concat(chunks).toString('utf8');
      const body = text === '' ? undefined : JSON.parse(text);
      const authorized = this.expectedToken !== '' && req.headers.authorization === `Bearer ${this.expectedToken}`;
      const path = fullPath.startsWith(BASE_PATH) ? fullPath.slice(BASE_PATH.length) : fullPath;
      this.requests.push({ method: req.method ?? 'GET', path, query, authorized, body });
      const [status, answer] = this.answer(req.method ?? 'GET', path, authorized, body);
      res.writeHead(status, { 'Content-Type': 'application/scim+json' });
      res.end(answer === undefined ? '' : JSON.stringify(answer));
    });
  }

  private answer(method: string, path: string, authorized: boolean, body: any): [number, unknown] {
    if (this.failWith !== undefined) return [this.failWith, { detail: 'the endpoint is failing on purpose', status: String(this.failWith) }];
    if (!authorized) return [401, { detail: 'bad bearer token', status: '401' }];
    const [, collection, id] = path.split('/');
    const resources = collection === 'Users' ? this.users : collection === 'Groups' ? this.groups : undefined;
    if (!resources) return [404, { detail: 'no such resource type', status: '404' }];
    if (method === 'GET' && id === undefined) {
      const all = [...resources.values()];
      return [200, { schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: all.length, startIndex: 1, itemsPerPage: all.length, Resources: all }];
    }
    if (method === 'POST' && id === undefined) {
      const created = { ...body, id: randomUUID() };
      resources.set(created.id, created);
      return [201, created];
    }
    if (id === undefined || !resources.has(id)) return [404, { detail: 'not found', status: '404' }];
    if (method === 'PUT') {
      const replaced = { ...body, id };
      resources.set(id, replaced);
      return [200, replaced];
    }
    if (method === 'DELETE') {
      resources.delete(id);
      return [204, undefined];
    }
    return [405, { detail: 'method not allowed', status: '405' }];
  }
}
