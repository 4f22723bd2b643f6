import { NEWEST_RELEASE, PocketIdTestServer, PocketIdTestServerOptions, startPocketIdTestServer } from '../pocket-id-server';

/**
 * The Pocket-ID an acceptance test runs against: a real one when POCKETID_BASE_URL and
 * POCKETID_API_TOKEN are set (as Terraform providers do with TF_ACC), else the test server in test/.
 */
export interface PocketIdTarget {
  readonly baseUrl: string;
  readonly apiToken: string;
  /** The test server, when the target is not a real Pocket-ID (fault injection needs it). */
  readonly testServer?: PocketIdTestServer;
  close(): Promise<void>;
}

/**
 * The release the test server plays for acceptance suites: POCKETID_TEST_SERVER_VERSION (the matrix
 * of scripts/acceptance-matrix.sh sets it), else the newest release, which most users run.
 */
export function testServerVersion(): string {
  return process.env.POCKETID_TEST_SERVER_VERSION || NEWEST_RELEASE;
}

/** Whether `version` is `release` or newer; a version that is none (a development build) counts as the newest. */
export function versionAtLeast(version: string, release: string): boolean {
  const announced = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (!announced) return true;
  const wanted = release.split('.').map(Number);
  const difference = announced.slice(1, 4).map(Number).map((n, i) => n - wanted[i]).find((d) => d !== 0) ?? 0;
  return difference >= 0;
}

export function isRealPocketId(): boolean {
  return Boolean(process.env.POCKETID_BASE_URL && process.env.POCKETID_API_TOKEN);
}

export async function startPocketIdTarget(options: PocketIdTestServerOptions = {}): Promise<PocketIdTarget> {
  if (isRealPocketId()) {
    return {
      baseUrl: process.env.POCKETID_BASE_URL!.replace(/\/+$/, ''),
      apiToken: process.env.POCKETID_API_TOKEN!,
      close: async () => undefined,
    };
  }
  const server = await startPocketIdTestServer({ version: testServerVersion(), ...options });
  return { baseUrl: server.baseUrl, apiToken: server.apiToken, testServer: server, close: () => server.close() };
}
