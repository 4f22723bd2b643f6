import { PocketIdTestServer, PocketIdTestServerOptions, startPocketIdTestServer } from '../pocket-id-server';

/**
 * The Pocket-ID an acceptance test runs against: a real one when POCKETID_BASE_URL and
 * POCKETID_API_TOKEN are set (as Terraform providers do with TF_ACC), else the test server in test/.
 */
export interface PocketIdTarget {
  readonly baseUrl: string;
  readonly apiToken: string;
  /** The test server, when the target is not a real Pocket-ID (fault injection needs it). */
  readonly testServer?: PocketIdTestServer;
  close(): Promise<void>;
}

export function isRealPocketId(): boolean {
  return Boolean(process.env.POCKETID_BASE_URL && process.env.POCKETID_API_TOKEN);
}

export async function startPocketIdTarget(options: PocketIdTestServerOptions = {}): Promise<PocketIdTarget> {
  if (isRealPocketId()) {
    return {
      baseUrl: process.env.POCKETID_BASE_URL!.replace(/\/+$/, ''),
      apiToken: process.env.POCKETID_API_TOKEN!,
      close: async () => undefined,
    };
  }
  const server = await startPocketIdTestServer(options);
  return { baseUrl: server.baseUrl, apiToken: server.apiToken, testServer: server, close: () => server.close() };
}

/** Reads Pocket-ID state over its own API, so that checks mean the same on the test server and a real one. */
export class PocketIdInspector {
  constructor(private readonly target: PocketIdTarget) {}

  public async client(clientId: string): Promise<any | undefined> {
    const response = await this.call('GET', `/api/oidc/clients/${encodeURIComponent(clientId)}`);
    if (response.status === 404) return undefined;
    return this.json(response);
  }

  public async clientSecrets(clientId: string): Promise<Array<{ id: string; prefix?: string }>> {
    const response = await this.call('GET', `/api/oidc/clients/${encodeURIComponent(clientId)}/secrets`);
    return (await this.json(response)) ?? [];
  }

  /** Clients whose name contains `search`, across every page. */
  public async clientsNamed(name: string): Promise<any[]> {
    const found: any[] = [];
    for (let page = 1; ; page++) {
      const query = new URLSearchParams({ 'search': name, 'pagination[page]': String(page), 'pagination[limit]': '100' });
      const body = await this.json(await this.call('GET', `/api/oidc/clients?${query}`));
      found.push(...(body.data ?? []).filter((client: any) => client.name === name));
      if (page >= (body.pagination?.totalPages ?? 1)) return found;
    }
  }

  /** Changes a client behind CloudFormation's back, as someone in Pocket-ID's UI would. */
  public async editClient(clientId: string, changes: Record<string, unknown>): Promise<void> {
    const current = await this.client(clientId);
    const body = { ...current, ...changes };
    for (const field of ['id', 'allowedUserGroups', 'allowedUserGroupsCount']) delete body[field];
    await this.json(await this.call('PUT', `/api/oidc/clients/${encodeURIComponent(clientId)}`, body));
  }

  /** Creates a group over the API (as someone in the UI would); returns its id. */
  public async createGroup(name: string): Promise<string> {
    const group = await this.json(await this.call('POST', '/api/user-groups', { name, friendlyName: name.slice(0, 50) }));
    return group.id;
  }

  public async setAllowedGroups(clientId: string, groupIds: string[]): Promise<void> {
    await this.json(await this.call('PUT', `/api/oidc/clients/${encodeURIComponent(clientId)}/allowed-user-groups`, { userGroupIds: groupIds }));
  }

  public async deleteGroup(groupId: string): Promise<void> {
    await this.call('DELETE', `/api/user-groups/${encodeURIComponent(groupId)}`);
  }

  public async deleteClient(clientId: string): Promise<void> {
    await this.call('DELETE', `/api/oidc/clients/${encodeURIComponent(clientId)}`);
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
    if (!response.ok) throw new Error(`inspector: ${response.status} ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : undefined;
  }
}
