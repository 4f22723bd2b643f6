import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { ApplicationConfiguration, AuthenticatorAttachment, SignupMode, SmtpTls, UserGroup, WebAuthnUserVerification } from '../../lib';
import { stackWithPocketId } from './support/fixture';
import { scanSynthesizedTemplates } from '../support/template-exposure';

scanSynthesizedTemplates();

const TYPE = 'Custom::PocketIdApplicationConfiguration';

describe('ApplicationConfiguration', () => {
  test('typed props become Pocket-ID\'s settings; the default groups come from the groups\' resources', () => {
    const { stack, pocketId } = stackWithPocketId();
    const everyone = new UserGroup(stack, 'Everyone', { pocketId, name: 'everyone', friendlyName: 'Everyone' });
    const smtpSecret = secretsmanager.Secret.fromSecretNameV2(stack, 'Smtp', 'smtp-password');
    new ApplicationConfiguration(stack, 'Config', {
      pocketId,
      applicationName: 'Acme',
      sessionDuration: Duration.hours(2),
      requireUserEmail: false,
      signup: { mode: SignupMode.WITH_TOKEN, defaultGroups: [everyone], defaultCustomClaims: { tier: 'free' } },
      email: { oneTimeAccessAsAdmin: true },
      smtp: { host: 'smtp.example.com', port: 587, from: 'no-reply@example.com', password: smtpSecret, passwordField: 'password', tls: SmtpTls.STARTTLS },
      ldap: { enabled: false, attributes: { userUsername: 'uid' } },
      webauthn: { userVerification: WebAuthnUserVerification.PREFERRED, authenticatorAttachment: AuthenticatorAttachment.PLATFORM },
      additionalSettings: { cimdUrlAllowlist: '[]' },
    });
    const template = Template.fromStack(stack);
    const resources = template.findResources(TYPE);
    const [config] = Object.values(resources) as any[];
    const settings = config.Properties.Settings;
    expect(settings).toMatchObject({
      appName: 'Acme',
      sessionDuration: '120',
      requireUserEmail: 'false',
      allowUserSignups: 'withToken',
      emailOneTimeAccessAsAdminEnabled: 'true',
      smtpHost: 'smtp.example.com',
      smtpPort: '587',
      smtpFrom: 'no-reply@example.com',
      smtpTls: 'starttls',
      ldapEnabled: 'false',
      ldapAttributeUserUsername: 'uid',
      webauthnUserVerification: 'preferred',
      webauthnAuthenticatorAttachment: 'platform',
      cimdUrlAllowlist: '[]',
    });
    expect(Object.keys(settings)).not.toContain('smtpPassword');
    expect(config.Properties.SmtpPasswordField).toBe('password');
    expect(JSON.stringify(config.Properties.SmtpPasswordSource)).toContain('smtp-password');
    // The group's id reaches the settings through a reference: CloudFormation creates the group first.
    const groupId = Object.keys(template.findResources('Custom::PocketIdUserGroup'))[0];
    expect(JSON.stringify(settings.signupDefaultUserGroupIDs)).toContain(groupId);
    expect(JSON.stringify(settings.signupDefaultCustomClaims)).toContain('tier');
  });

  test('nothing declared: no setting is managed', () => {
    const { stack, pocketId } = stackWithPocketId();
    new ApplicationConfiguration(stack, 'Config', { pocketId });
    const [config] = Object.values(Template.fromStack(stack).findResources(TYPE)) as any[];
    expect(config.Properties.Settings ?? {}).toEqual({});
  });

  test('Pocket-ID\'s rules fail synth, naming the prop', () => {
    const { stack, pocketId } = stackWithPocketId();
    expect(() => new ApplicationConfiguration(stack, 'Config', {
      pocketId,
      applicationName: 'x'.repeat(31),
      sessionDuration: Duration.seconds(90),
      smtp: { from: 'not-an-email', port: 70000 },
      additionalSettings: { appName: 'Acme', smtpPassword: 'in-the-template', allowUserSignups: 'maybe' },
    })).toThrow(/sessionDuration must be whole minutes.*smtp\.port must be a port number.*additionalSettings\.appName is set by the prop applicationName.*additionalSettings\.allowUserSignups is set by the prop signup\.mode.*applicationName must be at most 30 characters.*additionalSettings\.smtpPassword: a password must not be in the template.*smtp\.from must be an email address/s);
  });

  test('a second configuration of the same Pocket-ID fails synth', () => {
    const { stack, pocketId } = stackWithPocketId();
    new ApplicationConfiguration(stack, 'Config', { pocketId, applicationName: 'Acme' });
    expect(() => new ApplicationConfiguration(stack, 'Again', { pocketId, accentColor: 'red' }))
      .toThrow(/already declared by '.*Config' for the same Pocket-ID.*one application configuration/);
  });

  test('the handler may read the password secrets', () => {
    const { stack, pocketId } = stackWithPocketId();
    const ldapSecret = new secretsmanager.Secret(stack, 'Ldap');
    new ApplicationConfiguration(stack, 'Config', { pocketId, ldap: { enabled: true, url: 'ldaps://ldap.example.com', bindPassword: ldapSecret } });
    const policies = JSON.stringify(Template.fromStack(stack).findResources('AWS::IAM::Policy'));
    expect(policies).toContain('secretsmanager:GetSecretValue');
    expect(policies).toContain(Object.keys(Template.fromStack(stack).findResources('AWS::SecretsManager::Secret'))[0]);
  });
});
