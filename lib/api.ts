import { RemovalPolicy } from 'aws-cdk-lib';
import * as apigwAuthorizers from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { Construct, IConstruct } from 'constructs';
import { ApiGrant, ApiGrantOptions } from './api-grant';
import { ApiPermissionProperties, ApiProperties, CONTRACT_VERSION, LookupKind, ResourceType } from './contract';
import { IOidcClient } from './oidc-client';
import { PocketId } from './pocket-id';
import { adoptingRemovalPolicy, PocketIdCustomResource, withoutCreationStacks } from './private/custom-resource';
import { PocketIdLookup } from './private/lookup';
import { assertValidProps, checkBoolean, checkEnum, checkObject, checkString, checkStringList, describeValue } from './private/prop-types';
import { booleanProperty, known, requireValue } from './private/properties';
import { UniqueName, UniqueNames } from './private/unique-names';
import { ApiPermissionInput, checkResource, validateApi } from './private/validation';
import { JwtAuthorizerOptions } from './wiring-options';

/** An API (OAuth resource server) in Pocket-ID, managed here or referenced. */
export interface IApi extends IConstruct {
  /**
   * The API's id in Pocket-ID.
   *
   * @attribute
   */
  readonly apiId: string;
  /** The Pocket-ID instance that holds the API. */
  readonly pocketId: PocketId;

  /**
   * Gives a client access to the API: the whole grant of this client on this API. One grant per
   * client and API: a second one for the same pair fails synth.
   */
  grantAccess(client: IOidcClient, options: ApiGrantOptions): ApiGrant;
}

/** One permission of an API: a scope clients ask for, and a name shown on the consent screen. */
export interface ApiPermission {
  /**
   * The scope (1 to 128 printable ASCII characters without space, `"` or `\`), unique in the API.
   * Pocket-ID's own scopes (`openid`, `profile`, `email`, `email_verified`, `groups`,
   * `offline_access`, in any case) are refused.
   */
  readonly key: string;
  /** The name shown on the consent screen (1 to 50 characters). */
  readonly name: string;
  /**
   * What the permission allows (at most 200 characters).
   *
   * @default - none
   */
  readonly description?: string;
}

/** Access for clients registered from a Client ID Metadata Document (CIMD), which have no grant of their own. */
export interface ApiCimdAccess {
  /** Whether every CIMD client may get tokens for the API on behalf of a signed-in user. */
  readonly enabled: boolean;
  /**
   * Keys of the permissions CIMD clients may ask for; each must be one of the API's permissions.
   *
   * @default - none
   */
  readonly permissions?: string[];
}

/** Properties of a Pocket-ID API. */
export interface ApiProps {
  /** The Pocket-ID instance that holds the API. */
  readonly pocketId: PocketId;

  /** The API's name (1 to 50 characters). */
  readonly name: string;

  /**
   * The resource identifier (RFC 8707): the audience of the access tokens issued for the API, unique
   * in Pocket-ID. An absolute URI (`https://api.example.com`, `urn:example:orders`) of at most 350
   * characters, without whitespace, fragment or trailing slash, and not Pocket-ID's issuer URL.
   * Pocket-ID cannot change it: a change replaces the API (a new id; its grants follow).
   */
  readonly resource: string;

  /**
   * The API's permissions: the whole set. A permission keeps its Pocket-ID id while its key stays;
   * removing one removes it from every client's grant.
   *
   * @default - no permissions
   */
  readonly permissions?: ApiPermission[];

  /**
   * Whether clients registered from metadata documents (CIMD) may reach the API, and with which permissions.
   *
   * @default - not managed: whatever Pocket-ID holds stays
   */
  readonly cimdAccess?: ApiCimdAccess;

  /**
   * Adopt an API that already exists in Pocket-ID with this resource (made in its UI, or by
   * Terraform) instead of failing as taken: it keeps its id and its clients' access, and gets the
   * declared name, permissions and CIMD access. Its permissions become the declared set: declare every
   * one it has that its grants use, or they go with it. Acts at the first deploy.
   *
   * @default false
   */
  readonly adoptExisting?: boolean;

  /**
   * What happens to the API in Pocket-ID when it leaves the stack.
   *
   * @default - RemovalPolicy.RETAIN with `adoptExisting`, else RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** A Pocket-ID API (OAuth resource server) with its permissions. */
export class Api extends Construct implements IApi {
  /** References an API that already exists in Pocket-ID, by id. */
  public static fromApiId(scope: Construct, id: string, pocketId: PocketId, apiId: string): IApi {
    return new ImportedApi(scope, id, pocketId, { apiId });
  }

  /** References an API that already exists in Pocket-ID by its resource (audience, exactly), resolved at deploy time. */
  public static fromResource(scope: Construct, id: string, pocketId: PocketId, resource: string): IApi {
    const problems = [...checkString('resource', resource), ...requireValue('resource', resource), ...checkResource('resource', known(resource))];
    if (problems.length > 0) throw new Error(`Api.fromResource '${scope.node.path}/${id}': ${problems.join('; ')}`);
    return new ImportedApi(scope, id, pocketId, { resource });
  }

  /** @attribute */
  public readonly apiId: string;
  /**
   * The audience of the access tokens issued for the API: its resource.
   *
   * @attribute
   */
  public readonly audience: string;
  /** The Pocket-ID instance that holds the API. */
  public readonly pocketId: PocketId;
  /** The keys of the declared permissions. */
  public readonly permissionKeys: string[];

  /** @internal */
  public readonly _permissions: readonly ApiPermissionInput[];

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    withoutCreationStacks(this);
    validateProps(this, props);
    UniqueNames.claim(this, props.pocketId, uniqueNames(props));
    this.pocketId = props.pocketId;
    const permissions = props.permissions ?? [];
    this._permissions = permissions.map((p) => ({ key: known(p.key), name: known(p.name), description: known(p.description) }));
    this.permissionKeys = permissions.map((p) => p.key);
    const binding = props.pocketId._bind(this);
    const properties: ApiProperties = {
      ...binding.connection,
      ContractVersion: CONTRACT_VERSION,
      Name: props.name,
      Resource: props.resource,
      Permissions: permissions.map(permissionProperties),
      CimdAccess: booleanProperty(props.cimdAccess?.enabled),
      CimdPermissionKeys: props.cimdAccess ? props.cimdAccess.permissions ?? [] : undefined,
      AdoptExisting: booleanProperty(props.adoptExisting),
    };
    const resource = new PocketIdCustomResource(this, 'Resource', {
      serviceToken: binding.serviceToken,
      resourceType: ResourceType.API,
      properties,
      removalPolicy: adoptingRemovalPolicy(props, RemovalPolicy.DESTROY),
    });
    this.apiId = resource.getAttString('ApiId');
    this.audience = resource.getAttString('Audience');
  }

  /**
   * An API Gateway HTTP API authorizer that accepts Pocket-ID's access tokens for this API: issuer the
   * instance, audience the API's resource. Attach it to routes (`defaultAuthorizer`, `addRoutes`).
   */
  public jwtAuthorizer(id: string, options: JwtAuthorizerOptions = {}): apigwAuthorizers.HttpJwtAuthorizer {
    return new apigwAuthorizers.HttpJwtAuthorizer(id, this.pocketId.issuerUrl, { jwtAudience: [this.audience], ...options });
  }

  public grantAccess(client: IOidcClient, options: ApiGrantOptions): ApiGrant {
    return grantOn(this, client, options);
  }
}

/** An API referenced by id, or by resource through a deploy-time lookup. */
class ImportedApi extends Construct implements IApi {
  public readonly apiId: string;

  constructor(scope: Construct, id: string, public readonly pocketId: PocketId, by: { apiId?: string; resource?: string }) {
    super(scope, id);
    withoutCreationStacks(this);
    this.apiId = by.apiId ?? new PocketIdLookup(this, 'Lookup', pocketId, LookupKind.API, by.resource!).entityId;
  }

  public grantAccess(client: IOidcClient, options: ApiGrantOptions): ApiGrant {
    return grantOn(this, client, options);
  }
}

/** The grant's construct lives under the API, named after the client, so that one pair has one construct id. */
function grantOn(api: IApi, client: IOidcClient, options: ApiGrantOptions): ApiGrant {
  const checked = checkObject('client', client, (value) => Construct.isConstruct(value), 'an OIDC client (OidcClient, or OidcClient.fromClientId/fromClientName)');
  if (checked.length > 0) throw new Error(`Api '${api.node.path}': grantAccess(client): ${checked.join('; ')}`);
  const grantId = `Grant${client.node.addr}`;
  const earlier = api.node.tryFindChild(grantId);
  if (earlier) {
    throw new Error(`Api '${api.node.path}': grantAccess(client): client '${client.node.path}' already has a grant on this API ('${earlier.node.path}'). `
      + 'One grant writes the whole access of one client to one API: put every permission into that one grantAccess() call');
  }
  return new ApiGrant(api, grantId, { ...options, api, client });
}

function permissionProperties(permission: ApiPermission): ApiPermissionProperties {
  return { Key: permission.key, Name: permission.name, Description: permission.description };
}

function validateProps(scope: Construct, props: ApiProps): void {
  assertValidProps(scope, 'Api', {
    types: () => checkTypes(props),
    rules: () => [
      ...requireValue('pocketId', props.pocketId),
      ...requireValue('name', props.name),
      ...requireValue('resource', props.resource),
      ...(props.permissions ?? []).flatMap((p, i) => [...requireValue(`permissions[${i}].key`, p.key), ...requireValue(`permissions[${i}].name`, p.name)]),
      ...(props.cimdAccess ? requireValue('cimdAccess.enabled', props.cimdAccess.enabled) : []),
      ...validateApi({
        name: known(props.name),
        resource: known(props.resource),
        issuer: known(props.pocketId.issuerUrl),
        permissions: (props.permissions ?? []).map((p) => ({ key: known(p.key), name: known(p.name), description: known(p.description) })),
        cimdPermissionKeys: props.cimdAccess?.permissions?.map(known),
      }),
    ],
    conflicts: () => UniqueNames.conflicts(scope, props.pocketId, uniqueNames(props)),
  });
}

/** What jsii callers can pass that TypeScript would not compile. */
function checkTypes(props: ApiProps): string[] {
  const permissions = props.permissions as unknown;
  const listProblem = permissions !== undefined && permissions !== null && !Array.isArray(permissions)
    ? [`permissions must be a list of { key, name, description? } (got ${describeValue(permissions)})`] : [];
  const eachPermission = Array.isArray(permissions) ? permissions.flatMap((p: unknown, i: number) => checkPermissionType(`permissions[${i}]`, p)) : [];
  return [
    ...checkObject('pocketId', props.pocketId, (value) => value instanceof PocketId, 'a PocketId'),
    ...checkString('name', props.name),
    ...checkString('resource', props.resource),
    ...listProblem,
    ...eachPermission,
    ...checkObject('cimdAccess', props.cimdAccess, (value) => typeof value === 'object' && !Array.isArray(value), 'an ApiCimdAccess { enabled, permissions? }'),
    ...checkBoolean('cimdAccess.enabled', props.cimdAccess?.enabled),
    ...checkStringList('cimdAccess.permissions', props.cimdAccess?.permissions),
    ...checkBoolean('adoptExisting', props.adoptExisting),
    ...checkEnum('removalPolicy', props.removalPolicy, RemovalPolicy, 'RemovalPolicy'),
  ];
}

function checkPermissionType(field: string, permission: unknown): string[] {
  if (typeof permission !== 'object' || permission === null || Array.isArray(permission)) {
    return [`${field} must be an ApiPermission { key, name, description? } (got ${describeValue(permission)})`];
  }
  const p = permission as ApiPermission;
  return [...checkString(`${field}.key`, p.key), ...checkString(`${field}.name`, p.name), ...checkString(`${field}.description`, p.description)];
}

/** Pocket-ID keeps resources unique, exactly (case counts). */
function uniqueNames(props: ApiProps): UniqueName[] {
  return [{ field: 'resource', value: props.resource, rule: 'Pocket-ID keeps API resources unique' }];
}
