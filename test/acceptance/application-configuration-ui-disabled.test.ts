/**
 * The application configuration while Pocket-ID's UI_CONFIG_DISABLED is set (the test server only: a
 * real Pocket-ID would need restarting with it): the passwords /all masks are never written back, and
 * the error says what to do.
 */
import { ResourceType } from '../../lib/contract';
import { AcceptanceRun } from '../support/acceptance';
import { isRealPocketId } from '../support/pocket-id-target';

const acceptance = new AcceptanceRun(ResourceType.APPLICATION_CONFIGURATION, { testServer: { uiConfigDisabled: true } });
const { properties, expectFailed, secretValues } = acceptance;

(isRealPocketId() ? describe.skip : describe)('UI_CONFIG_DISABLED', () => {
  const suite = acceptance.inSuite();
  const UI_DISABLED = /UI_CONFIG_DISABLED is set: its configuration comes from its environment; remove this construct or unset it/;

  test('with a password set in the environment, the configuration is refused before any PUT', async () => {
    secretValues.add('environment-smtp-password');
    suite.target.testServer!.setAppSettings({ smtpPassword: 'environment-smtp-password' });
    const step = await suite.cfn.create('Config', properties({ Settings: { appName: 'Acme' } }));
    expectFailed(step, UI_DISABLED);
    expect(suite.target.testServer!.requests.filter((request) => request.method === 'PUT')).toEqual([]);
    expect(suite.target.testServer!.appSettings()).toMatchObject({ appName: 'Pocket ID', smtpPassword: 'environment-smtp-password' });
  });

  test('without passwords, Pocket-ID\'s 403 ui_config_disabled is said the same way', async () => {
    suite.target.testServer!.setAppSettings({ smtpPassword: '' });
    const step = await suite.cfn.create('Config', properties({ Settings: { appName: 'Acme' } }));
    expectFailed(step, UI_DISABLED);
    expect(suite.target.testServer!.appSettings().appName).toBe('Pocket ID');
  });
});
