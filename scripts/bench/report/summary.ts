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
    lines.push('', ...synthLines(results.synth));
    goals.push(...results.synth.goals);
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

function synthLines(s: SynthResult): string[] {
  const { pocketId, floor, ssm } = s.growth;
  const three = (values: number[], digits = 0) => values.map((v) => v.toFixed(digits)).join(' / ');
  return [
    `Synth at scale (median of ${s.repetitions}): Pocket-ID / floor (the SSM parameters + one Lambda behind a cr.Provider) / ssm.StringParameter`,
    ...s.sizes.map((size) => `  ${pad(String(size.entities), 4)} ${pad(`${three([size.pocketId.totalMs, size.floor.totalMs, size.ssm.totalMs])} ms`, 20)}`
      + ` Pocket-ID÷SSM ×${size.timeRatio.toFixed(2)}, floor÷SSM ×${size.floorRatio.toFixed(2)}, Pocket-ID÷floor ×${size.ratioToFloor.toFixed(2)};`
      + ` ${three([size.pocketId.maxRssMb, size.floor.maxRssMb, size.ssm.maxRssMb])} MB, ${three([size.pocketId.templateKb, size.floor.templateKb, size.ssm.templateKb])} KB`),
    `  fixed part ${three([pocketId.time.intercept, floor.time.intercept, ssm.time.intercept])} ms,`
      + ` per entity ${three([pocketId.time.slope, floor.time.slope, ssm.time.slope], 2)} ms (Pocket-ID R² ${pocketId.time.r2.toFixed(3)})`,
    `  entities per stack: ${s.capacity.map((c) => `${c.stack.split(' (')[0].replace(/ only$/, '').replace('the mix above', 'mix')} ${c.entitiesPerStack}`).join(', ')}`,
  ];
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
