import { routeSecretsManagerToMoto, startMoto } from './moto';

/**
 * Starts moto's Secrets Manager once for the whole run. Test workers inherit the environment set here,
 * so the handler's AWS SDK (and the tests' own clients) talk to moto over the real wire protocol.
 */
export default async function globalSetup(): Promise<void> {
  const moto = await startMoto();
  (globalThis as any).__MOTO__ = moto.process;
  routeSecretsManagerToMoto(moto);
}
