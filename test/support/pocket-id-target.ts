import { PocketIdTestServer, PocketIdTestServerOptions, startPocketIdTestServer } from '../pocket-id-server';

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
  const server = await startPocketIdTestServer(options);
  return { baseUrl: server.baseUrl, apiToken: server.apiToken, testServer: server, close: () => server.close() };
}
