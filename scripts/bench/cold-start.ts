/**
 * Handler cold start: the size of the bundled asset, and the time a fresh Node.js process takes to load
 * it and serve a first event, against an empty handler measured in the same run, interleaved.
 *
 * The first event is a Delete of a lookup: the handler answers it without any I/O (no token read, no
 * request), so the figure is the handler's own cost, not the network's. A realistic first Create
 * (a confidential client, against the local Pocket-ID test server and moto) is measured too, labelled.
 *
 * A reference kind requires the AWS SDK's Secrets Manager client from node_modules, as the Lambda runtime
 * requires its own copy: what a handler that leaves the SDK to the runtime pays for it.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AssetFacts, describeHandlerAsset, SDK_CLIENT_PACKAGE } from './support/asset';
import { runNodeChild } from './support/children';
import { BenchEnvironment } from './support/environment';
import { cfnEvent, connectionProperties } from './support/events';
import { GoalCheck, kb, ms } from './support/goal';
import { CHILDREN_DIR, HANDLER_ASSET, REPO_ROOT } from './support/paths';
import { shuffled, Summary, summarize } from './support/stats';
import { LookupKind, ResourceType } from '../../lib/contract';

/** Samples per kind, after the warm-up rounds (the OS file cache, not measured). */
const SAMPLES = 40;
const WARMUP_ROUNDS = 3;
/** The realistic Create does network I/O to local servers: fewer samples. */
const REALISTIC_SAMPLES = 12;
const GOAL_OVERHEAD_MS = 50;
const GOAL_ASSET_BYTES = 250 * 1024;

export interface ColdStartKind {
  readonly id: 'empty' | 'sdk' | 'handler';
  readonly label: string;
  /** require() of the file. */
  readonly load: Summary;
  /** The first event, served. */
  readonly firstEvent: Summary;
  /** load + first event: the figure compared. */
  readonly total: Summary;
  /** From spawn to exit, seen by the parent (Node.js boot and exit included). */
  readonly wall: Summary;
  /** Node.js's own boot, before the handler file is required. */
  readonly boot: Summary;
}

export interface RealisticCreate {
  /** load + first event (token read, version check, POST client, POST secret, PutSecretValue). */
  readonly total: Summary;
  readonly firstEvent: Summary;
  /** The same Create served again by the same, now warm, process. */
  readonly warmCreate: Summary;
  readonly failures: string[];
}

export interface ColdStartResult {
  readonly asset: AssetFacts;
  readonly assetPath: string;
  readonly firstEventDescription: string;
  readonly kinds: ColdStartKind[];
  /** handler total − empty handler total. */
  readonly overhead: { readonly median: number; readonly p90: number };
  readonly realistic: RealisticCreate;
  readonly goals: GoalCheck[];
}

interface RunnerOutput {
  readonly bootMs: number;
  readonly loadMs: number;
  readonly events: Array<{ ms: number; ok: boolean; error?: string }>;
}

const RUNNER = path.join(CHILDREN_DIR, 'cold-start-runner.js');

export async function measureColdStart(env: BenchEnvironment, log: (line: string) => void): Promise<ColdStartResult> {
  const asset = await describeHandlerAsset();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-pocket-id-bench-'));
  try {
    const files = writeBaselines(scratch);
    const kinds = [
      { id: 'empty' as const, label: 'empty handler (baseline): exports.handler = async () => ({})', file: files.empty },
      { id: 'sdk' as const, label: 'empty handler + AWS SDK Secrets Manager client required from node_modules (reference: what the Lambda runtime\'s own SDK copy costs)', file: files.sdk },
      { id: 'handler' as const, label: `cdk-pocket-id handler (${path.relative(REPO_ROOT, HANDLER_ASSET)})`, file: HANDLER_ASSET },
    ];
    const lookupDelete = [lookupDeleteEvent()];
    const samples = new Map<string, RunnerOutput[]>(kinds.map((k) => [k.id, []]));
    const walls = new Map<string, number[]>(kinds.map((k) => [k.id, []]));
    log(`cold start: ${WARMUP_ROUNDS} warm-up rounds, then ${SAMPLES} fresh processes per kind, interleaved`);
    for (let round = 0; round < WARMUP_ROUNDS + SAMPLES; round++) {
      for (const kind of shuffled(kinds)) {
        const run = await runNodeChild<RunnerOutput>([RUNNER, kind.file, JSON.stringify(lookupDelete)], { cwd: REPO_ROOT });
        const failed = run.result.events.find((e) => !e.ok);
        if (failed) throw new Error(`cold start: ${kind.id} failed its first event: ${failed.error}`);
        if (round < WARMUP_ROUNDS) continue;
        samples.get(kind.id)!.push(run.result);
        walls.get(kind.id)!.push(run.wallMs);
      }
    }
    const measured: ColdStartKind[] = kinds.map((kind) => {
      const outputs = samples.get(kind.id)!;
      return {
        id: kind.id,
        label: kind.label,
        load: summarize(outputs.map((o) => o.loadMs)),
        firstEvent: summarize(outputs.map((o) => o.events[0].ms)),
        total: summarize(outputs.map((o) => o.loadMs + o.events[0].ms)),
        wall: summarize(walls.get(kind.id)!),
        boot: summarize(outputs.map((o) => o.bootMs)),
      };
    });
    const empty = measured.find((k) => k.id === 'empty')!;
    const handler = measured.find((k) => k.id === 'handler')!;
    const overhead = { median: handler.total.median - empty.total.median, p90: handler.total.p90 - empty.total.p90 };

    log(`cold start: realistic first Create against the local test server and moto, ${REALISTIC_SAMPLES} fresh processes`);
    const realistic = await measureRealisticCreate(env);

    return {
      asset,
      assetPath: path.relative(REPO_ROOT, HANDLER_ASSET),
      firstEventDescription: 'Delete of a Custom::PocketIdLookup (the handler answers it without any I/O: no token read, no request)',
      kinds: measured,
      overhead,
      realistic,
      goals: [
        { goal: `load + first event < ${GOAL_OVERHEAD_MS} ms over the empty handler (median)`, measured: `+${ms(overhead.median)} (p90 +${ms(overhead.p90)})`, met: overhead.median < GOAL_OVERHEAD_MS },
        { goal: 'asset < 250 KB', measured: `${kb(asset.bytes)} (${kb(asset.gzipBytes)} gzipped)`, met: asset.bytes < GOAL_ASSET_BYTES },
      ],
    };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** The baseline and the reference handler, as files a fresh process can require(). */
function writeBaselines(dir: string): { empty: string; sdk: string } {
  const empty = path.join(dir, 'empty.js');
  fs.writeFileSync(empty, 'exports.handler = async () => ({});\n');
  const sdk = path.join(dir, 'sdk.js');
  // Resolved as require() resolves it, to the package's CommonJS build: the build the runtime's copy loads.
  const sdkPath = require.resolve(SDK_CLIENT_PACKAGE, { paths: [path.dirname(HANDLER_ASSET)] });
  fs.writeFileSync(sdk, [
    `const { SecretsManagerClient } = require(${JSON.stringify(sdkPath)});`,
    'exports.handler = async () => { new SecretsManagerClient({}).destroy(); return {}; };',
    '',
  ].join('\n'));
  return { empty, sdk };
}

function lookupDeleteEvent(): Record<string, unknown> {
  return cfnEvent(ResourceType.LOOKUP, {
    RequestType: 'Delete',
    LogicalResourceId: 'BobLookup',
    PhysicalResourceId: '0b7f6c1e-2a4d-4c1b-9e8f-3d2a1b0c9e8f',
    ResourceProperties: {
      ...connectionProperties('https://auth.example.com', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:pocket-id/api-token-AbCdEf'),
      Kind: LookupKind.USER,
      Name: 'bob',
    },
  });
}

/**
 * A fresh process serves a confidential client's Create (its first event: token read, version check,
 * POST client, POST secret, PutSecretValue), then a second Create, warm. Local servers: the I/O is
 * loopback to a Node.js test server and to moto (Python), not to AWS or a real Pocket-ID.
 */
async function measureRealisticCreate(env: BenchEnvironment): Promise<RealisticCreate> {
  const { server, tokenSecretArn } = await env.pocketId({ rateLimit: false });
  const secretArn = await env.secrets.createOwnedSecret('bench-cold-start-client');
  const connection = connectionProperties(server.baseUrl, tokenSecretArn);
  const createEvent = (n: number) => cfnEvent(ResourceType.OIDC_CLIENT, {
    RequestType: 'Create',
    LogicalResourceId: `WebApp${n}`,
    ResourceProperties: {
      ...connection,
      Name: `cold-start-${n}`,
      CallbackUrls: ['https://app.example.com/callback'],
      IsPublic: 'false',
      PkceEnabled: 'true',
      SecretArn: secretArn,
    },
  });
  const outputs: RunnerOutput[] = [];
  const failures: string[] = [];
  for (let i = 0; i < REALISTIC_SAMPLES + 1; i++) {
    const events = JSON.stringify([createEvent(2 * i), createEvent(2 * i + 1)]);
    const run = await runNodeChild<RunnerOutput>([RUNNER, HANDLER_ASSET, events], { cwd: REPO_ROOT });
    failures.push(...run.result.events.filter((e) => !e.ok).map((e) => e.error ?? 'failed'));
    if (i > 0) outputs.push(run.result); // the first one warms moto and the OS file cache
  }
  return {
    total: summarize(outputs.map((o) => o.loadMs + o.events[0].ms)),
    firstEvent: summarize(outputs.map((o) => o.events[0].ms)),
    warmCreate: summarize(outputs.map((o) => o.events[1].ms)),
    failures,
  };
}
