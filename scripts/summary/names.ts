import { entityName, ResourceType, Resources, Template } from './template';

/** Longer strings are cut, so that one property keeps to one line. */
const MAX_STRING_LENGTH = 60;
/** The handler's own roles: granted every owned secret, never worth naming as a reader. */
const HANDLER_ROLE_PREFIX = 'CdkPocketIdProvider';

/**
 * Names what template values point at, as a reader knows them: another resource by its Pocket-ID name
 * and logical id (looked up in this stack's resources now, then in the previous synth's, for one being
 * removed), and a literal user id by the user that has it as its fixed id, in any stack.
 */
export class ReferenceNames {
  private readonly usersByFixedId: ReadonlyMap<string, string>;

  /**
   * @param resources this stack's resources: the current ones first, then the previous synth's
   * @param templates every template, current and previous, of every stack
   */
  constructor(private readonly resources: readonly Resources[], templates: readonly Template[]) {
    this.usersByFixedId = usersByFixedId(templates);
  }

  /** `alice [AliceD4D33764]` for a reference; a literal id as itself, with the user that has it if known. */
  public of(value: unknown): string {
    const logicalId = referencedLogicalId(value);
    if (logicalId !== undefined) return this.ofResource(logicalId);
    if (typeof value !== 'string') return shorten(JSON.stringify(value));
    const username = this.usersByFixedId.get(value);
    return username ? `${username} (${value})` : value;
  }

  public list(values: readonly unknown[]): string {
    return values.map((value) => this.of(value)).join(', ');
  }

  /** A secret by its logical id, and the application roles the stack lets read it. */
  public secret(secretArn: unknown): string {
    const ref = referencedLogicalId(secretArn);
    if (ref === undefined) return String(secretArn);
    const readers = Object.values(this.resources[0] ?? {})
      .filter((resource) => resource.Type === 'AWS::IAM::Policy' && JSON.stringify(resource.Properties?.PolicyDocument).includes(`"Ref":"${ref}"`))
      .flatMap((policy) => (policy.Properties?.Roles ?? []).map((role: unknown) => referencedLogicalId(role)))
      .filter((role): role is string => role !== undefined && !role.startsWith(HANDLER_ROLE_PREFIX));
    return `Secrets Manager secret ${ref}${readers.length > 0 ? ` (readable by ${readers.join(', ')})` : ''}`;
  }

  /** A property value, short: strings quoted and cut, booleans bare, references named, claims as key=value. */
  public value(value: unknown): string {
    if (value === undefined || value === null) return 'not set';
    if (value === 'true' || value === 'false') return value;
    if (typeof value === 'string') return `"${shorten(value)}"`;
    if (Array.isArray(value)) return `[${value.map((item) => this.value(item)).join(', ')}]`;
    if (isClaim(value)) return `${value.Key}=${value.Value}`;
    if (referencedLogicalId(value) !== undefined) return this.of(value);
    const joined = joinedText(value);
    if (joined !== undefined) return `"${shorten(joined)}"`;
    return shorten(JSON.stringify(value));
  }

  private ofResource(logicalId: string): string {
    const resource = this.resources.map((resources) => resources[logicalId]).find((found) => found !== undefined);
    if (resource === undefined) return logicalId;
    if (resource.Type === 'AWS::SecretsManager::Secret') return `Secrets Manager secret ${logicalId}`;
    const name = entityName(resource.Properties ?? {});
    return name === undefined ? `[${logicalId}]` : `${name} [${logicalId}]`;
  }
}

/** The logical id a `Ref` or `Fn::GetAtt` points at. */
export function referencedLogicalId(value: unknown): string | undefined {
  const target = (value as any)?.['Fn::GetAtt']?.[0] ?? (value as any)?.Ref;
  return typeof target === 'string' ? target : undefined;
}

/** An `Fn::Join`'s text, with `*` for each part only known at deploy time (a partition, a region). */
export function joinedText(value: unknown): string | undefined {
  const parts = (value as any)?.['Fn::Join']?.[1];
  return Array.isArray(parts) ? parts.map((part) => (typeof part === 'string' ? part : '*')).join('') : undefined;
}

function shorten(text: string): string {
  return text.length <= MAX_STRING_LENGTH ? text : `${text.slice(0, MAX_STRING_LENGTH - 1)}…`;
}

function isClaim(value: unknown): value is { Key: string; Value: string } {
  return typeof (value as any)?.Key === 'string' && typeof (value as any)?.Value === 'string' && Object.keys(value as object).length === 2;
}

function usersByFixedId(templates: readonly Template[]): Map<string, string> {
  return new Map(templates
    .flatMap((template) => Object.values(template.Resources ?? {}))
    .filter((resource) => resource.Type === ResourceType.USER && typeof resource.Properties?.UserId === 'string')
    .map((resource) => [resource.Properties!.UserId as string, resource.Properties!.Username as string]));
}
