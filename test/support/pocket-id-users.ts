import { PocketIdTarget } from './pocket-id-target';

/**
 * Reads and changes Pocket-ID users over Pocket-ID's own API, as PocketIdInspector does for clients,
 * so that checks mean the same on the test server and on a real Pocket-ID.
 */
export class PocketIdUsers {
  constructor(private readonly target: PocketIdTarget) {}

  /** The user as GET /api/users/:id answers (custom claims included), or undefined when it does not exist. */
  public async user(userId: string): Promise<any | undefined> {
    const response = await this.call('GET', `/api/users/${encodeURIComponent(userId)}`);
    if (response.status === 404) return undefined;
    return this.json(response);
  }

  /** Users whose username is exactly `username`, ignoring case as Pocket-ID does. */
  public async usersNamed(username: string): Promise<any[]> {
    return (await this.search(username)).filter((u) => u.username.toLowerCase() === username.toLowerCase());
  }

  /** Users whose email is exactly `email`. */
  public async usersWithEmail(email: string): Promise<any[]> {
    return (await this.search(email)).filter((u) => u.email === email);
  }

  /** Creates a user directly, as someone in Pocket-ID's UI would; returns its id. */
  public async createUser(body: Record<string, unknown>): Promise<string> {
    const created = await this.json(await this.call('POST', '/api/users', body));
    return created.id;
  }

  /** Changes a user behind CloudFormation's back (Pocket-ID's PUT replaces every field, so the rest is sent back as it is). */
  public async editUser(userId: string, changes: Record<string, unknown>): Promise<void> {
    const current = await this.user(userId);
    const body = { ...current, ...changes };
    for (const field of ['id', 'customClaims', 'userGroups', 'ldapId']) delete body[field];
    await this.json(await this.call('PUT', `/api/users/${encodeURIComponent(userId)}`, body));
  }

  /** Deletes a user; one that is already gone is fine. */
  public async deleteUser(userId: string): Promise<void> {
    const response = await this.call('DELETE', `/api/users/${encodeURIComponent(userId)}`);
    if (response.status !== 404) await this.json(response);
  }

  private async search(text: string): Promise<any[]> {
    const found: any[] = [];
    for (let page = 1; ; page++) {
      const query = new URLSearchParams({ 'search': text, 'pagination[page]': String(page), 'pagination[limit]': '100' });
      const body = await this.json(await this.call('GET', `/api/users?${query}`));
      found.push(...(body.data ?? []));
      if (page >= (body.pagination?.totalPages ?? 1)) return found;
    }
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
    if (!response.ok) throw new Error(`users inspector: ${response.status} ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : undefined;
  }
}
