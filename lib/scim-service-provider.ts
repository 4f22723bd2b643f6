import { RemovalPolicy, Token } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { CONTRACT_VERSION, ResourceType, ScimServiceProviderProperties } from './contract';
import type { IOidcClient } from './oidc-client';
import { PocketId } from './pocket-id';
import { PocketIdCustomResource, withoutCreationStacks } from './private/custom-resource';
import { assertValidProps, checkBoolean, checkEnum, checkObject, checkString, isEntityConstruct, isSecret } from './private/prop-types';
import { booleanProperty, known, requireValue } from './private/properties';
import { UniqueName, UniqueNames } from './private/unique-names';
import { validateScimServiceProvider } from './private/validation';

/** Properties of a SCIM service provider. */
export interface ScimServiceProviderProps {
  /** The OIDC client whose users and groups Pocket-ID provisions. Changing it moves the provider to that client. */
  readonly client: IOidcClient;

  /**
   * The SCIM 2.0 base URL of the application, such as `https://app.example.com/scim/v2`: Pocket-ID calls
   * `<endpoint>/Users` and `<endpoint>/Groups` under it. It must use https://, because Pocket-ID sends the
   * bearer token and every provisioned user's name and email address with each request; http:// is
   * allowed only to a loopback host (localhost, 127.0.0.0/8, [::1]), whose traffic never leaves the machine.
   * No credentials in the URL, no fragment.
   */
  readonly endpoint: string;

  /**
   * A Secrets Manager secret you own whose value (or the `tokenField` of its JSON value) is the bearer
   * token the application's SCIM endpoint expects: at least 8 characters, without spaces or control
   * characters. Only the secret's ARN reaches the template: the handler reads the value at deploy time
   * (it gets `secretsmanager:GetSecretValue` on this secret, and decryption with its KMS key) and hands it
   * to Pocket-ID, which keeps it encrypted and sends it as `Authorization: Bearer <token>`.
   */
  readonly token: secretsmanager.ISecret;

  /**
   * The key of the field that holds the token, when `token`'s value is a JSON object.
   *
   * @default - the whole value
   */
  readonly tokenField?: string;

  /**
   * Changing it rolls out a new value of `token`: put the new value into the secret, change this string
   * (any text, such as "2") and deploy. The handler reads the secret at every deploy that creates or
   * changes the provider, but a new value alone changes no property, so CloudFormation would not call it.
   *
   * @default - the token is read when the provider is created or another of its props changes
   */
  readonly tokenVersion?: string;

  /**
   * Has Pocket-ID sync the provider (create, update and delete the client's users and groups at the
   * endpoint) at the end of a deploy that created or changed it, or turned this on. A failed sync fails
   * the deploy, and the provider change is undone; what the sync already wrote at the endpoint stays.
   * Without it, Pocket-ID syncs on its own: hourly, and a few minutes after users or groups change.
   *
   * @default false
   */
  readonly syncAfterDeploy?: boolean;

  /**
   * What happens to the provider in Pocket-ID when it leaves the stack. Deleting the client deletes its
   * provider too. Pocket-ID removes nothing at the endpoint either way.
   *
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A SCIM service provider in Pocket-ID: it provisions the users and groups allowed to use one OIDC
 * client to the application's SCIM endpoint. One per client: Pocket-ID shows only one per client, so a
 * second one for the same client fails synth, and a deploy refuses a client that already has one made
 * elsewhere (in Pocket-ID's UI).
 *
 * Pocket-ID answers every read of the provider with the bearer token in clear: the handler keeps it out
 * of its logs, errors and the resource's attributes.
 */
export class ScimServiceProvider extends Construct {
  /**
   * The provider's id in Pocket-ID.
   *
   * @attribute
   */
  public readonly providerId: string;
  /** The client whose users Pocket-ID provisions. */
  public readonly client: IOidcClient;

  constructor(scope: Construct, id: string, props: ScimServiceProviderProps) {
    super(scope, id);
    withoutCreationStacks(this);
    validateProps(this, props);
    UniqueNames.claim(this, props.client.pocketId, uniqueNames(props));
    this.client = props.client;
    const binding = props.client.pocketId._bind(this);
    binding.grantRead(props.token);

    const properties: ScimServiceProviderProperties = {
      ...binding.connection,
      ContractVersion: CONTRACT_VERSION,
      ClientId: props.client.clientId,
      Endpoint: props.endpoint,
      TokenSecret: props.token.secretFullArn ?? props.token.secretArn,
      TokenField: props.tokenField,
      TokenVersion: props.tokenVersion,
      SyncAfterDeploy: booleanProperty(props.syncAfterDeploy),
    };
    const resource = new PocketIdCustomResource(this, 'Resource', {
      serviceToken: binding.serviceToken,
      resourceType: ResourceType.SCIM_SERVICE_PROVIDER,
      properties,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });
    this.providerId = resource.getAttString('ProviderId');
  }
}

function validateProps(scope: Construct, props: ScimServiceProviderProps): void {
  assertValidProps(scope, 'ScimServiceProvider', {
    types: () => [
      ...checkObject('client', props.client, isClient, 'an OIDC client (OidcClient, or OidcClient.fromClientId/fromClientName)'),
      ...checkString('endpoint', props.endpoint),
      ...checkObject('token', props.token, isSecret, 'a Secrets Manager secret (ISecret), such as Secret.fromSecretNameV2(...)'),
      ...checkString('tokenField', props.tokenField),
      ...checkString('tokenVersion', props.tokenVersion),
      ...checkBoolean('syncAfterDeploy', props.syncAfterDeploy),
      ...checkEnum('removalPolicy', props.removalPolicy, RemovalPolicy, 'RemovalPolicy'),
    ],
    rules: () => [
      ...requireValue('client', props.client),
      ...requireValue('endpoint', props.endpoint),
      ...requireValue('token', props.token),
      ...validateScimServiceProvider({ endpoint: known(props.endpoint), tokenField: known(props.tokenField) }),
    ],
    conflicts: () => UniqueNames.conflicts(scope, props.client.pocketId, uniqueNames(props)),
  });
}

function isClient(value: unknown): boolean {
  return isEntityConstruct(value, 'clientId') && (value as IOidcClient).pocketId instanceof PocketId;
}

/** Pocket-ID shows one provider per client: the client's id, or its construct when the id is known only at deploy time. */
function uniqueNames(props: ScimServiceProviderProps): UniqueName[] {
  const clientId = props.client.clientId;
  const value = Token.isUnresolved(clientId) ? `the client ${props.client.node.path}` : clientId;
  return [{ field: 'client', value, rule: 'Pocket-ID shows only one SCIM service provider per client' }];
}
