/**
 * An in-process stand-in for Pocket-ID's admin REST API, for tests, as releases 2.14.0 to 2.18.0 answer
 * it: the `version` option chooses the release (releases.ts lists what each one changed, with sources).
 * 2.14 follows Pocket-ID's own source (v2.14.0: controllers, DTO validation tags, services, error
 * middleware) and was compared request by request with a real 2.14.0 build; 2.15's public keys were
 * compared with a build of PR #1702. The rest of 2.15-2.18 follows PR descriptions and the tested code of
 * peers that run against each release, so it may differ from those releases in detail.
 *
 * Not like the real server: only the static API key authenticates (no sessions or API keys); logo URLs
 * are never downloaded (a public URL counts as a PNG/typed-by-extension logo, private ones are refused
 * as Pocket-ID refuses them); emails and back-channel logout tokens are recorded, not sent; the logo
 * presets come from a small built-in library; of the OAuth endpoints only the token endpoint, for client
 * authentication and client_credentials (oauth-token.ts; no authorize, userinfo, …); no
 * application-configuration test-email or sync-ldap, or LDAP endpoints.
 */
import { createHash } from 'crypto';
import { apiStates } from './apis';
import { clientDto, groupMinimalDto, isSecretActive, userDto } from './dto';
import { FaultSpec } from './faults';
import { randomString, timestamp } from './ids';
import { IconLibrary } from './logo-presets';
import { IMAGE_MIME_TYPES } from './logos';
import { PocketIdServer, ServedRequest } from './server';
import { liveSignupTokens } from './signup-tokens';
import { AppConfig, BackchannelLogout, GroupRecord, logoKey, ScimProviderRecord, SentEmail, UserRecord } from './store';

export type { FaultSpec } from './faults';
export { NEWEST_RELEASE, RELEASES } from './releases';
export type { IconLibrary } from './logo-presets';
export type { AppConfig, BackchannelLogout, SentEmail } from './store';

export interface PocketIdTestServerOptions {
  /** Default 0: an ephemeral port. The server binds 127.0.0.1 only. */
  port?: number;
  /** The static API key (X-API-Key). Default: 32 random alphanumerics. */
  apiToken?: string;
  /**
   * Answer of GET /api/version/current, and the release whose behaviour is played: the highest of
   * 2.14.0 … 2.18.0 not above it ('2.16.3' plays 2.16). Older versions play 2.14, newer ones (a '3.0.0'
   * too) and non-semver ones ('unknown') play 2.18: those are only announced, for tests of the handler's
   * version checks. See releases.ts. Default '2.14.0'.
   */
  version?: string;
  /** Token bucket per client IP on /api/* and /.well-known/*; /healthz is never limited. Default {perSecond: 100, burst: 300}. */
  rateLimit?: { perSecond: number; burst: number } | false;
  /** APP_URL: the issuer. Default: the server's own base URL. */
  appUrl?: string;
  /** false (default): unknown /api routes get Gin's plain-text 404; true: the frontend's JSON {"error":"API endpoint not found"}. */
  frontend?: boolean;
  /**
   * The icon library behind the logo presets (2.18+): 'available' (default); 'disabled', as
   * ICON_LIBRARY_URL=disabled (403 logo_presets_disabled); 'unavailable', its index cannot be loaded (502
   * logo_presets_unavailable).
   */
  iconLibrary?: IconLibrary;
  /**
   * UI_CONFIG_DISABLED: the application configuration comes from the environment (seed it with
   * setAppSettings): its PUT is refused with 403 ui_config_disabled, /all masks the passwords. Default false.
   */
  uiConfigDisabled?: boolean;
  /** Where the icon library's images are (ICON_LIBRARY_URL); default the selfh.st icons on jsDelivr. */
  iconLibraryUrl?: string;
}

export interface PocketIdTestServer {
  readonly baseUrl: string;
  readonly apiToken: string;
  /** Every request served, in the order answered (path without query; status 0 for a reset connection; when it arrived). */
  readonly requests: ReadonlyArray<{ method: string; path: string; status: number; receivedAt: number }>;
  close(): Promise<void>;
  clearRequests(): void;
  injectFault(f: FaultSpec): void;
  clearFaults(): void;
  /** Resolves once no request is in flight: one a fault delays is processed after its caller gave up. */
  whenIdle(): Promise<void>;

  // Direct state access for assertions (deep copies, shaped like the API's answers)
  /** Client DTOs (as GET /api/oidc/clients/:id, without allowedUserGroups) plus `allowedUserGroupIds`. */
  clients(): any[];
  client(id: string): any | undefined;
  /** The SHA-256 (hex) of each logo a client has: `light`, `dark`; absent when it has none. */
  clientLogoDigests(clientId: string): { light?: string; dark?: string };
  clientSecrets(clientId: string): Array<{ id: string; secret: string; isActive: boolean; createdAt: string; expiresAt: string | null }>;
  /** User DTOs as GET /api/users/:id answers them (the static API user included once the key was used). */
  users(): any[];
  /** Group list items (customClaims, userCount) plus `userIds` and `allowedOidcClientIds`. */
  groups(): any[];
  // APIs
  /** API DTOs as GET /api/apis/:id answers them, plus `grants`: every client's access rows and permission keys on it, sorted. */
  apis(): any[];
  /** Unexpired, unused one-time access tokens of a user. */
  oneTimeTokens(userId: string): string[];
  /** One-time access emails Pocket-ID would have sent. */
  sentEmails(): SentEmail[];
  /** Every signup token the server ever made, expired and deleted ones excepted: as the list shows them, `userGroupIds` for the groups. */
  signupTokens(): SignupTokenView[];
  /** Every signup token value the server ever issued, deleted and expired ones included (each stays a secret). */
  issuedSignupTokens(): string[];
  /** Back-channel logout tokens 2.17+ would have sent, oldest first: a user lost access to a client with a backchannelLogoutURL. */
  backchannelLogouts(): BackchannelLogout[];
  clearBackchannelLogouts(): void;
  // SCIM service providers
  /** SCIM service providers as stored: with the client's id and the token in clear. */
  scimProviders(): ScimProviderRecord[];
  /** The application images Pocket-ID holds, by its name (logoLight, logoDark, background, favicon, logoEmail, default-profile-picture): the type it serves and the SHA-256 (hex) of the bytes. */
  appImages(): Record<string, { type: string; digest: string }>;

  /** Creates users directly (username `<prefix>-<n>-<random>`, email `<username>@example.com`); returns their ids. */
  seedUsers(count: number, prefix?: string): string[];
  /** Creates groups directly (friendlyName `<prefix> <n>`, name `<prefix>-<n>-<random>`); returns their ids. */
  seedGroups(count: number, prefix?: string): string[];
  /** Changes app settings that alter API behaviour (requireUserEmail, one-time access emails, …). */
  setAppConfig(config: Partial<AppConfig>): void;
  /** Every application configuration setting as Pocket-ID keeps it (strings, passwords in clear). */
  appSettings(): Record<string, string>;
  /** Sets application configuration settings by Pocket-ID's key, as its environment would. */
  setAppSettings(values: Record<string, string>): void;
  /** Forgets all rate-limit buckets. */
  /** Upgrades Pocket-ID in place: the same data, the release `version` names from the next request on. */
  setVersion(version: string): void;
  resetRateLimits(): void;
  /** Wipes all entities (and app settings); requests, faults and rate limits are kept. */
  reset(): void;
}

/** A live signup token, for assertions. */
export interface SignupTokenView {
  readonly id: string;
  readonly token: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly usageLimit: number;
  readonly usageCount: number;
  readonly userGroupIds: string[];
}

function deepCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

class TestServerHandle implements PocketIdTestServer {
  readonly requests: ReadonlyArray<ServedRequest>;

  constructor(
    private readonly server: PocketIdServer,
    readonly baseUrl: string,
    readonly apiToken: string,
  ) {
    this.requests = server.requests;
  }

  close(): Promise<void> {
    return this.server.close();
  }

  clearRequests(): void {
    this.server.requests.length = 0;
  }

  injectFault(f: FaultSpec): void {
    this.server.faults.add(f);
  }

  clearFaults(): void {
    this.server.faults.clear();
  }

  whenIdle(): Promise<void> {
    return this.server.whenIdle();
  }

  clients(): any[] {
    const { store } = this.server;
    return [...store.clients.values()].map((c) => deepCopy({ ...clientDto(c), allowedUserGroupIds: store.allowedGroupIdsOfClient(c.id) }));
  }

  clientLogoDigests(clientId: string): { light?: string; dark?: string } {
    const digest = (light: boolean) => {
      const logo = this.server.store.logos.get(logoKey(clientId, light));
      return logo ? createHash('sha256').update(logo.data).digest('hex') : undefined;
    };
    return JSON.parse(JSON.stringify({ light: digest(true), dark: digest(false) }));
  }

  client(id: string): any | undefined {
    return this.clients().find((c) => c.id === id);
  }

  clientSecrets(clientId: string): Array<{ id: string; secret: string; isActive: boolean; createdAt: string; expiresAt: string | null }> {
    const client = this.server.store.clients.get(clientId);
    return (client?.secrets ?? []).map((s) => ({
      id: s.id,
      secret: s.secret,
      isActive: isSecretActive(s),
      createdAt: s.createdAt,
      expiresAt: s.expiresAt,
    }));
  }

  users(): any[] {
    const { store } = this.server;
    return [...store.users.values()].map((u) => deepCopy(userDto(store, u, { preloaded: true })));
  }

  // APIs
  apis(): any[] {
    return apiStates(this.server.store);
  }

  groups(): any[] {
    const { store } = this.server;
    return [...store.groups.values()].map((g) =>
      deepCopy({
        ...groupMinimalDto(store, g, { preloaded: true }),
        userIds: store.userIdsOfGroup(g.id),
        allowedOidcClientIds: store.allowedClientIdsOfGroup(g.id),
      }),
    );
  }

  oneTimeTokens(userId: string): string[] {
    const now = Date.now();
    return [...this.server.store.oneTimeTokens.values()].filter((t) => t.userId === userId && t.expiresAt > now).map((t) => t.token);
  }

  sentEmails(): SentEmail[] {
    return deepCopy(this.server.store.sentEmails);
  }

  // SCIM service providers
  scimProviders(): ScimProviderRecord[] {
    return deepCopy([...this.server.store.scimProviders.values()]);
  }

  appImages(): Record<string, { type: string; digest: string }> {
    const images = [...this.server.store.appImages].sort(([a], [b]) => a.localeCompare(b));
    return Object.fromEntries(images.map(([name, image]) => [name, { type: IMAGE_MIME_TYPES[image.extension], digest: createHash('sha256').update(image.data).digest('hex') }]));
  }
  signupTokens(): SignupTokenView[] {
    return liveSignupTokens(this.server.store).map((t) => ({
      id: t.id,
      token: t.token,
      createdAt: timestamp(new Date(t.createdAt)),
      expiresAt: timestamp(new Date(t.expiresAt)),
      usageLimit: t.usageLimit,
      usageCount: t.usageCount,
      userGroupIds: [...t.userGroupIds],
    }));
  }

  issuedSignupTokens(): string[] {
    return [...this.server.store.issuedSignupTokens];
  }

  backchannelLogouts(): BackchannelLogout[] {
    return deepCopy(this.server.store.backchannelLogouts);
  }

  clearBackchannelLogouts(): void {
    this.server.store.backchannelLogouts.length = 0;
  }

  seedUsers(count: number, prefix = 'user'): string[] {
    const { store } = this.server;
    const start = store.users.size;
    return Array.from({ length: count }, (_, i) => {
      const n = start + i + 1;
      const username = `${prefix}-${n}-${randomString(4).toLowerCase()}`;
      const user: UserRecord = {
        id: store.newId(),
        createdAt: timestamp(),
        username,
        email: `${username}@example.com`,
        emailVerified: false,
        firstName: `First${n}`,
        lastName: `Last${n}`,
        displayName: `First${n} Last${n}`,
        isAdmin: false,
        locale: null,
        ldapId: null,
        disabled: false,
      };
      store.users.set(user.id, user);
      return user.id;
    });
  }

  seedGroups(count: number, prefix = 'group'): string[] {
    const { store } = this.server;
    const start = store.groups.size;
    return Array.from({ length: count }, (_, i) => {
      const n = start + i + 1;
      const group: GroupRecord = {
        id: store.newId(),
        createdAt: timestamp(),
        friendlyName: `${prefix} ${n}`,
        name: `${prefix}-${n}-${randomString(4).toLowerCase()}`,
        ldapId: null,
      };
      store.groups.set(group.id, group);
      return group.id;
    });
  }

  setAppConfig(config: Partial<AppConfig>): void {
    Object.assign(this.server.store.appConfig, config);
  }

  appSettings(): Record<string, string> {
    return Object.fromEntries(this.server.store.appConfig.values);
  }

  setAppSettings(values: Record<string, string>): void {
    for (const [key, value] of Object.entries(values)) this.server.store.appConfig.values.set(key, value);
  }

  setVersion(version: string): void {
    this.server.setVersion(version);
  }

  resetRateLimits(): void {
    this.server.resetRateLimits();
  }

  reset(): void {
    this.server.store.reset();
  }
}

export async function startPocketIdTestServer(opts: PocketIdTestServerOptions = {}): Promise<PocketIdTestServer> {
  const apiToken = opts.apiToken ?? randomString(32);
  const server = new PocketIdServer({
    port: opts.port ?? 0,
    apiToken,
    version: opts.version ?? '2.14.0',
    rateLimit: opts.rateLimit ?? { perSecond: 100, burst: 300 },
    appUrl: opts.appUrl,
    frontend: opts.frontend ?? false,
    iconLibrary: opts.iconLibrary ?? 'available',
    uiConfigDisabled: opts.uiConfigDisabled ?? false,
    iconLibraryUrl: opts.iconLibraryUrl,
  });
  const baseUrl = await server.listen();
  return new TestServerHandle(server, baseUrl, apiToken);
}
