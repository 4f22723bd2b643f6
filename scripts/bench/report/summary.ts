/** The one-screen summary printed at the end of a run (also for a partial run, with --only). */
import type { CallsResult } from '../calls-per-operation';
import type { ColdStartResult } from '../cold-start';
import type { ThroughputResult } from '../deploy-throughput';
import { AssetFacts, SDK_CLIENT_PACKAGE } from '../support/asset';
import { GoalCheck, kb, metLabel } from '../support/goal';
import type { MachineFacts } from '../support/machine';
import type { SynthResult } from '../synth-at-scale';

export interface PartialResults {
  readonly machine: MachineFacts;
  readonly durationSeconds: number;
  readonly coldStart?: ColdStartResult;
  readonly calls?: CallsResult;
  readonly synth?: SynthResult;
  readonly throughput?: ThroughputResult;
}

export function renderSummary(results: PartialResults): string {
  const { machine } = results;
  const lines = [`cdk-pocket-id benchmarks: ${machine.cores} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node.js ${machine.nodeVersion}, ${machine.date}`];
  const goals: GoalCheck[] = [];

  if (results.coldStart) {
    const c = results.coldStart;
    lines.push('', 'Handler cold start (fresh process, load + first event: median / p90)');
    for (const kind of c.kinds) {
      lines.push(`  ${pad(shortLabel(kind.id), 36)} ${num(kind.total.median)} / ${num(kind.total.p90)} ms`);
    }
    lines.push(`  over the empty handler: +${c.overhead.median.toFixed(1)} ms (p90 +${c.overhead.p90.toFixed(1)} ms)`);
    lines.push(`  asset ${kb(c.asset.bytes)} (${kb(c.asset.gzipBytes)} gzipped), AWS SDK ${sdkInTheAsset(c.asset)}`);
    lines.push(`  realistic, local servers: first Create ${c.realistic.total.median.toFixed(1)} ms cold (load included), ${c.realistic.warmCreate.median.toFixed(1)} ms warm`);
    goals.push(...c.goals);
  }

  if (results.calls) {
    const above = results.calls.operations.filter((o) => !o.atMinimum);
    lines.push('', `Calls per operation: ${results.calls.operations.length - above.length} of ${results.calls.operations.length} at the minimum (warm and cold)`);
    for (const o of above) {
      const extra = Object.keys(o.excessReasons).join(', ');
      lines.push(`  ${pad(`${o.resource}, ${o.label}`, 52)} warm ${o.warm.pocketId.length}+${o.warm.secrets.length} vs ${o.minimumPocketId.length}+${o.minimumSecrets.length}: +${extra}`);
    }
    goals.push(...results.calls.goals);
  }

  if (results.synth) {
    const s = results.synth;
    lines.push('', `Synth at scale (median of ${s.repetitions}): entities, Pocket-ID vs ssm.StringParameter`);
    for (const size of s.sizes) {
      lines.push(`  ${pad(String(size.entities), 4)} ${num(size.pocketId.totalMs, 0)} vs ${num(size.ssm.totalMs, 0)} ms (×${size.timeRatio.toFixed(2)}), `
        + `${size.pocketId.maxRssMb.toFixed(0)} vs ${size.ssm.maxRssMb.toFixed(0)} MB, ${size.pocketId.templateKb.toFixed(0)} vs ${size.ssm.templateKb.toFixed(0)} KB template`);
    }
    lines.push(`  slope ${s.growth.pocketId.time.slope.toFixed(2)} vs ${s.growth.ssm.time.slope.toFixed(2)} ms/entity (R² ${s.growth.pocketId.time.r2.toFixed(3)}); `
      + `entities per stack: ${s.capacity.map((c) => `${c.stack.split(' (')[0].replace(/ only$/, '').replace('the mix above', 'mix')} ${c.entitiesPerStack}`).join(', ')}`);
    goals.push(...s.goals);
  }

  if (results.throughput) {
    lines.push('', `Deploy throughput (${results.throughput.concurrency} containers, rate limit 100/s burst 300)`);
    for (const { users, limited, unlimited } of results.throughput.sizes) {
      lines.push(`  ${pad(`${users} users`, 10)} ${limited.wallSeconds.toFixed(2)} s (bound ${limited.boundSeconds.toFixed(2)} s, no limit ${unlimited.wallSeconds.toFixed(2)} s), `
        + `${limited.requests} requests, ${limited.tooManyRequests} × 429, ${limited.created}/${users} created`);
    }
    goals.push(...results.throughput.goals);
  }

  const met = goals.filter((g) => g.met).length;
  lines.push('', `Goals: ${met} of ${goals.length} met`);
  for (const goal of goals.filter((g) => !g.met)) lines.push(`  ${metLabel(goal.met)}: ${goal.goal} (${goal.measured})`);
  lines.push(`(${Math.round(results.durationSeconds)} s)`);
  return lines.join('\n');
}

function shortLabel(id: string): string {
  return { empty: 'empty handler (baseline)', sdk: 'empty + SDK client, runtime-style', handler: 'cdk-pocket-id handler, Delete lookup' }[id] ?? id;
}

function sdkInTheAsset({ awsSdk }: AssetFacts): string {
  if (!awsSdk) return 'not bundled (required from the Lambda runtime\'s copy)';
  return `bundled (${SDK_CLIENT_PACKAGE} ${awsSdk.clientVersion} from ${awsSdk.clientBuild}, credentials: ${awsSdk.credentialProviders.join(', ') || 'none'})`;
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

function num(value: number, digits = 1): string {
  return value.toFixed(digits).padStart(6);
}
