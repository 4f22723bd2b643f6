/**
 * POST /api/oidc/token, the OAuth token endpoint, as Pocket-ID 2.14 answers it: client authentication
 * over the client's live secrets, and the client_credentials grant. Pocket-ID hands the request to fosite
 * (pocket-id/fosite v1.2.0); the sources cited are v2.14.0's backend and that fosite. Compared request by
 * request with a real 2.14.0 build; later releases are assumed to answer alike (no change is known).
 *
 * Not modelled: client assertions (federated identities): every assertion is refused as one that does not
 * parse; API resources (RFC 8707): the test server has none, so naming one is refused as an unknown API;
 * authorization codes, refresh and device codes: the test server issues none, so each is refused as unknown.
 */
import { randomUUID } from 'crypto';
import { isSecretActive } from './dto';
import { parseGoQuery, parseGoUrl, queryUnescape } from './go-url';
import { ApiResponse, goJsonStringify, header, RequestContext } from './http';
import { multipartBoundary, parseParts } from './logos';
import { ServerState } from './state';
import { ClientRecord, Store } from './store';

/** fosite's RFC6749Error: the error code, its fixed description and status, and a hint appended to the description. */
class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
    readonly hint = '',
  ) {
    super(error);
  }
}

// fosite errors.go: ErrInvalidRequest, ErrInvalidClient, ErrInvalidGrant, ErrInvalidScope, ErrInvalidTarget
const INVALID_REQUEST =
  'The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed.';
const INVALID_REQUEST_HINT =
  'Make sure that the various parameters are correct, be aware of case sensitivity and trim your parameters. ' +
  'Make sure that the client you are using has exactly whitelisted the redirect_uri you specified.';
const INVALID_CLIENT = 'Client authentication failed (e.g., unknown client, no client authentication included, or unsupported authentication method).';
const INVALID_GRANT =
  'The provided authorization grant (e.g., authorization code, resource owner credentials) or refresh token is invalid, expired, revoked, ' +
  'does not match the redirection URI used in the authorization request, or was issued to another client.';
const INVALID_SCOPE = 'The requested scope is invalid, unknown, or malformed.';
const INVALID_TARGET = 'The requested resource is invalid, missing, unknown, or malformed.';

const invalidRequest = (hint: string) => new OAuthError(400, 'invalid_request', INVALID_REQUEST, hint);
const invalidClient = (hint = '') => new OAuthError(401, 'invalid_client', INVALID_CLIENT, hint);
const invalidGrant = (hint = '') => new OAuthError(400, 'invalid_grant', INVALID_GRANT, hint);
const invalidTarget = (resource: string) =>
  new OAuthError(400, 'invalid_target', INVALID_TARGET, `The requested resource '${resource}' is invalid, missing, unknown, or malformed.`);

const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const CLIENT_CREDENTIALS = 'client_credentials';
/** The other grants Pocket-ID composes (provider.go:93-99), with what fosite answers for a code or token it does not know. */
const UNKNOWN_GRANT_ANSWERS: Readonly<Record<string, string>> = {
  'authorization_code': '', // flow_authorize_code_token.go:53-54
  'refresh_token': 'The refresh token is malformed or not valid.', // flow_refresh.go:59
  'urn:ietf:params:oauth:grant-type:device_code': '',
};
/** api_resource.go:23 standardScopes: every client may request them (client.go:81-90); client_credentials then drops them (token_handler.go:79). */
const STANDARD_SCOPES = ['openid', 'profile', 'email', 'groups', 'offline_access'];

type Form = Map<string, string[]>;

const first = (form: Form, key: string): string => form.get(key)?.[0] ?? '';

/** fosite RemoveEmpty(strings.Split(value, " ")) (helper.go:21). */
const spaceSeparated = (value: string): string[] => value.split(' ').map((s) => s.trim()).filter((s) => s !== '');

/**
 * Go's Request.ParseMultipartForm, as fosite calls it (access_request_handler.go:56): a form-encoded or
 * multipart/form-data body; any other body (JSON included) gives no form at all.
 */
function readForm(ctx: RequestContext): Form {
  const contentType = header(ctx, 'content-type');
  const mediaType = contentType.split(';')[0].trim().toLowerCase();
  if (mediaType === 'application/x-www-form-urlencoded') return parseGoQuery(ctx.body.toString('utf8'));
  if (mediaType !== 'multipart/form-data') return new Map();
  const unparsable = invalidRequest('Unable to parse HTTP body, make sure to send a properly formatted form request body.');
  const boundary = multipartBoundary(contentType);
  if (boundary === undefined || !ctx.body.includes(`--${boundary}`)) throw unparsable;
  const form: Form = new Map();
  for (const part of parseParts(ctx.body, boundary)) {
    const disposition = /content-disposition:[^\r\n]*/i.exec(part.headers)?.[0] ?? '';
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
    // Parts with a filename are files, not form values
    if (name === undefined || /\bfilename=/i.test(disposition)) continue;
    form.set(name, [...(form.get(name) ?? []), part.data.toString('utf8')]);
  }
  return form;
}

/** Go's Request.BasicAuth: "Basic " in any case, then strict padded base64 of `id:secret`. */
function basicCredentials(ctx: RequestContext): { id: string; secret: string } | undefined {
  const authorization = header(ctx, 'authorization');
  if (authorization.slice(0, 6).toLowerCase() !== 'basic ') return undefined;
  const encoded = authorization.slice(6).replace(/[\r\n]/g, '');
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(encoded)) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

/**
 * fosite clientCredentialsFromRequest (client_authentication.go:318-341): the Authorization header wins
 * over the body; its id and secret are form-encoded, as RFC 6749 §2.3.1 asks.
 */
function presentedCredentials(ctx: RequestContext, form: Form): { id: string; secret: string } {
  const basic = basicCredentials(ctx);
  if (basic === undefined) {
    const id = first(form, 'client_id');
    if (id === '') throw invalidRequest('Client credentials missing or malformed in both HTTP Authorization header and HTTP POST body.');
    return { id, secret: first(form, 'client_secret') };
  }
  const id = queryUnescape(basic.id);
  if (id === undefined) throw invalidRequest("The client id in the HTTP authorization header could not be decoded from 'application/x-www-form-urlencoded'.");
  const secret = queryUnescape(basic.secret);
  if (secret === undefined) throw invalidRequest("The client secret in the HTTP authorization header could not be decoded from 'application/x-www-form-urlencoded'.");
  return { id, secret };
}

/**
 * Pocket-ID's client authentication (federated_client_auth.go:86-98, then fosite's default strategy,
 * client_authentication.go:81-238). A public client is not checked at all. A confidential one passes with
 * any of its secrets that has not expired (client.go:22-44 over model/oidc.go:131-157 ActiveSecrets, checked by
 * client_secret_hasher.go:166-185); a wrong, revoked or expired secret and an unknown client look alike.
 */
function authenticateClient(ctx: RequestContext, form: Form, store: Store): ClientRecord {
  const assertionType = first(form, 'client_assertion_type');
  if (assertionType === JWT_BEARER_ASSERTION && first(form, 'client_assertion') !== '') throw invalidClient('Invalid client assertion.');
  if (assertionType === JWT_BEARER_ASSERTION) {
    throw invalidRequest(`The client_assertion request parameter must be set when using client_assertion_type of '${JWT_BEARER_ASSERTION}'.`);
  }
  if (assertionType !== '') throw invalidRequest(`Unknown client_assertion_type '${assertionType}'.`);

  const { id, secret } = presentedCredentials(ctx, form);
  const client = store.clients.get(id);
  if (!client) throw invalidClient();
  if (client.isPublic) return client;
  const now = Date.now();
  if (!client.secrets.some((s) => isSecretActive(s, now) && s.secret === secret)) throw invalidClient();
  return client;
}

/** fosite IsValidResourceIndicatorURI (resource_indicator.go:43-54): absolute, no fragment, no white space. */
function isValidResourceUri(resource: string): boolean {
  if (resource === '' || resource.includes('#') || /\s/u.test(resource)) return false;
  const parsed = parseGoUrl(resource);
  return parsed !== undefined && parsed.scheme !== '';
}

/** An access token as Pocket-ID issues for client_credentials: an RFC 9068 JWT audienced to the client, without scopes. */
function clientCredentialsToken(client: ClientRecord, state: ServerState): ApiResponse {
  const lifetimeSeconds = client.accessTokenDurationMinutes * 60;
  const issuedAt = Math.floor(Date.now() / 1000);
  const accessToken = state.signingKey.sign('at+jwt', {
    aud: [client.id],
    client_id: client.id,
    exp: issuedAt + lifetimeSeconds,
    iat: issuedAt,
    iss: state.appUrl(),
    jti: randomUUID(),
    scope: '',
    scp: [],
    // token_handler.go:96-103: the synthetic subject of a token without a resource owner
    sub: `client-${client.id}`,
  });
  // expires_in is the time left when fosite writes the answer, truncated to seconds (access_response.go:28): one less than the lifetime
  return tokenResponse(200, { access_token: accessToken, expires_in: lifetimeSeconds - 1, scope: '', token_type: 'bearer' });
}

/**
 * fosite's client_credentials handler (flow_client_credentials.go:27-54), then Pocket-ID's own steps for it
 * (token_handler.go:63-86): the scopes must be the client's, the client must be confidential, and a named
 * resource must be an API the client may reach.
 */
function clientCredentials(form: Form, client: ClientRecord, state: ServerState): ApiResponse {
  const unknownScope = spaceSeparated(first(form, 'scope')).find((scope) => !STANDARD_SCOPES.includes(scope));
  if (unknownScope !== undefined) {
    throw new OAuthError(400, 'invalid_scope', INVALID_SCOPE, `The OAuth 2.0 Client is not allowed to request scope '${unknownScope}'.`);
  }
  if (client.isPublic) throw invalidGrant("The OAuth 2.0 Client is marked as public and is thus not allowed to use authorization grant 'client_credentials'.");
  const resource = first(form, 'resource');
  // api_resource.go:59-67: no API is known, whatever the resource
  if (resource !== '') throw invalidTarget(resource.replace(/\/+$/, ''));
  return clientCredentialsToken(client, state);
}

/** fosite NewAccessRequest (access_request_handler.go:54-112): the checks in its order, then the grant's own. */
function accessResponse(ctx: RequestContext, state: ServerState): ApiResponse {
  const form = readForm(ctx);
  if (form.size === 0) throw invalidRequest('The POST body can not be empty.');
  const grantTypes = spaceSeparated(first(form, 'grant_type'));
  if (grantTypes.length === 0) throw invalidRequest("Request parameter 'grant_type' is missing");
  const resources = form.get('resource') ?? [];
  if (resources.length > 1) throw new OAuthError(400, 'invalid_target', INVALID_TARGET, "Only a single 'resource' parameter is supported.");
  if (resources.length === 1 && resources[0] !== '' && !isValidResourceUri(resources[0])) throw invalidTarget(resources[0]);

  // Every grant handler needs exactly one grant type it knows; none of them skips client authentication
  const grantType = grantTypes.length === 1 ? grantTypes[0] : '';
  if (grantType !== CLIENT_CREDENTIALS && !(grantType in UNKNOWN_GRANT_ANSWERS)) throw invalidRequest(INVALID_REQUEST_HINT);
  const client = authenticateClient(ctx, form, state.store);
  if (grantType !== CLIENT_CREDENTIALS) throw invalidGrant(UNKNOWN_GRANT_ANSWERS[grantType]);
  return clientCredentials(form, client, state);
}

/** fosite WriteAccessResponse and writeJsonError (access_write.go:12-26, access_error.go:18-43): its own JSON headers. */
function tokenResponse(status: number, body: Record<string, unknown>): ApiResponse {
  const headers = { 'Content-Type': 'application/json;charset=UTF-8', 'Cache-Control': 'no-store', 'Pragma': 'no-cache' };
  return { status, headers, body: Buffer.from(goJsonStringify(body)) };
}

/**
 * POST /api/oidc/token (module.go:153), under the general API rate limit only (router_bootstrap.go:147-149).
 * Errors are fosite's `{"error", "error_description"}` (errors.go:481-491: the hint follows the description,
 * double quotes become single ones), without WWW-Authenticate.
 */
export function token(ctx: RequestContext, state: ServerState): ApiResponse {
  try {
    return accessResponse(ctx, state);
  } catch (error) {
    if (!(error instanceof OAuthError)) throw error;
    const description = (error.hint === '' ? error.description : `${error.description} ${error.hint}`).replace(/"/g, "'");
    return tokenResponse(error.status, { error: error.error, error_description: description });
  }
}
