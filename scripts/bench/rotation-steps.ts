/**
 * Calls per rotation step: the Pocket-ID requests and Secrets Manager calls of each of the four steps
 * of a steady-state rotation (the one before it made the previous secret, which this one revokes), in
 * the warm rotation function that ran that one, and in a cold one, against the minimum.
 */
import { Counted, judge, OperationResult, requestName } from './calls-per-operation';
import { Harness, OperationSpec } from './operations';
import { BenchEnvironment } from './support/environment';
import { ResourceType, RotationSettings } from '../../lib/contract';
import { PocketIdTestServer } from '../../test/pocket-id-server';
import { ROTATION_STEPS, RotationFunction, RotationStep } from '../../test/support/rotation';

const LIST = 'GET /api/oidc/clients/:id/secrets';
const READ_VERSION = 'GetSecretValue';
const STEP_SPECS: Record<RotationStep, Omit<OperationSpec, 'prepare' | 'resourceType' | 'id' | 'resource' | 'label'>> = {
  createSecret: {
    minimumPocketId: [LIST, 'DELETE /api/oidc/clients/:id/secrets/:secretId', 'POST /api/oidc/clients/:id/secrets'],
    minimumSecrets: ['ListSecretVersionIds', READ_VERSION, READ_VERSION, READ_VERSION, 'UpdateSecretVersionStage', 'PutSecretValue', 'UpdateSecretVersionStage'],
    reason: 'list the versions and read AWSCURRENT, AWSPREVIOUS and the pending one (empty, or a repeat); list the client\'s secrets; revoke the '
      + 'secret AWSPREVIOUS holds and drop its record; store the new value as AWSPENDING; have Pocket-ID hold it; record its id',
  },
  setSecret: {
    minimumPocketId: [LIST],
    minimumSecrets: ['ListSecretVersionIds', READ_VERSION],
    reason: 'read the pending value; Pocket-ID already holds it (createSecret put it there): one list shows it',
    connectedBefore: true,
  },
  testSecret: {
    minimumPocketId: ['POST /api/oidc/token'],
    minimumSecrets: ['ListSecretVersionIds', READ_VERSION],
    reason: 'read the pending value; one client_credentials request at the token endpoint',
    connectedBefore: true,
  },
  finishSecret: {
    minimumPocketId: [],
    minimumSecrets: ['ListSecretVersionIds', 'UpdateSecretVersionStage'],
    reason: 'find the AWSCURRENT version; move AWSCURRENT to the pending one',
    connectedBefore: true,
  },
};

export async function measureRotationSteps(env: BenchEnvironment, server: PocketIdTestServer, harness: Harness): Promise<OperationResult[]> {
  const secretArn = await harness.ownedSecret('bench-rotation');
  await harness.create(ResourceType.OIDC_CLIENT, 'Rotating', harness.props({ Name: harness.unique('rotating'), IsPublic: 'false', SecretArn: secretArn }));
  const settings = { ...harness.props({}), OverlapSeconds: '0' } as unknown as RotationSettings;
  const counted = { AWS_ENDPOINT_URL_SECRETS_MANAGER: env.proxy.url };
  const warmFunction = await RotationFunction.start(settings, counted);
  try {
    // The first rotation revokes nothing (the client resource's secret becomes AWSPREVIOUS) and warms the function up.
    await rotateCounting(warmFunction, secretArn, env, server);
    const warm = await rotateCounting(warmFunction, secretArn, env, server);
    const coldFunction = await RotationFunction.start(settings, counted);
    let cold: Record<RotationStep, Counted>;
    try {
      cold = await rotateCounting(coldFunction, secretArn, env, server);
    } finally {
      await coldFunction.stop();
    }
    return ROTATION_STEPS.map((step) => judge({ id: `rotation-${step}`, resource: 'client secret rotation', label: step, ...STEP_SPECS[step] }, warm[step], cold[step]));
  } finally {
    await warmFunction.stop();
  }
}

/** One rotation, its steps delivered one by one, each counted on its own. */
async function rotateCounting(
  fn: RotationFunction,
  secretArn: string,
  env: BenchEnvironment,
  server: PocketIdTestServer,
): Promise<Record<RotationStep, Counted>> {
  const token = await fn.begin(secretArn);
  const counts = {} as Record<RotationStep, Counted>;
  for (const step of ROTATION_STEPS) {
    const firstRequest = server.requests.length;
    const firstCall = env.proxy.calls.length;
    const { invocation } = await fn.deliver(step, secretArn, token);
    counts[step] = {
      pocketId: server.requests.slice(firstRequest).map((r) => ({ request: requestName(r.method, r.path), status: r.status })),
      secrets: env.proxy.calls.slice(firstCall),
      ok: invocation.ok,
      error: invocation.message,
    };
  }
  return counts;
}
