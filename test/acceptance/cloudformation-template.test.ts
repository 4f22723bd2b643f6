/**
 * The sample template of the README's "Plain CloudFormation" (examples/cloudformation/pocket-id-sample.yaml),
 * deployed as CloudFormation would: parsed from its YAML, its intrinsics resolved, its secret made in
 * moto's Secrets Manager, each Custom::PocketId* resource's events sent through the Provider framework
 * to the bundled handler, which talks to the test server (or a real Pocket-ID). Then read back over
 * HTTP, and deleted.
 */
import { join } from 'path';
import { ResourceType } from '../../lib/contract';
import { AcceptanceRun } from '../support/acceptance';
import { PocketIdDirectory } from '../support/pocket-id-directory';
import { PocketIdTarget } from '../support/pocket-id-target';
import { readTemplate, TemplateDeployment } from '../support/template-deployment';

const SAMPLE = join(__dirname, '..', '..', 'examples', 'cloudformation', 'pocket-id-sample.yaml');
const SERVICE_TOKEN = 'arn:aws:lambda:us-east-1:123456789012:function:PocketIdProvider-framework-onEvent';

const acceptance = new AcceptanceRun(ResourceType.OIDC_CLIENT);
const { run, properties, secrets, secretValues, expectSucceeded } = acceptance;
let target: PocketIdTarget;
let directory: PocketIdDirectory;
let deployment: TemplateDeployment;
const environment = `cfn-${run}`;

beforeAll(async () => {
  ({ target, directory } = await acceptance.start());
  const { ApiTokenSecret } = properties({});
  deployment = new TemplateDeployment(readTemplate(SAMPLE), acceptance, {
    PocketIdBaseUrl: target.baseUrl,
    ApiTokenSecret: String(ApiTokenSecret),
    EnvironmentName: environment,
  }, { PocketIdServiceToken: SERVICE_TOKEN });
});

afterAll(async () => {
  if (directory) {
    await directory.deleteClients((await directory.clientsNamed(`${environment}-web-app`)).map((client) => client.id));
    await directory.deleteUsers((await directory.usersNamed(`${environment}-ada`)).map((user) => user.id));
    await directory.deleteGroups((await directory.groupsNamed(`${environment}-engineers`)).map((group) => group.id));
  }
  await acceptance.stop();
});

test('the template holds no secret value: the client secret is never a property', () => {
  const template = readTemplate(SAMPLE);
  const secret = template.Resources.WebAppSecret;
  expect(secret.Type).toBe('AWS::SecretsManager::Secret');
  expect(Object.keys(secret.Properties ?? {})).not.toEqual(expect.arrayContaining(['SecretString']));
  expect(JSON.stringify(template)).not.toMatch(/ClientSecret(?!Arn)|SecretString|Password/);
});

test('the sample deploys: a group with its claim, a user in it, a confidential client open to it, its secret in Secrets Manager', async () => {
  await deployment.create();
  expect(deployment.steps.map((step) => step.event.ResourceType)).toEqual([ResourceType.USER_GROUP, ResourceType.USER, ResourceType.OIDC_CLIENT]);
  for (const step of deployment.steps) await expectSucceeded(step);

  const groupId = deployment.physicalId('Engineers');
  const group = await directory.group(groupId);
  expect({ name: group.name, claims: group.customClaims }).toEqual({ name: `${environment}-engineers`, claims: [{ key: 'team', value: 'platform' }] });
  const user = await directory.user(deployment.physicalId('Ada'));
  expect(user.username).toBe(`${environment}-ada`);
  expect(user.userGroups.map((g: { id: string }) => g.id)).toEqual([groupId]);

  const outputs = deployment.outputs();
  const client = await directory.client(outputs.ClientId);
  expect({ name: client.name, callbackURLs: client.callbackURLs, groups: client.allowedUserGroups.map((g: { id: string }) => g.id) })
    .toEqual({ name: `${environment}-web-app`, callbackURLs: ['https://app.example.com/callback'], groups: [groupId] });
  const stored = await secrets.readJson(outputs.ClientSecretArn);
  secretValues.add(stored.clientSecret);
  expect({ ...stored, clientSecret: typeof stored.clientSecret }).toEqual({
    clientId: outputs.ClientId, clientSecret: 'string', issuer: target.baseUrl, discoveryUrl: `${target.baseUrl}/.well-known/openid-configuration`,
  });
  expect(await directory.authenticates(outputs.ClientId, stored.clientSecret)).toBe(true);
  expect(outputs).toEqual({ ClientId: outputs.ClientId, ClientSecretArn: outputs.ClientSecretArn, IssuerUrl: target.baseUrl, UserId: user.id });
});

test('deleting the stack removes the client and the group, and keeps the user (DeletionPolicy Retain)', async () => {
  const clientId = deployment.physicalId('WebApp');
  const userId = deployment.physicalId('Ada');
  expect(await deployment.delete()).toEqual([userId]);
  for (const step of deployment.steps) await expectSucceeded(step);
  expect(await directory.client(clientId)).toBeUndefined();
  expect(await directory.group(deployment.physicalId('Engineers'))).toBeUndefined();
  expect((await directory.user(userId)).username).toBe(`${environment}-ada`);
});
