import * as apis from './apis';
import * as appConfig from './app-config';
import * as appImages from './app-images';
import { withLogoutNotices } from './backchannel-logout';
import { updateGroupClaims, updateUserClaims } from './claims';
import * as clients from './clients';
import * as groups from './groups';
import { ApiResponse, RequestContext } from './http';
import { searchLogoPresets } from './logo-presets';
import { token } from './oauth-token';
import * as oneTimeAccess from './one-time-access';
import { ONE_TIME_ACCESS_EMAIL_POLICY, ONE_TIME_ACCESS_TOKEN_POLICY, RatePolicy, SIGNUP_POLICY } from './rate-limit';
import type { Feature, Release } from './releases';
import * as scim from './scim';
import * as signupTokens from './signup-tokens';
import { ServerState } from './state';
import * as users from './users';
import { currentVersion, healthz, jwks, openIdConfiguration } from './well-known';

/** `admin`: an admin session or the API key; `user`: any signed-in user; `none`: public. */
export type AuthLevel = 'admin' | 'user' | 'none';

/** Pocket-ID rate-limits the /api and /.well-known route groups, never /healthz. */
export type RouteGroup = 'api' | 'wellKnown' | 'root';

/** A handler that calls out (the SCIM sync) answers a promise. */
export type Handler = (ctx: RequestContext, state: ServerState, userId: string) => ApiResponse | Promise<ApiResponse>;

export interface Route {
  readonly method: string;
  readonly pattern: string;
  readonly group: RouteGroup;
  readonly auth: AuthLevel;
  /** A stricter limiter applied after the general API one. */
  readonly limiter?: RatePolicy;
  /** Served only by releases with this feature; the others answer the path as an unknown route. */
  readonly feature?: Feature;
  readonly handle: Handler;
}

function api(method: string, pattern: string, auth: AuthLevel, handle: Handler, limiter?: RatePolicy): Route {
  return { method, pattern: `/api${pattern}`, group: 'api', auth, handle, limiter };
}

function since(feature: Feature, route: Route): Route {
  return { ...route, feature };
}

export const ROUTES: ReadonlyArray<Route> = [
  { method: 'GET', pattern: '/healthz', group: 'root', auth: 'none', handle: healthz },
  { method: 'GET', pattern: '/.well-known/openid-configuration', group: 'wellKnown', auth: 'none', handle: openIdConfiguration },
  { method: 'GET', pattern: '/.well-known/oauth-authorization-server', group: 'wellKnown', auth: 'none', handle: openIdConfiguration },
  { method: 'GET', pattern: '/.well-known/jwks.json', group: 'wellKnown', auth: 'none', handle: jwks },
  api('GET', '/version/current', 'user', currentVersion),

  api('GET', '/oidc/clients', 'admin', clients.listClients),
  api('POST', '/oidc/clients', 'admin', clients.createClient),
  api('GET', '/oidc/clients/:id', 'admin', clients.getClient),
  api('GET', '/oidc/clients/:id/meta', 'none', clients.getClientMeta),
  api('PUT', '/oidc/clients/:id', 'admin', withLogoutNotices(clients.updateClient)),
  api('DELETE', '/oidc/clients/:id', 'admin', withLogoutNotices(clients.deleteClient)),
  api('PUT', '/oidc/clients/:id/allowed-user-groups', 'admin', withLogoutNotices(clients.updateAllowedUserGroups)),
  api('GET', '/oidc/clients/:id/secrets', 'admin', clients.listClientSecrets),
  api('POST', '/oidc/clients/:id/secrets', 'admin', clients.createClientSecret),
  api('DELETE', '/oidc/clients/:id/secrets/:secretId', 'admin', clients.deleteClientSecret),
  api('GET', '/oidc/clients/:id/logo', 'none', clients.getClientLogo),
  api('POST', '/oidc/clients/:id/logo', 'admin', clients.uploadClientLogo),
  api('DELETE', '/oidc/clients/:id/logo', 'admin', clients.deleteClientLogo),
  since('logoPresets', api('GET', '/oidc/logo-presets', 'admin', searchLogoPresets)),
  // Application images (app-images.ts)
  ...['logo', 'email', 'background', 'favicon'].map((image) => api('GET', `/application-images/${image}`, 'none', withImage(image, appImages.getAppImage))),
  api('GET', '/application-images/default-profile-picture', 'admin', withImage('default-profile-picture', appImages.getAppImage)),
  ...['logo', 'email', 'background', 'favicon', 'default-profile-picture'].map((image) => api('PUT', `/application-images/${image}`, 'admin', withImage(image, appImages.putAppImage))),
  ...['logo', 'background', 'default-profile-picture'].map((image) => api('DELETE', `/application-images/${image}`, 'admin', withImage(image, appImages.deleteAppImage))),
  api('POST', '/oidc/token', 'none', token),

  api('GET', '/users', 'admin', users.listUsers),
  api('GET', '/users/me', 'user', users.getCurrentUser),
  api('GET', '/users/:id', 'admin', users.getUser),
  api('POST', '/users', 'admin', users.createUser),
  api('PUT', '/users/:id', 'admin', withLogoutNotices(users.updateUser)),
  api('DELETE', '/users/:id', 'admin', withLogoutNotices(users.deleteUser)),
  api('GET', '/users/:id/groups', 'admin', users.getUserGroups),
  api('PUT', '/users/:id/user-groups', 'admin', withLogoutNotices(users.updateUserGroups)),
  api('POST', '/users/:id/one-time-access-token', 'admin', oneTimeAccess.createOneTimeAccessToken),
  api('POST', '/users/:id/one-time-access-email', 'admin', oneTimeAccess.sendOneTimeAccessEmailAsAdmin),
  api('POST', '/one-time-access-token/:token', 'none', oneTimeAccess.exchangeOneTimeAccessToken, ONE_TIME_ACCESS_TOKEN_POLICY),
  api('POST', '/one-time-access-email', 'none', oneTimeAccess.sendOneTimeAccessEmailAsUnauthenticated, ONE_TIME_ACCESS_EMAIL_POLICY),

  api('GET', '/user-groups', 'admin', groups.listGroups),
  api('GET', '/user-groups/:id', 'admin', groups.getGroup),
  api('POST', '/user-groups', 'admin', groups.createGroup),
  api('PUT', '/user-groups/:id', 'admin', groups.updateGroup),
  api('DELETE', '/user-groups/:id', 'admin', withLogoutNotices(groups.deleteGroup)),
  api('PUT', '/user-groups/:id/users', 'admin', withLogoutNotices(groups.updateGroupUsers)),
  api('PUT', '/user-groups/:id/allowed-oidc-clients', 'admin', withLogoutNotices(groups.updateGroupAllowedClients)),

  // SCIM service providers
  api('GET', '/oidc/clients/:id/scim-service-provider', 'admin', scim.getProviderOfClient),
  api('POST', '/scim/service-provider', 'admin', scim.createProvider),
  api('PUT', '/scim/service-provider/:id', 'admin', scim.updateProvider),
  api('DELETE', '/scim/service-provider/:id', 'admin', scim.deleteProvider),
  api('POST', '/scim/service-provider/:id/sync', 'admin', scim.syncProvider),

  api('PUT', '/custom-claims/user/:userId', 'admin', updateUserClaims),
  api('PUT', '/custom-claims/user-group/:userGroupId', 'admin', updateGroupClaims),

  // signup tokens (usersignup/module.go)
  api('GET', '/signup-tokens', 'admin', signupTokens.listSignupTokens),
  api('POST', '/signup-tokens', 'admin', signupTokens.createSignupToken),
  api('DELETE', '/signup-tokens/:id', 'admin', signupTokens.deleteSignupToken),
  api('POST', '/signup', 'none', signupTokens.signUp, SIGNUP_POLICY),
  // APIs (resource servers) and client grants (internal/api/module.go:64-85)
  api('GET', '/apis', 'admin', apis.listApis),
  api('POST', '/apis', 'admin', apis.createApi),
  api('GET', '/apis/:id', 'admin', apis.getApi),
  api('PUT', '/apis/:id', 'admin', apis.updateApi),
  api('DELETE', '/apis/:id', 'admin', apis.deleteApi),
  api('PUT', '/apis/:id/permissions', 'admin', apis.updatePermissions),
  api('PUT', '/apis/:id/cimd-access', 'admin', apis.updateCimdAccess),
  api('GET', '/apis/:id/clients', 'admin', apis.listApiClients),
  api('PUT', '/apis/:id/clients/:clientId', 'admin', apis.setClientAccess),
  api('DELETE', '/apis/:id/clients/:clientId', 'admin', apis.removeClientAccess),
  api('GET', '/api-access/:clientId/apis', 'admin', apis.listClientApis),
  // Application configuration (app-config.ts)
  api('GET', '/application-configuration', 'none', appConfig.getPublicConfig),
  api('GET', '/application-configuration/all', 'admin', appConfig.getAllConfig),
  api('PUT', '/application-configuration', 'admin', appConfig.updateConfig),
];

export interface RouteMatch {
  readonly route: Route;
  readonly params: Record<string, string>;
}

function matchPattern(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i].startsWith(':')) {
      if (got[i] === '') return undefined;
      params[want[i].slice(1)] = got[i];
    } else if (want[i] !== got[i]) {
      return undefined;
    }
  }
  return params;
}

/** Static segments win over parameters (/users/me before /users/:id), as in Gin's router. */
function specificity(pattern: string): string {
  return pattern.split('/').map((s) => (s.startsWith(':') ? '1' : '0')).join('');
}

/** Without a release, any release's routes match (to name a request, as the benchmarks do). */
export function findRoute(method: string, path: string, release?: Release): RouteMatch | undefined {
  const matches = ROUTES.filter((r) => r.method === method && (r.feature === undefined || release === undefined || release.has(r.feature)))
    .map((route) => ({ route, params: matchPattern(route.pattern, path) }))
    .filter((m): m is RouteMatch => m.params !== undefined);
  return matches.sort((a, b) => specificity(a.route.pattern).localeCompare(specificity(b.route.pattern)))[0];
}

/** The application image routes share their handlers: the image's route name goes in as a path parameter. */
function withImage(image: string, handle: Handler): Handler {
  return (ctx, state, userId) => handle({ ...ctx, params: { ...ctx.params, image } }, state, userId);
}
