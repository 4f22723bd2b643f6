import { Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { IApi } from './api';
import { ApiGrantProperties, CONTRACT_VERSION, ResourceType } from './contract';
import { IOidcClient, OidcClient } from './oidc-client';
import { PocketId } from './pocket-id';
import { PocketIdCustomResource, withoutCreationStacks } from './private/custom-resource';
import { assertSameInstance } from './private/lookup';
import { assertValidProps, checkBoolean, checkObject, checkStringList, isEntityConstruct } from './private/prop-types';
import { booleanProperty, known, requireValue } from './private/properties';
import { UniqueName, UniqueNames } from './private/unique-names';
import { ApiPermissionInput, validateApiGrant } from './private/validation';

/**
 * What one client may do with one API. A permission implies access of its kind, as in Pocket-ID; at
 * least one kind of access must be given.
 */
export interface ApiGrantOptions {
  /**
   * Whether the client may get tokens for the API on behalf of a signed-in user (authorization code,
   * device code, refresh).
   *
   * @default - true when userDelegatedPermissions names a permission, else false
   */
  readonly userDelegatedAccess?: boolean;

  /**
   * Keys of the API's permissions the client may ask for on behalf of a user.
   *
   * @default - none
   */
  readonly userDelegatedPermissions?: string[];

  /**
   * Whether the client may get tokens for the API for itself (client credentials). Needs a
   * confidential client: Pocket-ID gives a public client none.
   *
   * @default - true when clientPermissions names a permission, else false
   */
  readonly clientAccess?: boolean;

  /**
   * Keys of the API's permissions the client may ask for with client credentials.
   *
   * @default - none
   */
  readonly clientPermissions?: string[];
}

/** Properties of a grant. */
export interface ApiGrantProps extends ApiGrantOptions {
  /** The API the client gets access to. */
  readonly api: IApi;
  /** The OIDC client that gets access. */
  readonly client: IOidcClient;
}

/**
 * One client's access to one API in Pocket-ID: the whole grant of the pair, written by this resource
 * alone (a second grant for the same pair fails synth). Removing it from the stack takes the access away.
 */
export class ApiGrant extends Construct {
  /**
   * The API's id.
   *
   * @attribute
   */
  public readonly apiId: string;
  /**
   * The client's id.
   *
   * @attribute
   */
  public readonly clientId: string;

  constructor(scope: Construct, id: string, props: ApiGrantProps) {
    super(scope, id);
    withoutCreationStacks(this);
    validateProps(this, props);
    UniqueNames.claim(this, props.api.pocketId, uniquePair(props));
    const binding = props.api.pocketId._bind(this);
    const properties: ApiGrantProperties = {
      ...binding.connection,
      ContractVersion: CONTRACT_VERSION,
      ApiId: props.api.apiId,
      ClientId: props.client.clientId,
      UserDelegatedAccess: booleanProperty(props.userDelegatedAccess),
      UserDelegatedPermissionKeys: props.userDelegatedPermissions,
      ClientAccess: booleanProperty(props.clientAccess),
      ClientPermissionKeys: props.clientPermissions,
    };
    const resource = new PocketIdCustomResource(this, 'Resource', {
      serviceToken: binding.serviceToken,
      resourceType: ResourceType.API_GRANT,
      properties,
    });
    this.apiId = resource.getAttString('ApiId');
    this.clientId = resource.getAttString('ClientId');
  }
}

function validateProps(scope: Construct, props: ApiGrantProps): void {
  assertValidProps(scope, 'ApiGrant', {
    types: () => [
      ...checkObject('api', props.api, (value) => isEntityConstruct(value, 'apiId') && (value as IApi).pocketId instanceof PocketId, 'an API (Api, or Api.fromApiId/fromResource)'),
      ...checkObject('client', props.client, isClient, 'an OIDC client (OidcClient, or OidcClient.fromClientId/fromClientName)'),
      ...checkBoolean('userDelegatedAccess', props.userDelegatedAccess),
      ...checkStringList('userDelegatedPermissions', props.userDelegatedPermissions),
      ...checkBoolean('clientAccess', props.clientAccess),
      ...checkStringList('clientPermissions', props.clientPermissions),
    ],
    rules: () => [
      ...requireValue('api', props.api),
      ...requireValue('client', props.client),
      ...sameInstance(scope, props),
      ...validateApiGrant({
        userDelegatedAccess: props.userDelegatedAccess,
        userDelegatedPermissions: props.userDelegatedPermissions?.map(known),
        clientAccess: props.clientAccess,
        clientPermissions: props.clientPermissions?.map(known),
        declared: declaredPermissions(props.api),
        clientIsPublic: props.client instanceof OidcClient && props.client.secret === undefined,
      }),
    ],
    conflicts: () => UniqueNames.conflicts(scope, props.api.pocketId, uniquePair(props)),
  });
}

function sameInstance(scope: Construct, props: ApiGrantProps): string[] {
  if (!props.api || !props.client) return [];
  assertSameInstance(props.api.pocketId, props.client.pocketId, `ApiGrant '${scope.node.path}': client`, `client '${props.client.node.path}'`);
  return [];
}

/** The API's declared permissions when it is an Api construct of this app; undefined when unknown. */
function declaredPermissions(api: IApi): readonly ApiPermissionInput[] | undefined {
  const declared = (api as { _permissions?: readonly ApiPermissionInput[] })._permissions;
  return Array.isArray(declared) ? declared : undefined;
}

function isClient(value: unknown): boolean {
  return isEntityConstruct(value, 'clientId') && (value as IOidcClient).pocketId instanceof PocketId;
}

/** The pair (API, client) has one writer: a second grant would race it in parallel CloudFormation operations. */
function uniquePair(props: ApiGrantProps): UniqueName[] {
  const api = Token.isUnresolved(props.api.apiId) ? `construct ${props.api.node.path}` : `id ${props.api.apiId}`;
  const client = Token.isUnresolved(props.client.clientId) ? `construct ${props.client.node.path}` : `id ${props.client.clientId}`;
  return [{ field: 'grant', value: `of API ${api} to client ${client}`, rule: 'one grant writes the whole access of one client to one API: put every permission into that one grant' }];
}
