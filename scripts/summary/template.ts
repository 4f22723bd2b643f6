export { ResourceType } from '../../lib/contract';

/** A resource of a synthesized CloudFormation template: the parts the summary reads. */
export interface Resource {
  readonly Type: string;
  readonly Properties?: Record<string, any>;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
}

export type Resources = Readonly<Record<string, Resource>>;

export interface Template {
  readonly Resources?: Resources;
}

/** Templates by stack name, as one synth writes them. */
export type Templates = ReadonlyMap<string, Template>;

export const POCKET_ID_TYPE_PREFIX = 'Custom::PocketId';

/** A Pocket-ID resource of a template. */
export interface Entity {
  readonly logicalId: string;
  readonly type: string;
  readonly properties: Record<string, any>;
  readonly deletionPolicy?: string;
  readonly updateReplacePolicy?: string;
}

export function pocketIdEntities(resources: Resources): Entity[] {
  return Object.entries(resources)
    .filter(([, resource]) => resource.Type.startsWith(POCKET_ID_TYPE_PREFIX))
    .map(([logicalId, resource]) => ({
      logicalId,
      type: resource.Type,
      properties: resource.Properties ?? {},
      deletionPolicy: resource.DeletionPolicy,
      updateReplacePolicy: resource.UpdateReplacePolicy,
    }));
}

/** The entity's name in Pocket-ID: a user's username, anything else's name. */
export function entityName(properties: Record<string, any>): string | undefined {
  return properties.Username ?? properties.Name;
}
