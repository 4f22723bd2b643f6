import { generateKeyPairSync, JsonWebKey, KeyObject, sign } from 'crypto';
import { ApiResponse, emptyResponse, JSON_CONTENT_TYPE, goJsonStringify, jsonResponse, RequestContext } from './http';
import { randomString } from './ids';
import { ServerState } from './state';

/** Pocket-ID marshals a Go map, so the keys come out sorted. */
function sortedKeys(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.keys(value).sort().map((k) => [k, value[k]]));
}

export function serverMetadata(appUrl: string): Record<string, unknown> {
  return sortedKeys({
    issuer: appUrl,
    authorization_endpoint: `${appUrl}/authorize`,
    token_endpoint: `${appUrl}/api/oidc/token`,
    userinfo_endpoint: `${appUrl}/api/oidc/userinfo`,
    end_session_endpoint: `${appUrl}/api/oidc/end-session`,
    introspection_endpoint: `${appUrl}/api/oidc/introspect`,
    introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'Bearer'],
    device_authorization_endpoint: `${appUrl}/api/oidc/device/authorize`,
    jwks_uri: `${appUrl}/.well-known/jwks.json`,
    grant_types_supported: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code', 'client_credentials'],
    scopes_supported: ['openid', 'profile', 'email', 'groups', 'offline_access'],
    claims_supported: ['sub', 'given_name', 'family_name', 'name', 'display_name', 'email', 'email_verified', 'preferred_username', 'picture', 'groups', 'auth_time', 'amr'],
    response_types_supported: ['code'],
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    authorization_response_iss_parameter_supported: true,
    code_challenge_methods_supported: ['plain', 'S256'],
    request_parameter_supported: true,
    request_uri_parameter_supported: false,
    request_object_signing_alg_values_supported: ['none'],
    prompt_values_supported: ['none', 'login', 'consent', 'select_account'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    pushed_authorization_request_endpoint: `${appUrl}/api/oidc/par`,
    require_pushed_authorization_requests: false,
    client_id_metadata_document_supported: false,
    service_documentation: 'https://pocket-id.org/docs',
  });
}

export function openIdConfiguration(_ctx: RequestContext, state: ServerState): ApiResponse {
  return jsonResponse(200, serverMetadata(state.appUrl()));
}

/**
 * The instance's signing key, as Pocket-ID makes one when it first starts: each instance has its own,
 * so its JWKS tells it apart from any other. Made on first use (key generation is slow enough to
 * avoid at start-up).
 */
export class SigningKey {
  private pair?: { jwk: JsonWebKey; privateKey: KeyObject };

  public publicJwk(): JsonWebKey {
    return this.keyPair().jwk;
  }

  /** A compact RS256 JWS that the JWKS verifies; header and claims come out with sorted keys, as Go maps marshal. */
  public sign(typ: string, claims: Record<string, unknown>): string {
    const { jwk, privateKey } = this.keyPair();
    const encode = (value: Record<string, unknown>) => Buffer.from(goJsonStringify(sortedKeys(value))).toString('base64url');
    const signingInput = `${encode({ alg: 'RS256', kid: jwk.kid, typ })}.${encode(claims)}`;
    return `${signingInput}.${sign('sha256', Buffer.from(signingInput), privateKey).toString('base64url')}`;
  }

  private keyPair(): { jwk: JsonWebKey; privateKey: KeyObject } {
    if (!this.pair) {
      const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      this.pair = { jwk: { ...publicKey.export({ format: 'jwk' }), alg: 'RS256', kid: randomString(11), use: 'sig' }, privateKey };
    }
    return this.pair;
  }
}

export function jwks(_ctx: RequestContext, state: ServerState): ApiResponse {
  const response = emptyResponse(200);
  response.headers['Content-Type'] = JSON_CONTENT_TYPE;
  response.body = Buffer.from(goJsonStringify({ keys: [state.signingKey.publicJwk()] }));
  return response;
}

export function healthz(): ApiResponse {
  return emptyResponse(204);
}

export function currentVersion(_ctx: RequestContext, state: ServerState): ApiResponse {
  return jsonResponse(200, { currentVersion: state.release.announced });
}
