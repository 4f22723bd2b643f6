/**
 * Writes docs/reliability.md from the figures the reliability suites leave in test-reports/reliability/:
 * faults.json (test/reliability/faults.test.ts), load.json (load.test.ts), bad-input.json
 * (bad-input.test.ts) and exposure/<suite>.json (every acceptance, reliability, construct and example
 * suite). The figures are never typed by hand; the prose sections (drift, security defaults) are here.
 *
 *   npx jest test/reliability test/acceptance test/lib test/examples --coverage=false
 *   npx projen reliability-report
 *
 * Only this command writes docs/reliability.md: the build and the tests write test-reports/ alone, so a
 * build never changes a tracked file.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { BadInputRow } from '../test/reliability/support/bad-input-row';

const ROOT = path.join(__dirname, '..');
const RESULTS_DIR = path.join(ROOT, 'test-reports', 'reliability');
const OUTPUT = path.join(ROOT, 'docs', 'reliability.md');
const COMMAND = 'npx projen reliability-report';
const SUITES_COMMAND = 'npx projen pre-compile && npx jest test/reliability test/acceptance test/lib test/examples --coverage=false';

// The result files, as the suites write them. Everything is optional: a file may be missing or older.

type FaultOutcome = 'success' | 'failed-clean' | 'known-limitation' | 'violation';

interface FaultCase {
  readonly category?: string;
  readonly resource: string;
  readonly operation: string;
  readonly target?: string;
  readonly step: string;
  readonly fault: string;
  readonly outcome: FaultOutcome;
  readonly reason?: string | null;
  readonly violation?: string | null;
  readonly durationMs?: number;
}

interface FaultResults {
  readonly generatedAt?: string;
  readonly runtimeMs?: number;
  readonly cases: FaultCase[];
}

interface LoadPhase {
  readonly wallTimeMs: number;
  readonly events: number;
  readonly failed: number;
  readonly requests: number;
  readonly status429: number;
  readonly retriesLogged: number;
  readonly maxAttempts?: number;
  readonly slowestEventMs?: number;
  readonly rateLimitLowerBoundMs: number;
}

interface LoadResults {
  readonly generatedAt: string;
  readonly machine?: Machine;
  readonly resources: { users: number; groups: number; clients: number; usersWithLoginLink?: number };
  readonly concurrency: number;
  readonly rateLimit: { perSecond: number; burst: number };
  readonly deploy: LoadPhase;
  readonly delete: LoadPhase;
  readonly total: LoadPhase;
}

interface BadInputResults {
  readonly generatedAt?: string;
  readonly rows: BadInputRow[];
}

interface ExposureSummary {
  readonly suite: string;
  readonly responsesScanned: number;
  readonly logLinesScanned: number;
  readonly errorMessagesScanned?: number;
  readonly templatesScanned?: number;
  readonly secretValues: number;
  readonly hits: number;
  readonly hitLocations?: string[];
}

interface Machine {
  readonly cores: number;
  readonly node: string;
  readonly platform?: string;
}

function main(): void {
  const faults = readFaults();
  const load = readJson<LoadResults>('load.json');
  const badInput = readJson<BadInputResults>('bad-input.json');
  const exposure = readExposure();
  for (const [name, value] of Object.entries({ 'faults.json': faults, 'load.json': load, 'bad-input.json': badInput })) {
    if (!value) process.stderr.write(`reliability-report: ${path.join(RESULTS_DIR, name)} is missing; its section says so.\n`);
  }
  if (exposure.length === 0) process.stderr.write(`reliability-report: no exposure summaries in ${path.join(RESULTS_DIR, 'exposure')}.\n`);

  const lines = [
    ...header(load?.machine),
    ...summary(faults, load, badInput, exposure),
    ...faultSection(faults),
    ...loadSection(load),
    ...badInputSection(badInput),
    ...exposureSection(exposure, faults !== undefined),
    ...DRIFT,
    ...SECURITY_DEFAULTS,
  ];
  fs.mkdirSync(path.dirname(OUTPUT), { recursive: true });
  fs.writeFileSync(OUTPUT, `${lines.join('\n').replace(/\n{3,}/g, '\n\n').trim()}\n`);
  process.stdout.write(`reliability-report: wrote ${path.relative(ROOT, OUTPUT)}\n`);
}

// Reading

function readJson<T>(name: string): T | undefined {
  const file = path.join(RESULTS_DIR, name);
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) as T : undefined;
}

/** faults.json: a list of cases, or an object with `cases` (and totals, which are recomputed here). */
function readFaults(): FaultResults | undefined {
  const raw = readJson<FaultCase[] | FaultResults>('faults.json');
  if (!raw) return undefined;
  return Array.isArray(raw) ? { cases: raw } : { ...raw, cases: raw.cases ?? [] };
}

function readExposure(): ExposureSummary[] {
  const dir = path.join(RESULTS_DIR, 'exposure');
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((file) => file.endsWith('.json')).sort()
    .map((file) => JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as ExposureSummary);
}

// Sections

function header(machine: Machine | undefined): string[] {
  const facts = machine ?? { cores: os.cpus().length, node: process.version, platform: `${os.platform()} ${os.arch()}` };
  return [
    '# Reliability',
    '',
    `<!-- Generated by \`${COMMAND}\` (scripts/reliability-report.ts) from test-reports/reliability/. Do not edit: run the command again. -->`,
    '',
    `This page is generated by \`${COMMAND}\` from the results the reliability suites leave in \`test-reports/reliability/\`; `
      + 'no figure on it is typed by hand. To bring it up to date, run the suites, then the command:',
    '',
    '```sh',
    SUITES_COMMAND,
    COMMAND,
    '```',
    '',
    `Generated on ${today()}. Machine of the run: ${facts.cores} CPU cores, Node.js ${facts.node}${facts.platform ? `, ${facts.platform}` : ''}. `
      + 'Timings depend on that machine (and on whatever else it ran at the time); counts and outcomes do not.',
    '',
    'The build and the test command never write this file (CI fails when a build changes a tracked file): the suites write only `test-reports/`.',
    '',
  ];
}

function summary(
  faults: FaultResults | undefined,
  load: LoadResults | undefined,
  badInput: BadInputResults | undefined,
  exposure: ExposureSummary[],
): string[] {
  const rows: string[][] = [];
  if (faults) {
    const counts = countBy(faults.cases, (c) => c.outcome);
    rows.push(['Faults', `${faults.cases.length} cases: ${counts.success ?? 0} succeeded, ${counts['failed-clean'] ?? 0} failed cleanly, `
      + `${counts['known-limitation'] ?? 0} known limitation (an unstored one-time login token Pocket-ID cannot revoke), **${counts.violation ?? 0} violations**`]);
  } else {
    rows.push(['Faults', 'not run (no faults.json)']);
  }
  if (load) {
    const { resources: r, total } = load;
    rows.push(['Load', `${r.users + r.groups + r.clients} resources deployed and deleted by ${load.concurrency} concurrent invocations in ${seconds(total.wallTimeMs)}, `
      + `**${total.failed} failed**; ${total.requests} requests, **${total.status429} answers 429 absorbed**; the rate limit alone needs ${seconds(total.rateLimitLowerBoundMs)}`]);
  } else {
    rows.push(['Load', 'not run (no load.json)']);
  }
  if (badInput) {
    const all = badInput.rows;
    const asExpected = all.filter(behavedAsExpected).length;
    rows.push(['Bad input', `${all.length} rows: ${asExpected} as expected (caught where expected, naming the field; controls synthesize), `
      + `**${all.filter((row) => row.knownBug).length} known handler bugs**`]);
  } else {
    rows.push(['Bad input', 'not run (no bad-input.json)']);
  }
  const hits = sum(exposure, (e) => e.hits);
  rows.push(['Secret exposure', `**${hits} hits** in ${scannedTexts(exposure)} texts scanned across ${exposure.length} suites`]);
  return ['## Summary', '', ...table(['', 'figure'], rows), ''];
}

function faultSection(faults: FaultResults | undefined): string[] {
  const lines = ['## Faults', ''];
  if (!faults) return [...lines, 'No results: `test-reports/reliability/faults.json` is missing (run `npx jest test/reliability/faults.test.ts`).', ''];
  lines.push(
    'Each fault is injected at one step of one operation (at the Pocket-ID test server, or between the handler and Secrets Manager). '
    + 'After it, the operation either succeeds, or fails with a message that says what happened and what to do while Pocket-ID and Secrets '
    + 'Manager hold exactly what they held before (*failed-clean*); anything else is a *violation*.',
    '',
  );
  if (faults.generatedAt) lines.push(`Run of ${faults.generatedAt}${faults.runtimeMs ? `, ${seconds(faults.runtimeMs)}` : ''}.`, '');
  const outcomes: FaultOutcome[] = ['success', 'failed-clean', 'known-limitation', 'violation'];
  const counts = countBy(faults.cases, (c) => c.outcome);
  lines.push(...table(['outcome', 'cases'], [...outcomes.map((o) => [o, String(counts[o] ?? 0)]), ['**total**', `**${faults.cases.length}**`]]), '');
  lines.push('By resource and operation:', '');
  const groups = groupBy(faults.cases, (c) => `${c.resource}\u0000${c.operation}`);
  lines.push(...table(['resource', 'operation', ...outcomes], [...groups.entries()].map(([key, cases]) => {
    const [resource, operation] = key.split('\u0000');
    const byOutcome = countBy(cases, (c) => c.outcome);
    return [resource, operation, ...outcomes.map((o) => String(byOutcome[o] ?? 0))];
  })), '');
  lines.push('By fault:', '');
  const byFault = groupBy(faults.cases, (c) => c.fault);
  lines.push(...table(['fault', ...outcomes], [...byFault.entries()].map(([fault, cases]) => {
    const byOutcome = countBy(cases, (c) => c.outcome);
    return [fault, ...outcomes.map((o) => String(byOutcome[o] ?? 0))];
  })), '');
  const violations = faults.cases.filter((c) => c.outcome === 'violation');
  if (violations.length > 0) {
    lines.push('Violations:', '');
    lines.push(...table(['resource', 'operation', 'step', 'fault', 'what went wrong'], violations.map((c) =>
      [c.resource, c.operation, c.step, c.fault, c.violation ?? c.reason ?? ''])), '');
  }
  lines.push('<details><summary>Every case</summary>', '');
  lines.push(...table(['resource', 'operation', 'step', 'fault', 'outcome', 'ms', 'reason'], faults.cases.map((c) =>
    [c.resource, c.operation, c.step, c.fault, c.outcome, c.durationMs === undefined ? '' : String(c.durationMs), c.violation ?? c.reason ?? ''])), '', '</details>', '');
  return lines;
}

function loadSection(load: LoadResults | undefined): string[] {
  const lines = ['## Load', ''];
  if (!load) return [...lines, 'No results: `test-reports/reliability/load.json` is missing (run `npx jest test/reliability/load.test.ts`).', ''];
  const { resources: r, rateLimit } = load;
  lines.push(
    `A stack of ${r.users} users (${r.usersWithLoginLink ?? 0} with a one-time login link), ${r.groups} groups (about ${Math.round(r.users / r.groups)} members each) `
    + `and ${r.clients} clients (each allowing one or two groups) is deployed, then deleted, through the lifecycle harness: the bundled handler in `
    + `${load.concurrency} Lambda-like containers, each serving one event at a time, against the Pocket-ID test server enforcing Pocket-ID's default `
    + `rate limit (${rateLimit.perSecond} requests per second per client IP, bursts of ${rateLimit.burst}). Resources start as CloudFormation starts them: `
    + 'as soon as the resources they refer to are created (users, then groups, then clients), or the resources that refer to them are deleted. '
    + 'Each phase starts with a full rate-limit bucket, as a deployment after a quiet time does.',
    '',
    `The lower bound is what the rate limit alone imposes on any client: (requests beyond the burst) / ${rateLimit.perSecond} per second.`,
    '',
  );
  const phases: Array<[string, LoadPhase]> = [['deploy', load.deploy], ['delete', load.delete], ['**total**', load.total]];
  lines.push(...table(['phase', 'wall time', 'events', 'failed', 'requests', '429s absorbed', 'retries logged', 'rate-limit lower bound'],
    phases.map(([name, p]) => [name, seconds(p.wallTimeMs), String(p.events), String(p.failed), String(p.requests), String(p.status429), String(p.retriesLogged), seconds(p.rateLimitLowerBoundMs)])), '');
  const attempts = Math.max(load.deploy.maxAttempts ?? 1, load.delete.maxAttempts ?? 1);
  const slowest = Math.max(load.deploy.slowestEventMs ?? 0, load.delete.slowestEventMs ?? 0);
  lines.push(`No request needed more than ${attempts} attempts; the slowest single event took ${seconds(slowest)}. Run of ${load.generatedAt}.`, '');
  return lines;
}

function badInputSection(badInput: BadInputResults | undefined): string[] {
  const lines = ['## Bad input', ''];
  if (!badInput) return [...lines, 'No results: `test-reports/reliability/bad-input.json` is missing (run `npx jest test/reliability/bad-input.test.ts`).', ''];
  const rows = badInput.rows;
  const count = (predicate: (row: BadInputRow) => boolean) => rows.filter(predicate).length;
  const deployRows = rows.filter((row) => row.expected === 'deploy');
  lines.push(
    'Invalid props at synth time (through the constructs, with what jsii passes from JavaScript, Python, Java and Go), values that are tokens until '
    + 'deploy time, and raw CloudFormation properties sent to the bundled handler. Every row must be caught where expected with a message that names '
    + 'the field; at deploy, the handler must answer FAILED, keep its container alive and leave Pocket-ID and Secrets Manager unchanged.',
    '',
  );
  lines.push(...table(['', 'rows'], [
    ['expected at synth', String(count((row) => row.expected === 'synth'))],
    ['caught at synth, field named', String(count((row) => row.outcome === 'caught-at-synth' && row.messageNamesField))],
    ['expected at deploy (tokens and raw properties)', String(deployRows.length)],
    ['caught at deploy, field named', String(count((row) => row.outcome === 'caught-at-deploy' && row.messageNamesField))],
    ['controls (valid input that must synthesize)', String(count((row) => row.expected === 'accepted'))],
    ['deploy rows with Pocket-ID and Secrets Manager unchanged', `${count((row) => row.stateUnchanged === true)} of ${deployRows.length}`],
    ['deploy rows after which the same container was alive', `${count((row) => row.containerAlive === true)} of ${deployRows.length}`],
    ['handler crashes (a TypeError as the Reason)', String(count((row) => row.outcome === 'crashed'))],
    ['bad input accepted by the handler', String(count((row) => row.expected === 'deploy' && row.outcome === 'accepted'))],
    ['**known handler bugs**', `**${count((row) => Boolean(row.knownBug))}**`],
  ]), '');
  const bugs = rows.filter((row) => row.knownBug);
  if (bugs.length > 0) {
    lines.push('Known handler bugs (the suite runs these rows as `test.failing` until the handler is fixed):', '');
    lines.push(...table(['row', 'input', 'what happens'], bugs.map((row) => [row.id, `${row.subject}: ${row.input}`, row.knownBug!])), '');
  }
  lines.push('<details><summary>Every row</summary>', '');
  lines.push(...table(['row', 'subject', 'input', 'expected', 'outcome', 'requests', 'message'], rows.map((row) => [
    row.id, row.subject, row.input, row.expected, row.outcome, row.requestsSent === undefined ? '' : String(row.requestsSent), row.message ?? '',
  ])), '', '</details>', '');
  return lines;
}

function exposureSection(exposure: ExposureSummary[], faultsRan: boolean): string[] {
  const lines = [
    '## Secret exposure',
    '',
    'Each suite below that drives the handler scans every CloudFormation response, every log line at every level (and the container\'s stderr), and every '
    + 'error message it produced for every secret value the run saw: the API token, each client secret read back from Secrets Manager (every '
    + 'version of every secret the run made) or held by the test server, each one-time login token and link. The construct and example suites '
    + 'synthesize with sentinels in the environment (an API token in `POCKETID_API_TOKEN`, a client-secret-shaped value in `STATIC_API_KEY` and '
    + '`POCKETID_CLIENT_SECRET`) and scan every template and cloud assembly manifest they synthesize. A suite with a hit fails.',
    '',
  ];
  if (exposure.length === 0) return [...lines, 'No results: `test-reports/reliability/exposure/` is empty.', ''];
  if (faultsRan && !exposure.some((e) => e.suite.includes('faults'))) {
    lines.push('The fault suite (`test/reliability/faults.test.ts`) does not report to this scan yet: its steps are not counted here.', '');
  }
  const totals: ExposureSummary = {
    suite: '**total**',
    responsesScanned: sum(exposure, (e) => e.responsesScanned),
    logLinesScanned: sum(exposure, (e) => e.logLinesScanned),
    errorMessagesScanned: sum(exposure, (e) => e.errorMessagesScanned ?? 0),
    templatesScanned: sum(exposure, (e) => e.templatesScanned ?? 0),
    secretValues: sum(exposure, (e) => e.secretValues),
    hits: sum(exposure, (e) => e.hits),
  };
  lines.push(...table(['suite', 'responses', 'log lines', 'error messages', 'templates and manifests', 'secret values', 'hits'],
    [...exposure, totals].map((e) => [e.suite, String(e.responsesScanned), String(e.logLinesScanned), String(e.errorMessagesScanned ?? 0),
      String(e.templatesScanned ?? 0), String(e.secretValues), e.suite === totals.suite ? `**${e.hits}**` : String(e.hits)])), '');
  const located = exposure.flatMap((e) => (e.hitLocations ?? []).map((where) => [e.suite, where]));
  if (located.length > 0) lines.push('Hits:', '', ...table(['suite', 'where'], located), '');
  return lines;
}

// The prose: what the code does, kept next to the figures.

const DRIFT = [
  '## Drift: what is corrected, and when',
  '',
  'CloudFormation calls the handler only when a resource is created, when its properties change, and when it is deleted. A deploy that leaves a '
  + 'resource\'s properties as they were does not reach the handler, whatever happened to the entity in Pocket-ID since. So drift is corrected at '
  + '**the next deploy that changes that resource**, not at every deploy; to correct one entity now, change one of its properties (a description, say).',
  '',
  '| what changed in Pocket-ID\'s UI | at the next update of that resource |',
  '|---|---|',
  '| a client, user or group deleted | created again, with the declared settings (a client with a new generated id unless `clientId` is fixed, and a new '
  + 'secret written to its Secrets Manager secret; a user with a new login link if `loginLink` is set; a group with its declared members and claims). '
  + 'CloudFormation passes a new id on to the resources that refer to it (a group\'s members, a client\'s allowed groups), then sends a Delete for '
  + 'the old id, which is gone already and succeeds. |',
  '| a declared field changed (name, callback URLs, email, flags, ...) | reset to the declared value |',
  '| a declared field removed from the props | returned to Pocket-ID\'s default |',
  '| a field never declared (changed in the UI) | kept: updates read the entity, change the declared fields and write it back |',
  '| custom claims, when declared | the declared set replaces whatever the entity has; when never declared, untouched |',
  '| allowed groups of a client, when declared | rewritten to the declared list; when never declared, untouched |',
  '| members of a group, `GroupMembership.MERGE` (default) | declared members removed in the UI are added back; members added in the UI stay |',
  '| members of a group, `GroupMembership.EXCLUSIVE` | the declared members are the whole group again |',
  '',
  'Not corrected:',
  '',
  '- anything, at a deploy that does not change the resource (see above);',
  '- a client secret regenerated or revoked in the UI: the handler does not compare the secret stored in Secrets Manager with Pocket-ID\'s on update '
  + '(Pocket-ID shows only a prefix); the stored credentials stay as they are. Replacing the client (a new `clientId`) stores new ones;',
  '- a one-time login link that was used or expired: links are issued at creation, or when `loginLink` is added or its secret changes;',
  '- the memberships of a user deleted in the UI and created again with a fixed `userId`: its id does not change, so CloudFormation does not update '
  + 'the groups that list it, and it is back in them at their own next update (with a generated id, the new id updates them in the same deploy);',
  '- what a lookup (`fromUsername`, `fromGroupName`, `fromClientName`) found: it is resolved again only when its own properties change.',
  '',
  'Delete of an entity that is already gone succeeds: Pocket-ID\'s own not-found answer counts as deleted. A 404 that is not Pocket-ID\'s '
  + '(a proxy, a wrong base URL) fails the delete instead, so that a misconfigured stack never reports success for entities it did not remove. '
  + 'Users are retained by default (`RemovalPolicy.RETAIN`): deleting a user deletes the passkeys the person registered.',
  '',
];

const SECURITY_DEFAULTS = [
  '## Security defaults',
  '',
  '- **TLS verification is on** unless `skipTlsVerify` is set, and setting it prints a synth warning. A certificate that does not verify fails the '
  + 'request with a message that says so and names `skipTlsVerify` (tested against a self-signed HTTPS server in `test/lambda/http-client.test.ts`).',
  '- **The API key never reaches a template.** It stays in Secrets Manager; the template carries the secret\'s ARN, the handler reads the value at run '
  + 'time. A key in `POCKETID_API_TOKEN` is never copied: synth fails when it is the only source and says how to store it.',
  '- **Client secrets and login links only live in Secrets Manager**, in secrets the stack owns: never in resource properties, response `Data`, '
  + 'CloudFormation responses, stack events or logs (the secret-exposure figure above). Logs are JSON lines without headers or bodies, and every '
  + 'secret value the handler has seen is masked in every line and error message as a second line of defence.',
  '- **Least-privilege IAM**, asserted in `test/lib/pocket-id.test.ts`: the handler\'s role may write only its own log group, read only the API-key '
  + 'secrets of the instances its stack uses, and read and write (`GetSecretValue`, `PutSecretValue`) only the secrets its stack owns; no managed policy.',
  '- **cdk-nag AwsSolutions passes** on the example stack (`test/examples/web-app.test.ts`), with acknowledgements that each carry their reason '
  + 'in the code: `AwsSolutions-SMG4` on client secrets and login-link secrets (Pocket-ID, not Secrets Manager, generates them), '
  + '`AwsSolutions-IAM5[Resource::<handler>.Arn:*]` on the Provider framework\'s role, `AwsSolutions-L1` on the framework\'s function, and '
  + '`AwsSolutions-IAM5[Resource::*]` on the handler role only with a VPC.',
  '- **Nothing half-made, by design**: a create that fails halfway removes what it made before it reports the failure; the fault figures above '
  + 'count the cases where that does not hold (violations).',
  '- **Users are retained** when they leave the stack unless `removalPolicy` says otherwise, and every synth warns about each user the stack would delete.',
  '',
];

// Helpers

function behavedAsExpected(row: BadInputRow): boolean {
  if (row.expected === 'accepted') return row.outcome === 'accepted';
  return row.outcome === `caught-at-${row.expected}` && row.messageNamesField && row.stateUnchanged !== false && row.containerAlive !== false;
}

function table(head: string[], rows: string[][]): string[] {
  const cell = (text: string | null | undefined) => String(text ?? '').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
  return [`| ${head.map(cell).join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`)];
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...groups.get(key(item)) ?? [], item]);
  return groups;
}

function sum<T>(items: readonly T[], value: (item: T) => number): number {
  return items.reduce((total, item) => total + value(item), 0);
}

function scannedTexts(exposure: ExposureSummary[]): number {
  return sum(exposure, (e) => e.responsesScanned + e.logLinesScanned + (e.errorMessagesScanned ?? 0) + (e.templatesScanned ?? 0));
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function today(): string {
  return new Date().toISOString().slice(0, 10);
}

main();
