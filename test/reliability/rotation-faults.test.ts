/**
 * Rotation under faults. A clean rotation is run first and every request it makes is recorded, step by
 * step: each Pocket-ID request and each Secrets Manager call. Then, for each of them, a fresh client
 * is rotated with that one call failing (refused before it happens, or lost after it happened), or with
 * the rotation function's Lambda dying while the call lands; then Secrets Manager's retry is played:
 * the same steps delivered again (or a new rotation, when the failed one ended).
 *
 * After the failure and after the retry: the secret AWSCURRENT holds authenticates at Pocket-ID's token
 * endpoint, and every secret Pocket-ID holds live for the client is stored in a labelled version of
 * the Secrets Manager secret. After the retry the rotation is complete: two secrets live, both stored.
 */
import { randomBytes } from 'crypto';
import { CONTRACT_VERSION, ResourceType, RotationSettings } from '../../lib/contract';
import { PocketIdTestServer, startPocketIdTestServer } from '../pocket-id-server';
import { findRoute } from '../pocket-id-server/routes';
import { POCKET_ID_RATE_LIMIT } from '../support/acceptance';
import { CloudFormationSimulator } from '../support/cloudformation';
import { showsSecret } from '../support/exposure';
import { LambdaContainer } from '../support/lambda-container';
import { ROTATION_STEPS, RotationFunction, RotationStep } from '../support/rotation';
import { TestSecrets } from '../support/secrets-manager';
import { RotationCase, writeRotationResults } from './support/rotation-results';
import { SecretsFaultProxy } from './support/secrets-fault-proxy';

/** One request of the clean rotation: the step that made it, where it went, and its place among its kind in that step. */
interface PlannedCall {
  readonly step: RotationStep;
  readonly target: 'pocket-id' | 'secrets-manager';
  /** `METHOD /pattern` for Pocket-ID, the operation for Secrets Manager. */
  readonly name: string;
  readonly method?: string;
  readonly pattern?: string;
  /** Earlier requests of the same name in the same step. */
  readonly skip: number;
  /** For a Secrets Manager call: whether it named the rotated secret (not the API token's). */
  readonly ofRotatedSecret?: boolean;
}

type FaultKind = 'refused' | 'answer lost' | 'Lambda died';
const FAULT_KINDS: readonly FaultKind[] = ['refused', 'answer lost', 'Lambda died'];
/** Past the AWS SDK's own retries (3 attempts), so that the step sees the failure. */
const SDK_PROOF = 10;
/** How long a call is held while the Lambda that sent it is killed; it lands after. */
const HELD_MS = 1_500;

let server: PocketIdTestServer;
let proxy: SecretsFaultProxy;
let cfnContainer: LambdaContainer;
let cfn: CloudFormationSimulator;
let fn: RotationFunction;
const secrets = new TestSecrets();
const run = randomBytes(3).toString('hex');
const secretValues = new Set<string>();
let tokenSecretArn: string;
let plan: PlannedCall[] = [];
let counter = 0;

beforeAll(async () => {
  server = await startPocketIdTestServer({ rateLimit: POCKET_ID_RATE_LIMIT });
  secretValues.add(server.apiToken);
  proxy = await SecretsFaultProxy.start(process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER!);
  tokenSecretArn = await secrets.create('rotation-faults-api-token', server.apiToken);
  cfnContainer = await LambdaContainer.start();
  cfn = new CloudFormationSimulator(cfnContainer, ResourceType.OIDC_CLIENT);
  const settings = { ...connection(), OverlapSeconds: '0' } as RotationSettings;
  fn = await RotationFunction.start(settings, { AWS_ENDPOINT_URL_SECRETS_MANAGER: proxy.endpoint });
  plan = await recordCleanRotation();
}, 120_000);

afterAll(async () => {
  await fn?.stop();
  await cfnContainer?.stop();
  await proxy?.close();
  secrets.destroy();
  await server?.close();
});

function connection(): Record<string, string> {
  return { ContractVersion: CONTRACT_VERSION, BaseUrl: server.baseUrl, ApiTokenSecret: tokenSecretArn, TimeoutSeconds: '5', LogLevel: 'debug' };
}

/** A confidential client made through the client resource, as a stack makes it. */
async function newClient(): Promise<{ clientId: string; secretArn: string }> {
  const secretArn = await secrets.createOwnedSecret(`rotation-faults-${++counter}`);
  const step = await cfn.create(`Client${counter}`, { ...connection(), Name: `rotating-${run}-${counter}`, IsPublic: 'false', SecretArn: secretArn });
  if (step.response.Status !== 'SUCCESS') throw new Error(`the client resource failed: ${step.response.Reason}`);
  return { clientId: step.response.PhysicalResourceId, secretArn };
}

/** Rotates a client once with the function warm, and returns every request of each step. */
async function recordCleanRotation(): Promise<PlannedCall[]> {
  const warmUp = await newClient();
  await runAllSteps(warmUp.secretArn, await fn.begin(warmUp.secretArn));
  const { secretArn } = await newClient();
  const token = await fn.begin(secretArn);
  const calls: PlannedCall[] = [];
  for (const step of ROTATION_STEPS) {
    const firstRequest = server.requests.length;
    const firstCall = proxy.calls.length;
    const { invocation } = await fn.deliver(step, secretArn, token);
    if (!invocation.ok) throw new Error(`the clean rotation failed at ${step}: ${invocation.message}`);
    const seen = new Map<string, number>();
    const skipOf = (name: string) => {
      const skip = seen.get(name) ?? 0;
      seen.set(name, skip + 1);
      return skip;
    };
    for (const request of server.requests.slice(firstRequest)) {
      const pattern = findRoute(request.method, request.path)?.route.pattern ?? request.path;
      const name = `${request.method} ${pattern}`;
      calls.push({ step, target: 'pocket-id', name, method: request.method, pattern, skip: skipOf(name) });
    }
    for (const call of proxy.calls.slice(firstCall)) {
      const ofRotatedSecret = call.secretId === secretArn;
      calls.push({ step, target: 'secrets-manager', name: call.operation, skip: skipOf(`${call.operation} ${ofRotatedSecret}`), ofRotatedSecret });
    }
  }
  return calls;
}

async function runAllSteps(secretArn: string, token: string, from: RotationStep = 'createSecret'): Promise<string | undefined> {
  for (const step of ROTATION_STEPS.slice(ROTATION_STEPS.indexOf(from))) {
    const { invocation } = await fn.deliver(step, secretArn, token);
    if (!invocation.ok) return `${step}: ${invocation.message}`;
  }
  return undefined;
}

/**
 * Arms the fault just before the step that makes the call, so that `skip` counts that step's requests
 * alone, and, for a Pocket-ID request, only those for this case's client: no request of an earlier case
 * that lands late (a killed Lambda's) can take it.
 */
function armFault(call: PlannedCall, kind: FaultKind, clientId: string, secretArn: string): void {
  if (call.target === 'pocket-id') {
    const path = new RegExp(`^${call.pattern!.replace(/:id\b/, clientId).replace(/:[A-Za-z]+/g, '[^/]+')}$`);
    const base = { method: call.method, path, skip: call.skip };
    if (kind === 'refused') server.injectFault({ ...base, status: 503, times: 10 });
    else if (kind === 'answer lost') server.injectFault({ ...base, afterHandling: true, resetConnection: true, times: 1 });
    else server.injectFault({ ...base, afterHandling: true, delayMs: HELD_MS, times: 1 });
    return;
  }
  const error = { type: 'InternalServiceError', message: 'injected', status: 500 };
  const operation = { operation: call.name, secretId: call.ofRotatedSecret ? secretArn : undefined };
  if (kind === 'refused') proxy.injectFault({ ...operation, skip: call.skip, times: SDK_PROOF, error: { type: 'AccessDeniedException', message: 'injected', status: 400 } });
  else if (kind === 'answer lost') proxy.injectFault({ ...operation, skip: call.skip, times: SDK_PROOF, afterForwarding: true, error });
  else proxy.injectFault({ ...operation, skip: call.skip, times: 1, afterForwarding: true, delayMs: HELD_MS, error });
}

/** Whether the faulted call was made after the fault was armed: its case tests what its label says. */
function faultLanded(call: PlannedCall, armedAt: { request: number; call: number }, secretArn: string): boolean {
  if (call.target === 'pocket-id') {
    const made = server.requests.slice(armedAt.request)
      .filter((request) => request.method === call.method && findRoute(request.method, request.path)?.route.pattern === call.pattern);
    return made.length > call.skip;
  }
  return proxy.calls.slice(armedAt.call).some((made) => made.operation === call.name && made.fault !== undefined
    && (!call.ofRotatedSecret || made.secretId === secretArn));
}

/** Delivers `step` while the call it makes is held, and kills the Lambda meanwhile: the call lands after. */
async function deliverAndDie(step: RotationStep, secretArn: string, token: string): Promise<void> {
  const delivery = fn.deliver(step, secretArn, token).catch(() => undefined);
  await new Promise((resolve) => setTimeout(resolve, HELD_MS / 2));
  await fn.restart();
  await delivery;
  await new Promise((resolve) => setTimeout(resolve, HELD_MS));
}

/** What must hold at any moment: AWSCURRENT works, and no live secret is unstored. Returns the problems. */
async function invariantProblems(clientId: string, secretArn: string): Promise<string[]> {
  const problems: string[] = [];
  const versions = (await secrets.versions(secretArn)).filter((version) => version.stages.length > 0);
  const storedValues = versions.map((version) => (version.value.startsWith('{') ? JSON.parse(version.value).clientSecret : undefined));
  storedValues.forEach((value) => typeof value === 'string' && secretValues.add(value));
  const current = versions.find((version) => version.stages.includes('AWSCURRENT'));
  const currentSecret = current ? JSON.parse(current.value).clientSecret : undefined;
  const live = server.clientSecrets(clientId).filter((secret) => secret.isActive);
  live.forEach((secret) => secretValues.add(secret.secret));
  if (!live.some((secret) => secret.secret === currentSecret)) problems.push('AWSCURRENT holds a secret that does not authenticate');
  const unstored = live.filter((secret) => !storedValues.includes(secret.secret));
  if (unstored.length > 0) problems.push(`${unstored.length} live secret(s) stored in no labelled version`);
  return problems;
}

function cases(): Array<[string, PlannedCall, FaultKind]> {
  return plan.flatMap((call) => FAULT_KINDS.map((kind): [string, PlannedCall, FaultKind] => [`${call.step} / ${call.name} #${call.skip} / ${kind}`, call, kind]));
}

describe('a rotation with one call failing', () => {
  test('the clean rotation makes the requests the minimum needs, in every step', () => {
    expect(plan.filter((call) => call.target === 'pocket-id').map((call) => `${call.step} ${call.name}`)).toEqual([
      'createSecret GET /api/oidc/clients/:id/secrets',
      'createSecret POST /api/oidc/clients/:id/secrets',
      'setSecret GET /api/oidc/clients/:id/secrets',
      'testSecret POST /api/oidc/token',
    ]);
    expect(plan.some((call) => call.step === 'finishSecret' && call.name === 'UpdateSecretVersionStage')).toBe(true);
  });

  test('every call, every fault: AWSCURRENT always works, no live secret is unstored, and the retry completes the rotation', async () => {
    const results: RotationCase[] = [];
    for (const [label, call, kind] of cases()) {
      const violations: string[] = [];
      const { clientId, secretArn } = await newClient();
      const original = (await secrets.readJson(secretArn)).clientSecret;
      const token = await fn.begin(secretArn);
      const outcomes: string[] = [];
      let armedAt = { request: 0, call: 0 };
      for (const step of ROTATION_STEPS) {
        if (step === call.step) {
          armFault(call, kind, clientId, secretArn);
          armedAt = { request: server.requests.length, call: proxy.calls.length };
        }
        if (kind === 'Lambda died' && step === call.step) {
          await deliverAndDie(step, secretArn, token);
          outcomes.push(`${step} killed`);
          break;
        }
        const { invocation } = await fn.deliver(step, secretArn, token);
        outcomes.push(invocation.ok ? `${step} ok` : `${step} failed (${invocation.message})`);
        if (!invocation.ok) break;
      }
      server.clearFaults();
      proxy.clearFaults();
      if (kind !== 'Lambda died' && !faultLanded(call, armedAt, secretArn)) violations.push(`${label}: the call was never made, so the fault never landed`);
      violations.push(...(await invariantProblems(clientId, secretArn)).map((problem) => `${label}, after the failure: ${problem}`));

      // Secrets Manager's retry: the same rotation again from its start, or a new one when it ended.
      const stillPending = ((await secrets.stages(secretArn))[token] ?? []).includes('AWSPENDING');
      const failure = stillPending ? await runAllSteps(secretArn, token) : await runAllSteps(secretArn, await fn.begin(secretArn));
      const after = await invariantProblems(clientId, secretArn);
      const current = (await secrets.readJson(secretArn)).clientSecret;
      if (failure) after.push(`the retry failed: ${failure}`);
      if (current === original) after.push('the retry did not rotate');
      const live = server.clientSecrets(clientId).filter((secret) => secret.isActive).map((secret) => secret.secret).sort();
      if (JSON.stringify(live) !== JSON.stringify([current, original].sort())) after.push(`${live.length} live secrets, not the new and the previous one`);
      const story = `the failed rotation: ${outcomes.join(', ')}; the retry ${stillPending ? 'went on with it' : 'was a new rotation'}`;
      violations.push(...after.map((problem) => `${label}, after the retry: ${problem} (${story})`));
      results.push({ step: call.step, call: `${call.target === 'pocket-id' ? 'Pocket-ID' : 'Secrets Manager'} ${call.name} #${call.skip + 1}`, fault: kind, violations });
    }
    writeRotationResults(results);
    expect(results.flatMap((result) => result.violations)).toEqual([]);
  }, 600_000);

  test('no secret in any line the rotation function logged', () => {
    for (const line of fn.logs) {
      for (const value of secretValues) expect(showsSecret(line, value)).toBe(false);
    }
  });
});

describe('a rotation racing a stack update of the same client', () => {
  test('an update that replaces a dead stored secret between createSecret and finishSecret: the rotation\'s retry completes, both secrets stored', async () => {
    const { clientId, secretArn } = await newClient();
    const token = await fn.begin(secretArn);
    expect((await fn.deliver('createSecret', secretArn, token)).invocation.ok).toBe(true);

    // Someone revokes the stored secret in the UI; the next stack update moves the secret and replaces the dead one.
    const stored = (await secrets.readJson(secretArn)).clientSecret;
    const dead = server.clientSecrets(clientId).find((secret) => secret.secret === stored)!;
    await fetch(`${server.baseUrl}/api/oidc/clients/${clientId}/secrets/${dead.id}`, { method: 'DELETE', headers: { 'X-API-Key': server.apiToken } });
    const props = { ...connection(), Name: `rotating-${run}-${counter}`, IsPublic: 'false', SecretArn: secretArn };
    const update = await cfn.update(`Client${counter}`, clientId, { ...props, IssuerUrl: 'https://id.example.com' }, props);
    expect(update.response.Status).toBe('SUCCESS');
    expect(await invariantProblems(clientId, secretArn)).toEqual([]);

    const rest = await runAllSteps(secretArn, token, 'setSecret');
    const retry = rest ? await runAllSteps(secretArn, token) : undefined;
    expect(retry).toBeUndefined();
    expect(await invariantProblems(clientId, secretArn)).toEqual([]);
    const current = (await secrets.readJson(secretArn)).clientSecret;
    expect(server.clientSecrets(clientId).filter((secret) => secret.isActive).map((secret) => secret.secret)).toContain(current);
  });
});
