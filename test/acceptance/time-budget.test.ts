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

  test('an Update that stalls after storing a new secret puts back the client, revokes that secret and restores the stored value', async () => {
    const server = suite.target.testServer!;
    const publicProps = properties({ Name: `budget-update-${run}`, IsPublic: 'true', CallbackUrls: ['https://budget.example.com/cb'] });
    const created = await suite.cfn.create('BudgetUpdate', publicProps);
    await expectSucceeded(created);
    const clientId = created.response.PhysicalResourceId;
    const secretArn = await secrets.createOwnedSecret('budget-update');
    const placeholder = await secrets.read(secretArn);
    const before = await suite.directory.client(clientId);
    // The first list of the client's secrets comes before the new one is made, the second after it was stored.
    server.injectFault({ method: 'GET', path: /\/secrets$/, times: 1, headers: {} });
    server.injectFault({ method: 'GET', path: /\/secrets$/, ...STALLED });

    const confidential = { ...publicProps, IsPublic: 'false', SecretArn: secretArn, TimeoutSeconds: REQUEST_TIMEOUT_SECONDS };
    const step = await suite.cfn.update('BudgetUpdate', clientId, confidential, publicProps);
    server.clearFaults();

    expectFailed(step, /secrets got no answer from Pocket-ID: the request timed out/);
    expect(step.response.Reason).not.toMatch(/Cleanup also failed/);
    expect(await suite.directory.client(clientId)).toEqual(before);
    expect(await suite.directory.clientSecrets(clientId)).toEqual([]);
    expect(await secrets.read(secretArn)).toBe(placeholder);
    await expectSucceeded(await suite.cfn.delete('BudgetUpdate', clientId, publicProps));
  }, 60_000);
});
