import { RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AdoptedClientSecrets, Api, OidcClient, User, UserGroup } from '../../lib';
import { stackWithPocketId } from './support/fixture';
import { scanSynthesizedTemplates } from '../support/template-exposure';

// Every template this file synthesizes is scanned for sentinel secrets (test-reports/reliability/exposure/).
scanSynthesizedTemplates();

describe('adoptExisting', () => {
  test('each kind asks the handler to adopt, and what it adopts is retained unless the user says otherwise', () => {
    const { stack, pocketId } = stackWithPocketId();
    new OidcClient(stack, 'Web', { pocketId, name: 'web', clientId: 'web', adoptExisting: true });
    new User(stack, 'Ada', { pocketId, username: 'ada', adoptExisting: true });
    new UserGroup(stack, 'Eng', { pocketId, name: 'eng', friendlyName: 'Engineering', adoptExisting: true });
    new Api(stack, 'Orders', { pocketId, name: 'orders', resource: 'https://orders.example.com', adoptExisting: true });
    const template = Template.fromStack(stack);
    for (const type of ['Custom::PocketIdOidcClient', 'Custom::PocketIdUser', 'Custom::PocketIdUserGroup', 'Custom::PocketIdApi']) {
      template.hasResource(type, { Properties: Match.objectLike({ AdoptExisting: 'true' }), DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    }
    // The client's secret goes with the client: an adopted client's apps read it.
    template.hasResource('AWS::SecretsManager::Secret', { DeletionPolicy: 'Retain' });
  });

  test('an explicit removal policy wins; without adoption nothing changes', () => {
    const { stack, pocketId } = stackWithPocketId();
    new UserGroup(stack, 'Eng', { pocketId, name: 'eng', friendlyName: 'Engineering', adoptExisting: true, removalPolicy: RemovalPolicy.DESTROY });
    new Api(stack, 'Orders', { pocketId, name: 'orders', resource: 'https://orders.example.com' });
    const template = Template.fromStack(stack);
    template.hasResource('Custom::PocketIdUserGroup', { DeletionPolicy: 'Delete' });
    template.hasResource('Custom::PocketIdApi', { Properties: Match.objectLike({ AdoptExisting: Match.absent() }), DeletionPolicy: 'Delete' });
  });

  test('an adopted client\'s secrets: keep, revoke, or what exclusiveSecrets implies', () => {
    const { stack, pocketId } = stackWithPocketId();
    new OidcClient(stack, 'Web', { pocketId, name: 'web', clientId: 'web', adoptExisting: true, adoptedSecrets: AdoptedClientSecrets.REVOKE });
    Template.fromStack(stack).hasResourceProperties('Custom::PocketIdOidcClient', { AdoptedSecrets: 'revoke' });
  });

  test.each([
    ['without clientId', { adoptExisting: true }, /adoptExisting needs clientId/],
    ['adoptedSecrets without adoptExisting', { clientId: 'web', adoptedSecrets: AdoptedClientSecrets.KEEP }, /adoptedSecrets needs adoptExisting/],
    ['KEEP with exclusiveSecrets', { clientId: 'web', adoptExisting: true, adoptedSecrets: AdoptedClientSecrets.KEEP, exclusiveSecrets: true }, /contradicts exclusiveSecrets/],
    ['adoptedSecrets on a public client', { clientId: 'web', adoptExisting: true, adoptedSecrets: AdoptedClientSecrets.REVOKE, isPublic: true }, /confidential/],
  ])('a client adopting %s fails at synth, naming the field', (_case, props, message) => {
    const { stack, pocketId } = stackWithPocketId();
    expect(() => new OidcClient(stack, 'Web', { pocketId, name: 'web', ...props })).toThrow(message);
  });

  test('a value of another type from another language is refused', () => {
    const { stack, pocketId } = stackWithPocketId();
    expect(() => new User(stack, 'Ada', { pocketId, username: 'ada', adoptExisting: 'yes' as unknown as boolean })).toThrow(/adoptExisting/);
  });
});
