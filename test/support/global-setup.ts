import { startMoto } from './moto';

/**
 * Starts moto's Secrets Manager once for the whole run. Test workers inherit the environment set here,
 * so the handler's AWS SDK (and the tests' own clients) talk to moto over the real wire protocol.
 */
export default async function globalSetup(): Promise<void> {
  const moto = await startMoto();
  (globalThis as any).__MOTO__ = moto.process;
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SECRETS_MANAGER: moto.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_EC2_METADATA_DISABLED: 'true',
  });
}
