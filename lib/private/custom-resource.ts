import { CfnResource, RemovalPolicy, Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';

/** aws-cdk-lib's context key (cx-api DISABLE_CREATION_STACK_TRACES). */
const DISABLE_CREATION_STACK_TRACES = 'aws:cdk:disable-creation-stack-traces';

/**
 * The CloudFormation elements under `scope` (a construct of this library, right after its super call)
 * record no creation stack trace: capturing one was a fifth of each entity's synth time, and it would
 * only point into this library. As for every element, `CDK_DEBUG=true` records them again, and so does
 * the context set to false by the app.
 */
export function withoutCreationStacks(scope: Construct): void {
  if (scope.node.tryGetContext(DISABLE_CREATION_STACK_TRACES) === undefined) scope.node.setContext(DISABLE_CREATION_STACK_TRACES, true);
}

/** The removal policy props of a construct that can adopt an entity made outside its stack. */
export interface AdoptingProps {
  readonly removalPolicy?: RemovalPolicy;
  readonly adoptExisting?: boolean;
}

/**
 * The removal policy asked for; else RETAIN when adopting: the entity was made outside the stack and
 * apps rely on its id, so neither the construct leaving the stack nor the rollback of a failed first
 * deploy removes it, unless the user says so; else the construct's own default.
 */
export function adoptingRemovalPolicy(props: AdoptingProps, otherwise: RemovalPolicy): RemovalPolicy {
  return props.removalPolicy ?? (props.adoptExisting === true ? RemovalPolicy.RETAIN : otherwise);
}

/** What every Pocket-ID resource declares. */
export interface PocketIdCustomResourceProps {
  /** The stack's handler (PocketIdBinding.serviceToken). */
  readonly serviceToken: unknown;
  /** `Custom::PocketId…`, from the contract. */
  readonly resourceType: string;
  /** The contract's properties, without ServiceToken. */
  readonly properties: object;
  /** @default RemovalPolicy.DESTROY */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The CloudFormation custom resource behind each construct, as aws-cdk-lib's `CustomResource` renders
 * it (the same type, properties, policies and logical id: its `Default` child is hidden from the id),
 * but one construct instead of an L2 wrapping an L1: a stack holds hundreds of them, and the wrapper's
 * property injection, construct metadata and Resource set-up were a fifth of each entity's synth time.
 */
export class PocketIdCustomResource extends CfnResource {
  constructor(scope: Construct, id: string, props: PocketIdCustomResourceProps) {
    super(scope, id, { type: props.resourceType, properties: { ServiceToken: props.serviceToken, ...props.properties } });
    this.applyRemovalPolicy(props.removalPolicy, { default: RemovalPolicy.DESTROY });
  }

  /** The attribute as a string token, for the construct's public attributes. */
  public getAttString(attributeName: string): string {
    return Token.asString(this.getAtt(attributeName));
  }
}
