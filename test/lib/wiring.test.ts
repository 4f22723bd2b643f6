/**
 * What CDK users do next with a client or an API: the endpoints, the load balancer's authenticate-oidc
 * action, API Gateway's JWT authorizer and Cognito's OIDC identity provider. Each synthesizes into the
 * resource it promises, and the client secret is in none of them but as a Secrets Manager dynamic
 * reference to the client's own secret.
 */
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUrlIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Api, OidcClient, PocketId } from '../../lib';
import { stackWithPocketId } from './support/fixture';
import { scanSynthesizedTemplates } from '../support/template-exposure';

// Every template this file synthesizes is scanned for sentinel secrets (test-reports/reliability/exposure/).
scanSynthesizedTemplates();

const ISSUER = 'https://auth.example.com';

function webApp(stack: Stack, pocketId: PocketId, isPublic = false): OidcClient {
  return new OidcClient(stack, 'WebApp', { pocketId, name: 'web', callbackUrls: ['https://app.example.com/oauth2/idpresponse'], isPublic });
}

/** `{{resolve:secretsmanager:<the client's secret>:SecretString:clientSecret::}}`, as CloudFormation receives it. */
function clientSecretReference(template: Template): unknown {
  const secretId = Object.keys(template.findResources('AWS::SecretsManager::Secret'))[0];
  return { 'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: secretId }, ':SecretString:clientSecret::}}']] };
}

const CLIENT_ID = { 'Fn::GetAtt': [Match.stringLikeRegexp('^WebApp'), 'ClientId'] };

describe('endpoints', () => {
  test('the instance and its clients have the discovery document\'s endpoints, under the issuer URL', () => {
    const { stack, pocketId } = stackWithPocketId();
    const expected = {
      issuer: ISSUER,
      discovery: `${ISSUER}/.well-known/openid-configuration`,
      authorization: `${ISSUER}/authorize`,
      token: `${ISSUER}/api/oidc/token`,
      userInfo: `${ISSUER}/api/oidc/userinfo`,
      jwks: `${ISSUER}/.well-known/jwks.json`,
      endSession: `${ISSUER}/api/oidc/end-session`,
    };
    expect(pocketId.endpoints).toEqual(expected);
    expect(webApp(stack, pocketId).endpoints).toEqual(expected);
    expect(OidcClient.fromClientId(stack, 'Other', pocketId, 'other').endpoints).toEqual(expected);
  });

  test('an issuer URL other than the base URL is the one they are under', () => {
    const stack = new Stack();
    const apiToken = secretsmanager.Secret.fromSecretNameV2(stack, 'Token', 'pocket-id/api-token');
    const pocketId = new PocketId(stack, 'PocketId', { baseUrl: 'https://pocket-id.internal:1411', issuerUrl: 'https://id.example.com/', apiToken });
    expect(pocketId.endpoints.token).toBe('https://id.example.com/api/oidc/token');
  });
});

describe('OidcClient.authenticateOidcAction', () => {
  function listenerWith(action: (client: OidcClient) => elbv2.ListenerAction, isPublic = false): Template {
    const { stack, pocketId } = stackWithPocketId();
    const client = webApp(stack, pocketId, isPublic);
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0 });
    const alb = new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc, internetFacing: true });
    alb.addListener('Https', {
      port: 443,
      certificates: [elbv2.ListenerCertificate.fromArn('arn:aws:acm:eu-west-1:123456789012:certificate/abc')],
      defaultAction: action(client),
    });
    return Template.fromStack(stack);
  }

  test('an authenticate-oidc action with the endpoints, the client id and the secret as a dynamic reference, then the next action', () => {
    const template = listenerWith((client) => client.authenticateOidcAction(elbv2.ListenerAction.fixedResponse(200), { scope: 'openid email' }));
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      DefaultActions: [
        {
          Type: 'authenticate-oidc',
          Order: 1,
          AuthenticateOidcConfig: {
            Issuer: ISSUER,
            AuthorizationEndpoint: `${ISSUER}/authorize`,
            TokenEndpoint: `${ISSUER}/api/oidc/token`,
            UserInfoEndpoint: `${ISSUER}/api/oidc/userinfo`,
            ClientId: CLIENT_ID,
            ClientSecret: clientSecretReference(template),
            Scope: 'openid email',
          },
        },
        { Type: 'fixed-response', Order: 2 },
      ],
    });
  });

  test('a public client has no secret to authenticate with: synth fails naming it', () => {
    expect(() => listenerWith((client) => client.authenticateOidcAction(elbv2.ListenerAction.fixedResponse(200)), true))
      .toThrow(/OidcClient 'Stack\/WebApp': authenticateOidcAction\(\) needs a confidential client/);
  });
});

describe('JWT authorizers', () => {
  function httpApiWith(authorizer: (parts: { client: OidcClient; api: Api }) => apigwv2.IHttpRouteAuthorizer): Template {
    const { stack, pocketId } = stackWithPocketId();
    const client = webApp(stack, pocketId);
    const api = new Api(stack, 'Orders', { pocketId, name: 'Orders', resource: 'https://orders.example.com' });
    const httpApi = new apigwv2.HttpApi(stack, 'HttpApi', { defaultAuthorizer: authorizer({ client, api }) });
    httpApi.addRoutes({ path: '/orders', integration: new HttpUrlIntegration('Backend', 'https://backend.example.com') });
    return Template.fromStack(stack);
  }

  test('from a client: issuer the instance, audience the client id', () => {
    httpApiWith(({ client }) => client.jwtAuthorizer('PocketIdJwt')).hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      Name: 'PocketIdJwt',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Issuer: ISSUER, Audience: [CLIENT_ID] },
    });
  });

  test('from an API: audience its resource', () => {
    httpApiWith(({ api }) => api.jwtAuthorizer('OrdersJwt', { authorizerName: 'orders' })).hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      Name: 'orders',
      JwtConfiguration: { Issuer: ISSUER, Audience: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^Orders'), 'Audience'] }] },
    });
  });
});

describe('OidcClient.addUserPoolIdentityProvider', () => {
  test('an OIDC identity provider with the endpoints, the client id and the secret as a dynamic reference', () => {
    const { stack, pocketId } = stackWithPocketId();
    const client = webApp(stack, pocketId);
    client.addUserPoolIdentityProvider('UserPoolProvider', new cognito.UserPool(stack, 'Pool'), { name: 'PocketId' });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Cognito::UserPoolIdentityProvider', {
      ProviderName: 'PocketId',
      ProviderType: 'OIDC',
      ProviderDetails: {
        client_id: CLIENT_ID,
        client_secret: clientSecretReference(template),
        oidc_issuer: ISSUER,
        authorize_scopes: 'openid email profile',
        attributes_request_method: 'GET',
        authorize_url: `${ISSUER}/authorize`,
        token_url: `${ISSUER}/api/oidc/token`,
        attributes_url: `${ISSUER}/api/oidc/userinfo`,
        jwks_uri: `${ISSUER}/.well-known/jwks.json`,
      },
      AttributeMapping: { email: 'email', given_name: 'given_name', family_name: 'family_name', preferred_username: 'preferred_username' },
    });
  });

  test('a public client fails synth naming it', () => {
    const { stack, pocketId } = stackWithPocketId();
    const pool = new cognito.UserPool(stack, 'Pool');
    expect(() => webApp(stack, pocketId, true).addUserPoolIdentityProvider('Provider', pool)).toThrow(/addUserPoolIdentityProvider\(\) needs a confidential client/);
  });
});
