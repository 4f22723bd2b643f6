import { OidcEndpoints } from '../oidc-endpoints';

/** The endpoints under an issuer URL without a trailing slash. */
export function endpointsUnder(issuer: string): OidcEndpoints {
  return {
    issuer,
    discovery: `${issuer}/.well-known/openid-configuration`,
    authorization: `${issuer}/authorize`,
    token: `${issuer}/api/oidc/token`,
    userInfo: `${issuer}/api/oidc/userinfo`,
    jwks: `${issuer}/.well-known/jwks.json`,
    endSession: `${issuer}/api/oidc/end-session`,
  };
}
