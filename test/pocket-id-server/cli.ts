/**
 * Runs the Pocket-ID test server standalone:
 *   npx ts-node test/pocket-id-server/cli.ts --port 1411 [--token <api key>] [--no-rate-limit] [--frontend] [--app-url <url>]
 * Without --port it picks a free one.
 */
import { startPocketIdTestServer } from './index';

function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const port = argValue(args, '--port');
  const server = await startPocketIdTestServer({
    port: port === undefined ? 0 : Number(port),
    apiToken: argValue(args, '--token') ?? process.env.STATIC_API_KEY,
    appUrl: argValue(args, '--app-url'),
    rateLimit: args.includes('--no-rate-limit') ? false : undefined,
    frontend: args.includes('--frontend'),
  });
  console.log(`Pocket-ID test server listening on ${server.baseUrl}`);
  console.log(`API token (X-API-Key): ${server.apiToken}`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
