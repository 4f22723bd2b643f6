/**
 * What every resource carries besides its own fields: the API key's secret, whose value is the key or
 * a JSON object with the key in one field, and the contract version of the library that wrote it.
 */
import { ResourceType } from '../../lib/contract';
import { AcceptanceRun } from '../support/acceptance';

const acceptance = new AcceptanceRun(ResourceType.OIDC_CLIENT);
const { run, secrets, secretValues, properties, expectSucceeded, expectFailed } = acceptance;
const suite = acceptance.inSuite();

describe('an API key secret whose value is JSON', () => {
  let jsonTokenArn: string;

  beforeAll(async () => {
    const value = JSON.stringify({ apiKey: suite.target.apiToken, owner: 'platform-team' });
    secretValues.add(value);
    jsonTokenArn = await secrets.create('json-token', value);
  });

  test('apiTokenField names the field that holds the key', async () => {
    const props = properties({ Name: `json-key-${run}`, IsPublic: 'true', ApiTokenSecret: jsonTokenArn, ApiTokenField: 'apiKey' });
    const created = await suite.cfn.create('JsonKey', props);
    await expectSucceeded(created);
    expect(await suite.directory.client(created.response.PhysicalResourceId)).toMatchObject({ name: `json-key-${run}` });
    await expectSucceeded(await suite.cfn.delete('JsonKey', created.response.PhysicalResourceId, props));
  });

  test('without apiTokenField, the deploy fails saying so, before anything is sent to Pocket-ID', async () => {
    const step = await suite.cfn.create('JsonNoField', properties({ Name: `json-no-field-${run}`, IsPublic: 'true', ApiTokenSecret: jsonTokenArn }));
    expectFailed(step, /apiToken: the secret .* holds a JSON object, not the API key itself: set apiTokenField to the key of the field that holds the API key/);
    expect(step.logs.some((line) => JSON.parse(line).message === 'Pocket-ID request')).toBe(false);
    expect(await suite.directory.clientsNamed(`json-no-field-${run}`)).toEqual([]);
  });

  test('a field the object lacks fails naming it; a field asked of a plain key fails saying it is not JSON', async () => {
    expectFailed(await suite.cfn.create('JsonWrongField', properties({ Name: `json-wrong-${run}`, IsPublic: 'true', ApiTokenSecret: jsonTokenArn, ApiTokenField: 'token' })),
      /has no field 'token' holding a string: check apiTokenField/);
    const plainArn = await secrets.create('plain-token', suite.target.apiToken);
    expectFailed(await suite.cfn.create('PlainWithField', properties({ Name: `plain-field-${run}`, IsPublic: 'true', ApiTokenSecret: plainArn, ApiTokenField: 'apiKey' })),
      /is not a JSON object, so it has no field 'apiKey'/);
  });
});

describe('the contract version', () => {
  test('a Delete goes by the physical id whatever version wrote the properties: a library downgrade never blocks deleting a stack', async () => {
    const props = properties({ Name: `newer-${run}`, IsPublic: 'true' });
    const created = await suite.cfn.create('Newer', props);
    await expectSucceeded(created);
    const clientId = created.response.PhysicalResourceId;
    const writtenByANewerLibrary = { ...props, ContractVersion: '99', SomePropertyOfLater: 'x' };

    expectFailed(await suite.cfn.update('Newer', clientId, writtenByANewerLibrary, props), /unknown cdk-pocket-id contract version 99: update cdk-pocket-id/);
    await expectSucceeded(await suite.cfn.delete('Newer', clientId, writtenByANewerLibrary));
    expect(await suite.directory.client(clientId)).toBeUndefined();
  });
});
