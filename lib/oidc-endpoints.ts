/**
 * The endpoints of a Pocket-ID instance, laid out as its discovery document lays them out (Pocket-ID
 * 2.14, controller/well_known_controller.go): everything under the issuer URL (`APP_URL`). When
 * Pocket-ID sets `INTERNAL_APP_URL`, its discovery document puts the token, userinfo and JWKS endpoints
 * under that URL instead; these do not know it.
 */
export interface OidcEndpoints {
  /** The issuer URL (`issuer`). */
  readonly issuer: string;
  /** `<issuer>/.well-known/openid-configuration`. */
  readonly discovery: string;
  /** `<issuer>/authorize` (`authorization_endpoint`). */
  readonly authorization: string;
  /** `<issuer>/api/oidc/token` (`token_endpoint`). */
  readonly token: string;
  /** `<issuer>/api/oidc/userinfo` (`userinfo_endpoint`). */
  readonly userInfo: string;
  /** `<issuer>/.well-known/jwks.json` (`jwks_uri`). */
  readonly jwks: string;
  /** `<issuer>/api/oidc/end-session` (`end_session_endpoint`). */
  readonly endSession: string;
}
