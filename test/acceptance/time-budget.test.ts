/**
 * Compensation keeps its time. The forward path of an operation must stop early enough that every undo
 * step it registered still gets its request timeout and retries: a Pocket-ID that is so slow that the
 * forward path runs into the deadline must not leave what the operation made or changed behind.
 *
 * The handler's Lambda here has a short timeout (the operation's budget is that, less the margin kept
 * for reporting an error), and the request timeout is longer than the whole budget, as a 30-second
 * timeout is against a slow Pocket-ID in a 5-minute Lambda: a request may take all the time there is.
 */
import { ResourceType } from '../../lib/contract';
import { AcceptanceRun } from '../support/acceptance';
import { isRealPocketId } from '../support/pocket-id-target';

/** 20 s of it are kept back for reporting an error: the operation's budget is 6 s. */
const LAMBDA_TIMEOUT_MS = 26_000;
/** Longer than the budget. */
const REQUEST_TIMEOUT_SECONDS = '10';
/** Slower than any request may wait. */
const STALLED = { delayMs: 30_000 };

const acceptance = new AcceptanceRun(ResourceType.OIDC_CLIENT, { lambdaTimeoutMs: LAMBDA_TIMEOUT_MS });
const { run, secrets, properties, expectFailed, expectSucceeded } = acceptance;
const suite = acceptance.inSuite();

(isRealPocketId() ? describe.skip : describe)('test server only: a Pocket-ID so slow that the forward path runs into the deadline', () => {
  test('a Create whose allowed-groups write stalls removes the client it made and leaves the secret as it was', async () => {
    const server = suite.target.testServer!;
    const groupId = await suite.directory.createGroup(`budget-${run}`);
    const secretArn = await secrets.createOwnedSecret('budget-create');
    const placeholder = await secrets.read(secretArn);
    const name = `budget-create-${run}`;
    server.injectFault({ method: 'PUT', path: /\/allowed-user-groups$/, ...STALLED });

    const step = await suite.cfn.create('BudgetCreate', properties({
      Name: name, IsPublic: 'false', SecretArn: secretArn, AllowedUserGroupIds: [groupId], TimeoutSeconds: REQUEST_TIMEOUT_SECONDS,
    }));
    server.clearFaults();

    expectFailed(step, /allowed-user-groups got no answer from Pocket-ID: the request timed out/);
    expect(step.response.Reason).not.toMatch(/Cleanup also failed/);
    expect(await suite.directory.clientsNamed(name)).toEqual([]);
    expect(await secrets.read(secretArn)).toBe(placeholder);
    await suite.directory.deleteGroup(groupId);
  }, 60_000);

  test('an Update that stalls after storing a new secret revokes that secret and restores the stored value', async () => {
    const server = suite.target.testServer!;
    const secretArn = await secrets.createOwnedSecret('budget-update');
    const props = properties({ Name: `budget-update-${run}`, IsPublic: 'false', SecretArn: secretArn, ExclusiveSecrets: 'true' });
    const created = await suite.cfn.create('BudgetUpdate', props);
    await expectSucceeded(created);
    const clientId = created.response.PhysicalResourceId;
    // The stored secret is revoked in the UI and another made there: the Update replaces the dead one,
    // then (exclusive secrets) revokes the UI's, which stalls: after the new secret was stored.
    const [stored] = await suite.directory.clientSecrets(clientId);
    await suite.directory.revokeClientSecret(clientId, stored.id);
    const byHand = await suite.directory.createClientSecret(clientId);
    acceptance.secretValues.add(byHand.secret);
    const movedTo = await secrets.createOwnedSecret('budget-update-moved');
    const placeholder = await secrets.read(movedTo);
    server.injectFault({ method: 'DELETE', path: new RegExp(`/secrets/${byHand.id}$`), ...STALLED });

    const moved = { ...props, SecretArn: movedTo, TimeoutSeconds: REQUEST_TIMEOUT_SECONDS };
    const step = await suite.cfn.update('BudgetUpdate', clientId, moved, props);
    server.clearFaults();

    expectFailed(step, /secrets\/[^ ]+ got no answer from Pocket-ID: the request timed out/);
    expect(step.response.Reason).not.toMatch(/Cleanup also failed/);
    expect((await suite.directory.clientSecrets(clientId)).map((secret) => secret.id)).toEqual([byHand.id]);
    expect(await secrets.read(movedTo)).toBe(placeholder);
    await expectSucceeded(await suite.cfn.delete('BudgetUpdate', clientId, props));
  }, 60_000);
});
