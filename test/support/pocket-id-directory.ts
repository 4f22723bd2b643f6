import { PocketIdTarget } from './pocket-id-target';

/** One page of a Pocket-ID list, as the API answers it. */
export interface ListPage {
  readonly ids: string[];
  readonly totalItems: number;
  readonly totalPages: number;
}

/** Requests in flight at once when a test makes many entities: enough to be quick, few enough to be polite. */
const PARALLEL_REQUESTS = 8;

/**
 * Users, groups and clients made, changed and read over Pocket-ID's own API, as someone in Pocket-ID's
 * UI would: the same on the test server and on a real Pocket-ID.
 */
export class PocketIdDirectory {
  constructor(private readonly target: PocketIdTarget) {}

  /**
   * One request before any burst: a fresh real Pocket-ID creates its static API user on the first
   * request, and answers one of several parallel first requests with a spurious 401.
   */
  public async warmUp(): Promise<void> {
    const first = await this.call('GET', '/api/users?pagination%5Blimit%5D=1');
    if (first.status === 401) await this.json(await this.call('GET', '/api/users?pagination%5Blimit%5D=1'));
  }

  /** GET /api/users/:id, or undefined when Pocket-ID says it does not exist. */
  public async user(userId: string): Promise<any | undefined> {
    const response = await this.call('GET', `/api/users/${encodeURIComponent(userId)}`);
    if (response.status === 404) return undefined;
    return this.json(response);
  }

  /** Creates a user with this username and `<username>@example.com`; returns its id. */
  public async createUser(username: string): Promise<string> {
    const user = await this.json(await this.call('POST', '/api/users', { username, email: `${username}@example.com`, firstName: 'Test' }));
    return user.id;
  }

  /** Creates the users, a few at a time; returns their ids in the same order. */
  public createUsers(usernames: readonly string[]): Promise<string[]> {
    return inBatches(usernames, (username) => this.createUser(username));
  }

  public async deleteUsers(userIds: readonly string[]): Promise<void> {
    await inBatches(userIds, (userId) => this.discard('DELETE', `/api/users/${encodeURIComponent(userId)}`));
  }

  /** GET /api/user-groups/:id (with `users`), or undefined when Pocket-ID says it does not exist. */
  public async group(groupId: string): Promise<any | undefined> {
    const response = await this.call('GET', `/api/user-groups/${encodeURIComponent(groupId)}`);
    if (response.status === 404) return undefined;
    return this.json(response);
  }

  /** The ids of a group's members, sorted. */
  public async memberIds(groupId: string): Promise<string[]> {
    const group = await this.group(groupId);
    return (group?.users ?? []).map((user: { id: string }) => user.id).sort();
  }

  /** Groups with exactly this name, across every page. */
  public async groupsNamed(name: string): Promise<any[]> {
    return (await this.listAll('/api/user-groups', name)).filter((group) => group.name === name);
  }

  public async createGroup(name: string, friendlyName: string): Promise<string> {
    const group = await this.json(await this.call('POST', '/api/user-groups', { name, friendlyName }));
    return group.id;
  }

  /** Adds a member behind CloudFormation's back, as someone in Pocket-ID's UI would. */
  public async addMember(groupId: string, userId: string): Promise<void> {
    const members = await this.memberIds(groupId);
    await this.json(await this.call('PUT', `/api/user-groups/${encodeURIComponent(groupId)}/users`, { userIds: [...members, userId] }));
  }

  public async deleteGroups(groupIds: readonly string[]): Promise<void> {
    await inBatches(groupIds, (groupId) => this.discard('DELETE', `/api/user-groups/${encodeURIComponent(groupId)}`));
  }

  /** Creates a public client (no secret to look after); returns its id. */
  public async createClient(name: string): Promise<string> {
    const client = await this.json(await this.call('POST', '/api/oidc/clients', { name, isPublic: true }));
    return client.id;
  }

  public async deleteClients(clientIds: readonly string[]): Promise<void> {
    await inBatches(clientIds, (clientId) => this.discard('DELETE', `/api/oidc/clients/${encodeURIComponent(clientId)}`));
  }

  /** One page (100 items) of a list searched for `search`, in Pocket-ID's default order. */
  public async page(path: string, search: string, page: number): Promise<ListPage> {
    const query = new URLSearchParams({ 'search': search, 'pagination[page]': String(page), 'pagination[limit]': '100' });
    const body = await this.json(await this.call('GET', `${path}?${query}`));
    return {
      ids: (body.data ?? []).map((item: { id: string }) => item.id),
      totalItems: body.pagination?.totalItems ?? 0,
      totalPages: body.pagination?.totalPages ?? 1,
    };
  }

  /** Every item of a list searched for `search`. */
  public async listAll(path: string, search: string): Promise<any[]> {
    const items: any[] = [];
    for (let page = 1; ; page++) {
      const query = new URLSearchParams({ 'search': search, 'pagination[page]': String(page), 'pagination[limit]': '100' });
      const body = await this.json(await this.call('GET', `${path}?${query}`));
      items.push(...(body.data ?? []));
      if (page >= (body.pagination?.totalPages ?? 1)) return items;
    }
  }

  /** Cleanup: the entity may be gone already, so the answer is read and not judged. */
  private async discard(method: string, path: string): Promise<void> {
    await (await this.call(method, path)).text();
  }

  private call(method: string, path: string, body?: unknown): Promise<Response> {
    return fetch(`${this.target.baseUrl}${path}`, {
      method,
      headers: { 'X-API-Key': this.target.apiToken, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  private async json(response: Response): Promise<any> {
    const text = await response.text();
    if (!response.ok) throw new Error(`directory: ${response.status} ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : undefined;
  }
}

async function inBatches<T, R>(items: readonly T[], run: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += PARALLEL_REQUESTS) {
    results.push(...await Promise.all(items.slice(start, start + PARALLEL_REQUESTS).map(run)));
  }
  return results;
}
