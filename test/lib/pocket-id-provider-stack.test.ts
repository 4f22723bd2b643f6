import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { PocketIdProviderStack } from '../../lib';
import { handlerStatements } from './support/fixture';
import { scanSynthesizedTemplates } from '../support/template-exposure';

// Every template this file synthesizes is scanned for sentinel secrets (test-reports/reliability/exposure/).
scanSynthesizedTemplates();

describe('PocketIdProviderStack', () => {
  test('the handler behind the Provider, its ServiceToken exported, the secrets granted by name prefix', () => {
    const template = Template.fromStack(new PocketIdProviderStack(new App(), 'PocketIdProvider'));
    template.hasOutput('ServiceToken', {
      Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CdkPocketIdProviderframeworkonEvent'), 'Arn'] },
      Export: { Name: 'PocketIdServiceToken' },
    });
    template.resourceCountIs('AWS::Lambda::Function', 2);
    const prefixed = handlerStatements(template).filter((statement) => JSON.stringify(statement.Resource).includes(':secret:pocket-id/*'));
    expect(prefixed).toEqual([{
      Effect: 'Allow',
      Action: ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:ListSecretVersionIds', 'secretsmanager:UpdateSecretVersionStage'],
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':secretsmanager:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':secret:pocket-id/*']] },
    }]);
  });

  test('cdk-nag AwsSolutions finds nothing that is not acknowledged with a reason', () => {
    const app = new App();
    new PocketIdProviderStack(app, 'PocketIdProvider');
    app.synth();
    const report = new AwsSolutionsChecks(app).validateScope(app);
    expect(report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath ?? r.resourceLogicalId).join(', ')}`)).toEqual([]);
  });

  test('another prefix and export name', () => {
    const stack = new PocketIdProviderStack(new App(), 'Provider', { secretNamePrefix: 'idp/prod/', serviceTokenExportName: 'IdpToken' });
    const template = Template.fromStack(stack);
    template.hasOutput('ServiceToken', { Export: { Name: 'IdpToken' } });
    expect(JSON.stringify(handlerStatements(template))).toContain(':secret:idp/prod/*');
  });

  test.each([
    ['', /secretNamePrefix must be at least 3 characters/],
    ['p*', /secretNamePrefix must be at least 3 characters/],
    ['pocket-id/*', /secretNamePrefix 'pocket-id\/\*' may hold only the characters of a secret name/],
  ])('secretNamePrefix %j fails synth naming the field and the rule', (prefix, message) => {
    expect(() => new PocketIdProviderStack(new App(), 'Provider', { secretNamePrefix: prefix })).toThrow(message);
  });
});
