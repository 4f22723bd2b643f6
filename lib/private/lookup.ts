import { Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { CONTRACT_VERSION, LookupProperties, ResourceType } from '../contract';
import { PocketId } from '../pocket-id';
import { PocketIdCustomResource } from './custom-resource';

/**
 * Finds an entity that already exists in Pocket-ID by its name, at deploy time. It creates, changes and
 * deletes nothing; its `Id` attribute is the entity's id.
 */
export class PocketIdLookup extends Construct {
  /** The id of the entity found. */
  public readonly entityId: string;

  constructor(scope: Construct, id: string, pocketId: PocketId, kind: string, name: string) {
    super(scope, id);
    if (typeof name !== 'string' || name === '') {
      throw new Error(`${scope.node.path}/${id}: the name to look up is required`);
    }
    const binding = pocketId._bind(this);
    const properties: LookupProperties = { ...binding.connection, ContractVersion: CONTRACT_VERSION, Kind: kind, Name: name };
    const resource = new PocketIdCustomResource(this, 'Resource', {
      serviceToken: binding.serviceToken,
      resourceType: ResourceType.LOOKUP,
      properties,
    });
    this.entityId = resource.getAttString('Id');
  }
}

/**
 * Fails when `referenced` belongs to another Pocket-ID instance than `owner`; `where` starts the message
 * (the construct and the field: "UserGroup 'Stack/Admins': members[0]"). One instance is one PocketId
 * construct, or several with the same base URL (one per stack, say).
 */
export function assertSameInstance(owner: PocketId, referenced: PocketId, where: string, what: string): void {
  if (!sameInstance(owner, referenced)) {
    throw new Error(`${where}: ${what} belongs to the Pocket-ID instance '${referenced.node.path}' (${referenced.baseUrl}), not to '${owner.node.path}' (${owner.baseUrl}): Pocket-ID entities can only refer to entities of the same instance.`);
  }
}

function sameInstance(a: PocketId, b: PocketId): boolean {
  if (a === b) return true;
  const known = (url: string) => !Token.isUnresolved(url);
  return known(a.baseUrl) && known(b.baseUrl) && a.baseUrl.toLowerCase() === b.baseUrl.toLowerCase();
}
