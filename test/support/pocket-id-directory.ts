import { PocketIdTarget, versionAtLeast } from './pocket-id-target';

/** One page of a Pocket-ID list, as the API answers it. */
export interface ListPage {
  readonly ids: string[];
  readonly totalItems: number;
  readonly totalPages: number;
}

/** Requests in flight at once when a test makes many entities: enough to be quick, few enough to be polite. */
const PARALLEL_REQUESTS = 8;

/**
 * Users, groups and clients read, made, changed and deleted over Pocket-ID's own API, as someone in
 * Pocket-ID's UI would, so that checks mean the same on the test server and on a real Pocket-ID.
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

  /** The version Pocket-ID announces (GET /api/version/current). */
  public async version(): Promise<string> {
    return (await this.json(await this.call('GET', '/api/version/current'))).currentVersion;
  }

  /** Whether Pocket-ID runs `release` or a newer one (a development build counts as the newest). */
  public async runsAtLeast(release: string): Promise<boolean> {
    return versionAtLeast(await this.version(), release);
  }

  /**
   * Whether Pocket-ID takes the client secret at its token endpoint (client_credentials, HTTP Basic):
   * the proof that an app holding it can sign in. False on 401 invalid_client; any other answer is an error.
   */
  public async authenticates(clientId: string, clientSecret: string): Promise<boolean> {
    const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64');
    const response = await fetch(`${this.target.baseUrl}/api/oidc/token`, {
      method: 'POST',
      headers: { 'Authorization': `Basic ${basic}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    const body = await response.json() as { access_token?: string; error?: string };
    if (response.status === 200 && typeof body.access_token === 'string') return true;
    if (response.status === 401 && body.error === 'invalid_client') return false;
    throw new Error(`token endpoint answered ${response.status} ${JSON.stringify(body.error)}`);
  }

  // Users

  /** The user as GET /api/users/:id answers (custom claims included), or undefined when it does not exist. */
  public user(userId: string): Promise<any | undefined> {
    return this.read(`/api/users/${encodeURIComponent(userId)}`);
  }

  /** Users whose username is exactly `username`, ignoring case as Pocket-ID does. */
  public async usersNamed(username: string): Promise<any[]> {
    return (await this.listAll('/api/users', username)).filter((u) => u.username.toLowerCase() === username.toLowerCase());
  }

  /** Users whose email is exactly `email`. */
  public async usersWithEmail(email: string): Promise<any[]> {
    return (await this.listAll('/api/users', email)).filter((u) => u.email === email);
  }

  /**
   * Creates a user; returns its id. `user` is the request body, or a username alone, which gets
   * `<username>@example.com` and the first name Test.
   */
  public async createUser(user: string | Record<string, unknown>): Promise<string> {
    const body = typeof user === 'string' ? { username: user, email: `${user}@example.com`, firstName: 'Test' } : user;
    const created = await this.json(await this.call('POST', '/api/users', body));
    return created.id;
  }

  /** Creates the users (usernames alone, as for createUser), a few at a time; returns their ids in the same order. */
  public createUsers(usernames: readonly string[]): Promise<string[]> {
    return inBatches(usernames, (username) => this.createUser(username));
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

  /** Cleanup: deletes the users a few at a time, and does not judge the answers. */
  public async deleteUsers(userIds: readonly string[]): Promise<void> {
    await inBatches(userIds, (userId) => this.discard('DELETE', `/api/users/${encodeURIComponent(userId)}`));
  }

  /**
   * Sets Pocket-ID's signup defaults: the groups and custom claims it gives every user the API creates.
   * A real Pocket-ID's settings are one whole document: it is read and sent back with the two changed.
   */
  public async setSignupDefaults(groupIds: string[], claims: Array<{ key: string; value: string }>): Promise<void> {
    if (this.target.testServer) {
      this.target.testServer.setAppConfig({ signupDefaultUserGroupIds: groupIds, signupDefaultCustomClaims: claims });
      return;
    }
    const settings: Array<{ key: string; value: string }> = await this.json(await this.call('GET', '/api/application-configuration/all'));
    const body: Record<string, string> = Object.fromEntries(settings.map((setting) => [setting.key, setting.value]));
    body.signupDefaultUserGroupIDs = JSON.stringify(groupIds);
    body.signupDefaultCustomClaims = JSON.stringify(claims);
    await this.json(await this.call('PUT', '/api/application-configuration', body));
  }

  /**
   * Signs in with a one-time login token at Pocket-ID's public exchange endpoint, as the person opening
   * the link would: true when Pocket-ID accepts it (and so uses it up). No API key is sent.
   */
  public async exchangeLoginToken(token: string): Promise<boolean> {
    const response = await fetch(`${this.target.baseUrl}/api/one-time-access-token/${encodeURIComponent(token)}`, { method: 'POST' });
    await response.text();
    return response.status === 200;
  }

  // Groups

  /** GET /api/user-groups/:id (with `users`), or undefined when Pocket-ID says it does not exist. */
  public group(groupId: string): Promise<any | undefined> {
    return this.read(`/api/user-groups/${encodeURIComponent(groupId)}`);
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

  /** Creates a group (as someone in the UI would); returns its id. */
  public async createGroup(name: string, friendlyName: string = name.slice(0, 50)): Promise<string> {
    const group = await this.json(await this.call('POST', '/api/user-groups', { name, friendlyName }));
    return group.id;
  }

  /** Adds a member behind CloudFormation's back, as someone in Pocket-ID's UI would. */
  public async addMember(groupId: string, userId: string): Promise<void> {
    const members = await this.memberIds(groupId);
    await this.json(await this.call('PUT', `/api/user-groups/${encodeURIComponent(groupId)}/users`, { userIds: [...members, userId] }));
  }

  /** Deletes a group without judging the answer (it may be gone already). */
  public async deleteGroup(groupId: string): Promise<void> {
    await this.discard('DELETE', `/api/user-groups/${encodeURIComponent(groupId)}`);
  }

  /** Cleanup: deletes the groups a few at a time, and does not judge the answers. */
  public async deleteGroups(groupIds: readonly string[]): Promise<void> {
    await inBatches(groupIds, (groupId) => this.deleteGroup(groupId));
  }

  // OIDC clients

  /** GET /api/oidc/clients/:id, or undefined when Pocket-ID says it does not exist. */
  public client(clientId: string): Promise<any | undefined> {
    return this.read(`/api/oidc/clients/${encodeURIComponent(clientId)}`);
  }

  public async clientSecrets(clientId: string): Promise<Array<{ id: string; prefix?: string; expiresAt?: string | null }>> {
    const response = await this.call('GET', `/api/oidc/clients/${encodeURIComponent(clientId)}/secrets`);
    return (await this.json(response)) ?? [];
  }

  /** Makes a client secret as someone in Pocket-ID's UI would; returns its id and value. */
  public async createClientSecret(clientId: string): Promise<{ id: string; secret: string }> {
    return this.json(await this.call('POST', `/api/oidc/clients/${encodeURIComponent(clientId)}/secrets`, {}));
  }

  /** Revokes a client secret as someone in Pocket-ID's UI would. */
  public async revokeClientSecret(clientId: string, secretId: string): Promise<void> {
    await this.json(await this.call('DELETE', `/api/oidc/clients/${encodeURIComponent(clientId)}/secrets/${encodeURIComponent(secretId)}`));
  }

  /** Clients with exactly this name, across every page. */
  public async clientsNamed(name: string): Promise<any[]> {
    return (await this.listAll('/api/oidc/clients', name)).filter((client) => client.name === name);
  }

  /** Creates a public client (no secret to look after); returns its id. */
  public async createClient(name: string): Promise<string> {
    const client = await this.json(await this.call('POST', '/api/oidc/clients', { name, isPublic: true }));
    return client.id;
  }

  /** Changes a client behind CloudFormation's back, as someone in Pocket-ID's UI would. */
  public async editClient(clientId: string, changes: Record<string, unknown>): Promise<void> {
    const current = await this.client(clientId);
    const body = { ...current, ...changes };
    for (const field of ['id', 'allowedUserGroups', 'allowedUserGroupsCount']) delete body[field];
    await this.json(await this.call('PUT', `/api/oidc/clients/${encodeURIComponent(clientId)}`, body));
  }

  public async setAllowedGroups(clientId: string, groupIds: string[]): Promise<void> {
    await this.json(await this.call('PUT', `/api/oidc/clients/${encodeURIComponent(clientId)}/allowed-user-groups`, { userGroupIds: groupIds }));
  }

  /** Deletes a client without judging the answer (it may be gone already). */
  public async deleteClient(clientId: string): Promise<void> {
    await this.discard('DELETE', `/api/oidc/clients/${encodeURIComponent(clientId)}`);
  }

  /** Cleanup: deletes the clients a few at a time, and does not judge the answers. */
  public async deleteClients(clientIds: readonly string[]): Promise<void> {
    await inBatches(clientIds, (clientId) => this.deleteClient(clientId));
  }

  // SCIM service providers

  /** The SCIM service provider Pocket-ID shows for the client (token in clear), or undefined. */
  public async scimProviderOf(clientId: string): Promise<any | undefined> {
    return this.read(`/api/oidc/clients/${encodeURIComponent(clientId)}/scim-service-provider`);
  }

  /** Makes a SCIM service provider behind CloudFormation's back, as someone in Pocket-ID's UI would; returns its id. */
  public async createScimProvider(clientId: string, endpoint: string, token: string): Promise<string> {
    return (await this.json(await this.call('POST', '/api/scim/service-provider', { endpoint, token, oidcClientId: clientId }))).id;
  }

  /** Creates a public client with a fixed id, as someone in Pocket-ID's UI would; returns its id. */
  public async createClientWithId(clientId: string, name: string): Promise<string> {
    return (await this.json(await this.call('POST', '/api/oidc/clients', { id: clientId, name, isPublic: true }))).id;
  }

  /** Deletes a SCIM service provider without judging the answer (it may be gone already). */
  public async deleteScimProvider(providerId: string): Promise<void> {
    await this.discard('DELETE', `/api/scim/service-provider/${encodeURIComponent(providerId)}`);
  }

  // APIs (resource servers) and client grants

  /** GET /api/apis/:id, or undefined when Pocket-ID says it does not exist. */
  public api(apiId: string): Promise<any | undefined> {
    return this.read(`/api/apis/${encodeURIComponent(apiId)}`);
  }

  /** APIs whose resource is exactly this one (0 or 1: Pocket-ID keeps resources unique). */
  public async apisWithResource(resource: string): Promise<any[]> {
    return (await this.listAll('/api/apis', resource)).filter((api) => api.resource === resource);
  }

  /** Creates an API as someone in Pocket-ID's UI would; returns it. */
  public async createApi(name: string, resource: string, permissions: Array<{ key: string; name: string }> = []): Promise<any> {
    const made = await this.json(await this.call('POST', '/api/apis', { name, resource }));
    return permissions.length === 0 ? made : this.setApiPermissions(made.id, permissions);
  }

  public async setApiPermissions(apiId: string, permissions: Array<{ key: string; name: string; description?: string }>): Promise<any> {
    return this.json(await this.call('PUT', `/api/apis/${encodeURIComponent(apiId)}/permissions`, { permissions }));
  }

  /** One client's grant on one API, with permission keys instead of ids; undefined when the client cannot reach the API. */
  public async grantOf(apiId: string, clientId: string): Promise<ApiGrantState | undefined> {
    const entries: any[] = await this.json(await this.call('GET', `/api/api-access/${encodeURIComponent(clientId)}/apis`));
    const entry = entries.find((candidate) => candidate.api.id === apiId);
    if (!entry) return undefined;
    const keyOf = (id: string) => entry.api.permissions.find((p: { id: string }) => p.id === id)?.key ?? `unknown:${id}`;
    return {
      userDelegatedAccess: entry.userDelegatedAccess,
      clientAccess: entry.clientAccess,
      userDelegatedPermissions: entry.userDelegatedPermissionIds.map(keyOf).sort(),
      clientPermissions: entry.clientPermissionIds.map(keyOf).sort(),
    };
  }

  /** Sets a grant as someone in Pocket-ID's UI would, by permission keys. */
  public async setGrant(apiId: string, clientId: string, grant: ApiGrantState): Promise<void> {
    const api = await this.api(apiId);
    const idOf = (key: string) => api.permissions.find((p: { key: string }) => p.key === key).id;
    await this.json(await this.call('PUT', `/api/apis/${encodeURIComponent(apiId)}/clients/${encodeURIComponent(clientId)}`, {
      userDelegatedAccess: grant.userDelegatedAccess,
      clientAccess: grant.clientAccess,
      userDelegatedPermissionIds: grant.userDelegatedPermissions.map(idOf),
      clientPermissionIds: grant.clientPermissions.map(idOf),
    }));
  }

  /** Creates a confidential client; returns its id. */
  public async createConfidentialClient(name: string, id?: string): Promise<string> {
    const client = await this.json(await this.call('POST', '/api/oidc/clients', { name, isPublic: false, ...(id ? { id } : {}) }));
    return client.id;
  }

  /** Deletes an API without judging the answer (it may be gone already). */
  public async deleteApi(apiId: string): Promise<void> {
    await this.discard('DELETE', `/api/apis/${encodeURIComponent(apiId)}`);
  }

  public async deleteApis(apiIds: readonly string[]): Promise<void> {
    await inBatches(apiIds, (apiId) => this.deleteApi(apiId));
  }

  // Lists

  /** One page (100 items) of a list searched for `search`, in Pocket-ID's default order. */
  public async page(path: string, search: string, page: number): Promise<ListPage> {
    const body = await this.listPage(path, search, page);
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
      const body = await this.listPage(path, search, page);
      items.push(...(body.data ?? []));
      if (page >= (body.pagination?.totalPages ?? 1)) return items;
    }
  }

  private async listPage(path: string, search: string, page: number): Promise<any> {
    const query = new URLSearchParams({ 'search': search, 'pagination[page]': String(page), 'pagination[limit]': '100' });
    return this.json(await this.call('GET', `${path}?${query}`));
  }

  /** GET of one entity, or undefined when Pocket-ID says it does not exist. */
  private async read(path: string): Promise<any | undefined> {
    const response = await this.call('GET', path);
    if (response.status === 404) return undefined;
    return this.json(response);
  }

  /** The entity may be gone already, so the answer is read and not judged. */
  private async discard(method: string, path: string): Promise<void> {
    await (await this.call(method, path)).text();
  }

  // Signup tokens (the list shows each token in clear: callers treat them as secrets)

  /** Every live signup token, as GET /api/signup-tokens lists it. */
  public signupTokens(): Promise<any[]> {
    return this.listAll('/api/signup-tokens', '');
  }

  public async createSignupToken(body: Record<string, unknown>): Promise<any> {
    return this.json(await this.call('POST', '/api/signup-tokens', body));
  }

  public async deleteSignupToken(signupTokenId: string): Promise<void> {
    await this.json(await this.call('DELETE', `/api/signup-tokens/${encodeURIComponent(signupTokenId)}`));
  }

  /** Signs a person up with a token, as the signup page does (POST /api/signup, no API key): the status and the answer. */
  public async signUp(token: string, person: Record<string, unknown>): Promise<{ status: number; body: any }> {
    const response = await fetch(`${this.target.baseUrl}/api/signup`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ ...person, token }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
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

/** A grant as the tests compare it: permission keys, sorted. */
export interface ApiGrantState {
  readonly userDelegatedAccess: boolean;
  readonly clientAccess: boolean;
  readonly userDelegatedPermissions: string[];
  readonly clientPermissions: string[];
}

async function inBatches<T, R>(items: readonly T[], run: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += PARALLEL_REQUESTS) {
    results.push(...await Promise.all(items.slice(start, start + PARALLEL_REQUESTS).map(run)));
  }
  return results;
}
