import { CfnOutput, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { PocketIdProvider } from './private/pocket-id-provider';
import { validateSecretNamePrefix } from './private/validation';

/** Properties of the provider stack that plain CloudFormation templates use. */
export interface PocketIdProviderStackProps extends StackProps {
  /**
   * The handler may read and write the secrets of this account and region whose names start with this:
   * the API key secrets of the templates' `ApiTokenSecret` and the secrets their resources write
   * (client credentials, login and signup links). Name every such secret with it.
   *
   * @default 'pocket-id/'
   */
  readonly secretNamePrefix?: string;

  /**
   * The export name of the ServiceToken, for `Fn::ImportValue` in the templates.
   *
   * @default 'PocketIdServiceToken'
   */
  readonly serviceTokenExportName?: string;
}

/**
 * The handler of every `Custom::PocketId*` resource, for CloudFormation templates written without CDK:
 * deployed once per account and region, it exports the ServiceToken those resources name. It is the
 * same handler and Provider a CDK stack of this library gets, but its role is granted secrets by name
 * prefix, since the templates it serves come after it.
 */
export class PocketIdProviderStack extends Stack {
  /**
   * The ServiceToken of the `Custom::PocketId*` resources.
   *
   * @attribute
   */
  public readonly serviceToken: string;

  constructor(scope: Construct, id: string, props: PocketIdProviderStackProps = {}) {
    super(scope, id, props);
    const prefix = props.secretNamePrefix ?? 'pocket-id/';
    const problems = validateSecretNamePrefix('secretNamePrefix', prefix);
    if (problems.length > 0) throw new Error(`PocketIdProviderStack '${this.node.path}': ${problems.join('; ')}`);
    const provider = PocketIdProvider.of(this, {});
    provider.grantSecretsNamed(prefix);
    this.serviceToken = provider.serviceToken;
    new CfnOutput(this, 'ServiceToken', {
      description: 'The ServiceToken of every Custom::PocketId* resource',
      value: provider.serviceToken,
      exportName: props.serviceTokenExportName ?? 'PocketIdServiceToken',
    });
  }
}
