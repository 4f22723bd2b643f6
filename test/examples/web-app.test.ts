import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { createExampleApp } from '../../examples/web-app/app';
import { scanSynthesizedTemplates } from '../support/template-exposure';

// Every template this file synthesizes is scanned for sentinel secrets (test-reports/reliability/exposure/).
scanSynthesizedTemplates();

describe('the example app', () => {
  test('synthesizes two clients, a group with two members, an API with two grants, the login link and client secrets, one handler', () => {
    const { stack } = createExampleApp();
    const template = Template.fromStack(stack);
    template.resourceCountIs('Custom::PocketIdOidcClient', 2);
    template.resourceCountIs('Custom::PocketIdUserGroup', 1);
    template.resourceCountIs('Custom::PocketIdUser', 1);
    template.resourceCountIs('Custom::PocketIdLookup', 1);
    // SCIM service providers: the web app's provider, and the token secret the example makes
    template.resourceCountIs('Custom::PocketIdScimServiceProvider', 1);
    template.resourceCountIs('AWS::SecretsManager::Secret', 3);
    template.resourceCountIs('Custom::PocketIdApi', 1);
    template.resourceCountIs('Custom::PocketIdApiGrant', 2);
    template.hasResourceProperties('Custom::PocketIdApiGrant', { ClientPermissionKeys: ['orders:read'], UserDelegatedPermissionKeys: ['orders:read', 'orders:write'] });
    template.resourceCountIs('Custom::PocketIdApplicationConfiguration', 1);
    template.hasResourceProperties('AWS::Lambda::Function', { Runtime: 'nodejs24.x', Architectures: ['arm64'] });
  });

  test('cdk-nag AwsSolutions finds nothing that is not acknowledged with a reason', () => {
    const { app } = createExampleApp();
    app.synth();
    const report = new AwsSolutionsChecks(app).validateScope(app);
    const findings = report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath ?? r.resourceLogicalId).join(', ')}`);
    expect(findings).toEqual([]);
  });
});
