import { randomBytes } from 'crypto';
import { readFileSync } from 'fs';
import * as yaml from 'js-yaml';
import type { AcceptanceRun } from './acceptance';
import { failureReason, Step } from './cloudformation';

/**
 * Plays CloudFormation for a template written by hand (YAML with the short-form tags): Parameters,
 * Ref, Fn::GetAtt, Fn::Sub, Fn::ImportValue and Fn::Join; `AWS::SecretsManager::Secret` resources made
 * in moto; every `Custom::PocketId*` resource's events sent through aws-cdk-lib's Provider framework to
 * the bundled handler (AcceptanceRun.simulator), in dependency order, GetAtt reading the response Data.
 * Anything else in the template fails loudly: the sample must be what CloudFormation would take.
 */

type Template = {
  Parameters?: Record<string, { Default?: string }>;
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; DependsOn?: string | string[]; DeletionPolicy?: string }>;
  Outputs?: Record<string, { Value: unknown }>;
};

/** What CloudFormation knows of a created resource: its physical id (the value of Ref), its attributes, its properties. */
interface Created {
  readonly physicalId: string;
  readonly data: Record<string, string>;
  readonly properties: Record<string, unknown>;
}

const tag = (name: string, kind: 'scalar' | 'sequence' | 'mapping', key: string, shape?: (data: any) => unknown) =>
  new yaml.Type(name, { kind, construct: (data) => ({ [key]: shape ? shape(data) : data }) });

/** CloudFormation's short forms, as its YAML parser takes them. */
const CLOUDFORMATION_SCHEMA = yaml.DEFAULT_SCHEMA.extend([
  tag('!Ref', 'scalar', 'Ref'),
  tag('!GetAtt', 'scalar', 'Fn::GetAtt', (data: string) => data.split('.')),
  tag('!GetAtt', 'sequence', 'Fn::GetAtt'),
  tag('!Sub', 'scalar', 'Fn::Sub'),
  tag('!Sub', 'sequence', 'Fn::Sub'),
  tag('!ImportValue', 'scalar', 'Fn::ImportValue'),
  tag('!ImportValue', 'mapping', 'Fn::ImportValue'),
  tag('!Join', 'sequence', 'Fn::Join'),
]);

export function readTemplate(path: string): Template {
  return yaml.load(readFileSync(path, 'utf8'), { schema: CLOUDFORMATION_SCHEMA }) as Template;
}

export class TemplateDeployment {
  /** Every step sent, in order. */
  public readonly steps: Step[] = [];
  private readonly created = new Map<string, Created>();
  private readonly parameters: Record<string, string>;

  constructor(
    private readonly template: Template,
    private readonly acceptance: AcceptanceRun,
    parameters: Record<string, string>,
    /** What `Fn::ImportValue` names (the provider stack's exports). */
    private readonly exports: Record<string, string>,
  ) {
    this.parameters = Object.fromEntries(Object.entries(template.Parameters ?? {}).map(([name, declared]) => {
      const value = parameters[name] ?? declared.Default;
      if (value === undefined) throw new Error(`parameter ${name} has no value and no Default`);
      return [name, value];
    }));
  }

  /** Creates every resource, dependencies first; stops at the first failure, as CloudFormation would. */
  public async create(): Promise<void> {
    for (const logicalId of this.creationOrder()) {
      const resource = this.template.Resources[logicalId];
      const properties = this.resolve(resource.Properties ?? {}) as Record<string, unknown>;
      if (resource.Type === 'AWS::SecretsManager::Secret') {
        // Without SecretString or GenerateSecretString, CloudFormation generates a random password.
        const arn = await this.acceptance.secrets.create(String(properties.Name), randomBytes(16).toString('hex'));
        this.created.set(logicalId, { physicalId: arn, data: {}, properties });
        continue;
      }
      if (!resource.Type.startsWith('Custom::PocketId')) throw new Error(`${logicalId}: the deployment plays no ${resource.Type}`);
      const step = await this.acceptance.simulator(resource.Type).create(logicalId, properties);
      this.steps.push(step);
      if (step.response.Status !== 'SUCCESS') throw new Error(`${logicalId}: CREATE_FAILED: ${failureReason(step.response)}`);
      this.created.set(logicalId, { physicalId: step.response.PhysicalResourceId, data: step.response.Data ?? {}, properties });
    }
  }

  /** The Outputs, resolved. */
  public outputs(): Record<string, string> {
    return Object.fromEntries(Object.entries(this.template.Outputs ?? {}).map(([name, output]) => [name, String(this.resolve(output.Value))]));
  }

  public physicalId(logicalId: string): string {
    return this.createdResource(logicalId).physicalId;
  }

  /** Deletes the custom resources, dependents first, keeping those with DeletionPolicy Retain; answers the kept ones' physical ids. */
  public async delete(): Promise<string[]> {
    const retained: string[] = [];
    for (const logicalId of this.creationOrder().reverse()) {
      const resource = this.template.Resources[logicalId];
      const created = this.created.get(logicalId);
      if (!created || !resource.Type.startsWith('Custom::PocketId')) continue;
      if (resource.DeletionPolicy === 'Retain') {
        retained.push(created.physicalId);
        continue;
      }
      const step = await this.acceptance.simulator(resource.Type).delete(logicalId, created.physicalId, created.properties);
      this.steps.push(step);
      if (step.response.Status !== 'SUCCESS') throw new Error(`${logicalId}: DELETE_FAILED: ${failureReason(step.response)}`);
    }
    return retained;
  }

  /** Resources ordered so that each comes after what it refers to (Ref, GetAtt, Sub, DependsOn). */
  private creationOrder(): string[] {
    const order: string[] = [];
    const visit = (logicalId: string, path: string[]) => {
      if (order.includes(logicalId)) return;
      if (path.includes(logicalId)) throw new Error(`circular dependency: ${[...path, logicalId].join(' → ')}`);
      const resource = this.template.Resources[logicalId];
      const dependsOn = typeof resource.DependsOn === 'string' ? [resource.DependsOn] : resource.DependsOn ?? [];
      for (const dependency of [...dependsOn, ...this.referencesIn(resource.Properties)]) visit(dependency, [...path, logicalId]);
      order.push(logicalId);
    };
    Object.keys(this.template.Resources).forEach((logicalId) => visit(logicalId, []));
    return order;
  }

  private referencesIn(value: unknown): string[] {
    const isResource = (name: string) => name in this.template.Resources;
    if (Array.isArray(value)) return value.flatMap((item) => this.referencesIn(item));
    if (typeof value !== 'object' || value === null) return [];
    const record = value as Record<string, unknown>;
    if (typeof record.Ref === 'string') return isResource(record.Ref) ? [record.Ref] : [];
    if (Array.isArray(record['Fn::GetAtt'])) return [String(record['Fn::GetAtt'][0])];
    if (typeof record['Fn::Sub'] === 'string') {
      return [...record['Fn::Sub'].matchAll(/\$\{([\w]+)(?:\.\w+)?\}/g)].map((match) => match[1]).filter(isResource);
    }
    return Object.values(record).flatMap((item) => this.referencesIn(item));
  }

  private resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((item) => this.resolve(item));
    if (typeof value !== 'object' || value === null) return value;
    const record = value as Record<string, unknown>;
    const [key] = Object.keys(record);
    if (key === 'Ref') return this.ref(String(record.Ref));
    if (key === 'Fn::GetAtt') return this.getAtt(...(record[key] as [string, string]));
    if (key === 'Fn::Sub') return this.sub(record[key] as string);
    if (key === 'Fn::ImportValue') return this.importValue(String(this.resolve(record[key])));
    if (key === 'Fn::Join') {
      const [separator, items] = record[key] as [string, unknown[]];
      return (this.resolve(items) as unknown[]).join(separator);
    }
    if (key?.startsWith('Fn::')) throw new Error(`the deployment plays no ${key}`);
    return Object.fromEntries(Object.entries(record).map(([name, item]) => [name, this.resolve(item)]));
  }

  private ref(name: string): string {
    if (name in this.parameters) return this.parameters[name];
    return this.createdResource(name).physicalId;
  }

  private getAtt(logicalId: string, attribute: string): string {
    const value = this.createdResource(logicalId).data[attribute];
    if (value === undefined) throw new Error(`Fn::GetAtt ${logicalId}.${attribute}: the resource answered no such attribute`);
    return value;
  }

  private sub(text: string): string {
    return text.replace(/\$\{([\w]+)(?:\.(\w+))?\}/g, (_all, name: string, attribute?: string) => (attribute ? this.getAtt(name, attribute) : this.ref(name)));
  }

  private importValue(name: string): string {
    const value = this.exports[name];
    if (value === undefined) throw new Error(`Fn::ImportValue ${name}: no stack exports it`);
    return value;
  }

  private createdResource(logicalId: string): Created {
    const created = this.created.get(logicalId);
    if (!created) throw new Error(`${logicalId} is not created (yet)`);
    return created;
  }
}
