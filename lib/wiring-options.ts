import { Duration } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';

/** Options of `OidcClient.authenticateOidcAction()`, as the load balancer's `authenticate-oidc` action takes them. */
export interface AuthenticateOidcActionOptions {
  /**
   * The scopes the load balancer asks for, space-separated.
   *
   * @default 'openid'
   */
  readonly scope?: string;
  /**
   * How long the load balancer's session lasts.
   *
   * @default Duration.days(7)
   */
  readonly sessionTimeout?: Duration;
  /**
   * The name of the load balancer's session cookie.
   *
   * @default 'AWSELBAuthSessionCookie'
   */
  readonly sessionCookieName?: string;
  /**
   * What the load balancer does with a request that is not signed in.
   *
   * @default UnauthenticatedAction.AUTHENTICATE
   */
  readonly onUnauthenticatedRequest?: elbv2.UnauthenticatedAction;
  /**
   * Query parameters added to the redirect to Pocket-ID's authorization endpoint.
   *
   * @default - none
   */
  readonly authenticationRequestExtraParams?: Record<string, string>;
}

/** Options of the API Gateway HTTP API JWT authorizers made from a client or an API. */
export interface JwtAuthorizerOptions {
  /**
   * The authorizer's name.
   *
   * @default - the id given
   */
  readonly authorizerName?: string;
  /**
   * Where the token is in the request.
   *
   * @default ['$request.header.Authorization']
   */
  readonly identitySource?: string[];
}

/** Options of `OidcClient.addUserPoolIdentityProvider()`. */
export interface UserPoolIdentityProviderOptions {
  /**
   * The provider's name in the user pool (3 to 32 characters).
   *
   * @default - derived from the construct's path
   */
  readonly name?: string;
  /**
   * The scopes Cognito asks Pocket-ID for.
   *
   * @default ['openid', 'email', 'profile']
   */
  readonly scopes?: string[];
  /**
   * How Pocket-ID's claims map to the user pool's attributes.
   *
   * @default - email, given_name, family_name and preferred_username to the attributes of those names
   */
  readonly attributeMapping?: cognito.AttributeMapping;
}
