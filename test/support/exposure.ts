import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { Step } from './cloudformation';

/** Where each suite writes its summary; `scripts/reliability-report.ts` adds them up. */
export const EXPOSURE_REPORT_DIR = path.join(__dirname, '..', '..', 'test-reports', 'reliability', 'exposure');

/**
 * Shorter values are not looked for: Pocket-ID's shortest secret, a login token for a link of 15 minutes
 * or less, has 6 characters; anything shorter would match ordinary text by chance.
 */
const MIN_SECRET_LENGTH = 6;

export type ExposureSource = 'response' | 'log' | 'framework-log' | 'error' | 'template';

/** What one suite scanned and found. Values are counted, never written. */
export interface ExposureSummary {
  readonly suite: string;
  /** CloudFormation responses (the body the Provider framework would upload). */
  readonly responsesScanned: number;
  /** Lines the handler wrote (every level) and what its container wrote to stderr. */
  readonly logLinesScanned: number;
  /** Lines the Provider framework wrote to its own log group (the event, the handler's answer, the response). */
  readonly frameworkLogLinesScanned: number;
  /** Error messages: the Reason of each FAILED response, and synth-time errors. */
  readonly errorMessagesScanned: number;
  /** Distinct synthesized templates and cloud assembly manifests. */
  readonly templatesScanned: number;
  /** Distinct secret values looked for. */
  readonly secretValues: number;
  /** (text, secret value) pairs where the value was found. Must be 0. */
  readonly hits: number;
  /** Where each hit was: the kind of text and the step or template, never the value. */
  readonly hitLocations: string[];
}

interface ScannedText {
  readonly source: ExposureSource;
  readonly where: string;
  readonly text: string;
}

/**
 * The forms a secret value can take in a text that carries it: as it is, JSON-escaped, base64
 * (standard and URL-safe, each with and without padding) and URL-encoded (encodeURIComponent).
 */
export function encodedForms(value: string): string[] {
  const base64 = Buffer.from(value, 'utf8').toString('base64');
  const base64Url = base64.replace(/\+/g, '-').replace(/\//g, '_');
  const unpadded = (text: string) => text.replace(/=+$/, '');
  return [...new Set([value, jsonEscaped(value), base64, unpadded(base64), base64Url, unpadded(base64Url), encodeURIComponent(value)])];
}

/** Whether the text shows the value in any of its forms. */
export function showsSecret(text: string, value: string): boolean {
  return encodedForms(value).some((form) => text.includes(form));
}

/** Whether the text shows any of the values in any of its forms (one read of the text, however many values). */
export function showsAnySecret(text: string, values: Iterable<string>): boolean {
  const index = new SecretIndex();
  for (const value of values) index.add(value);
  return index.shownIn(text).size > 0;
}

/**
 * Every form of many secret values, indexed by its first characters, so that a text is read once
 * whatever the number of values: a fault run learns hundreds of them and keeps tens of thousands of texts.
 */
export class SecretIndex {
  private readonly formsByPrefix = new Map<string, Array<{ form: string; valueNumber: number }>>();
  private count = 0;

  /** How many values were added (too short ones included: they are numbered, never looked for). */
  public get size(): number {
    return this.count;
  }

  public add(value: string): void {
    const valueNumber = ++this.count;
    if (value.length < MIN_SECRET_LENGTH) return;
    for (const form of encodedForms(value)) {
      const prefix = form.slice(0, MIN_SECRET_LENGTH);
      this.formsByPrefix.set(prefix, [...this.formsByPrefix.get(prefix) ?? [], { form, valueNumber }]);
    }
  }

  /** The numbers (from 1, in the order added) of the values the text shows. */
  public shownIn(text: string): Set<number> {
    const shown = new Set<number>();
    for (let at = 0; at + MIN_SECRET_LENGTH <= text.length; at++) {
      for (const candidate of this.formsByPrefix.get(text.substr(at, MIN_SECRET_LENGTH)) ?? []) {
        if (text.startsWith(candidate.form, at)) shown.add(candidate.valueNumber);
      }
    }
    return shown;
  }
}

/**
 * Looks for every secret value a suite has seen (API tokens, client secrets, login tokens and links,
 * sentinels), in each of its encoded forms, in every text that leaves the code under test: responses,
 * the handler's log lines and its container's stderr, the Provider framework's log lines, error
 * messages and templates. Texts are kept, so that a value learned after a step (a secret read back
 * from Secrets Manager at the end) is still looked for in every earlier step.
 */
export class ExposureScan {
  /** The values looked for. Suites add to it directly (`acceptance.secretValues.add(value)`). */
  public readonly values = new Set<string>();
  private readonly kept: ScannedText[] = [];
  private readonly counts: Record<ExposureSource, number> = { 'response': 0, 'log': 0, 'framework-log': 0, 'error': 0, 'template': 0 };
  private readonly seenDigests = new Set<string>();
  private readonly hitKeys = new Set<string>();
  private readonly hitLocations: string[] = [];
  private steps = 0;
  private readonly index = new SecretIndex();

  public addSecret(value: unknown): void {
    if (typeof value === 'string' && value.length >= MIN_SECRET_LENGTH) this.values.add(value);
  }

  /** Scans a text now and keeps it for the final scan. */
  public record(source: ExposureSource, where: string, text: string): void {
    this.counts[source]++;
    const index = this.kept.push({ source, where, text }) - 1;
    this.scan(index, this.kept[index]);
  }

  /**
   * Records what one CloudFormation step let out: the response body, each log line, the Reason. Pass it
   * as a CloudFormationSimulator's observer to scan every step: `new CloudFormationSimulator(container,
   * type, (step) => scan.recordStep(step))`.
   */
  public recordStep(step: Step): void {
    const where = `step ${++this.steps} (${step.event.RequestType} ${step.event.LogicalResourceId})`;
    this.record('response', where, step.responseBody);
    for (const line of step.logs) this.record('log', where, line);
    for (const line of step.frameworkLogs) this.record('framework-log', where, line);
    if (step.response.Reason !== undefined) this.record('error', where, step.response.Reason);
  }

  /** Records every line a container wrote to stderr (LambdaContainer.errorOutput); call it before the container stops. */
  public recordErrorOutput(where: string, output: string): void {
    for (const line of output.split('\n').filter((l) => l.trim() !== '')) this.record('log', `${where} (stderr)`, line);
  }

  /**
   * Scans a text now, once per distinct content, without keeping it: for large texts (templates)
   * whose values to look for are all known before the scan (sentinels).
   */
  public recordOnce(source: ExposureSource, where: string, text: string): void {
    const digest = createHash('sha256').update(text).digest('hex');
    if (this.seenDigests.has(digest)) return;
    this.seenDigests.add(digest);
    this.counts[source]++;
    this.scan(`${source}:${digest}`, { source, where, text });
  }

  /** Scans every kept text again, with every value known by now; returns the summary. */
  public summary(suite: string): ExposureSummary {
    this.kept.forEach((text, index) => this.scan(index, text));
    return {
      suite,
      responsesScanned: this.counts.response,
      logLinesScanned: this.counts.log,
      frameworkLogLinesScanned: this.counts['framework-log'],
      errorMessagesScanned: this.counts.error,
      templatesScanned: this.counts.template,
      secretValues: [...this.values].filter((value) => value.length >= MIN_SECRET_LENGTH).length,
      hits: this.hitKeys.size,
      hitLocations: [...this.hitLocations],
    };
  }

  /**
   * Writes the summary to test-reports/reliability/exposure/<suite>.json and fails when anything was
   * found; the error names where, never what.
   */
  public finish(suite: string = suiteOfThisRun()): ExposureSummary {
    const summary = this.summary(suite);
    fs.mkdirSync(EXPOSURE_REPORT_DIR, { recursive: true });
    fs.writeFileSync(path.join(EXPOSURE_REPORT_DIR, `${suite}.json`), `${JSON.stringify(summary, null, 2)}\n`);
    if (summary.hits > 0) {
      throw new Error(`secret exposure in ${suite}: ${summary.hits} secret value(s) found in: ${summary.hitLocations.slice(0, 20).join('; ')}`);
    }
    return summary;
  }

  private scan(key: number | string, text: ScannedText): void {
    for (const valueNumber of this.valuesShownIn(text.text)) {
      const hitKey = `${key}#${valueNumber}`;
      if (this.hitKeys.has(hitKey)) continue;
      this.hitKeys.add(hitKey);
      this.hitLocations.push(`${text.source} of ${text.where} (secret value #${valueNumber})`);
    }
  }

  /** The numbers (from 1, in the order learned) of the values the text shows in any form. */
  private valuesShownIn(text: string): Set<number> {
    // Values only ever get added (suites add to `values` directly): index the ones added since the last scan.
    const values = [...this.values].slice(this.index.size);
    for (const value of values) this.index.add(value);
    return this.index.shownIn(text);
  }

}

/** The running test file as a file name: test/acceptance/user.test.ts is `acceptance-user`. */
/** The suite's name, and the release the test server plays when a run of the acceptance matrix chose it: each run keeps its own summary. */
function suiteOfThisRun(): string {
  const release = process.env.POCKETID_TEST_SERVER_VERSION;
  return release ? `${currentSuiteName()}-pocket-id-${release}` : currentSuiteName();
}

export function currentSuiteName(): string {
  const testPath = expect.getState().testPath ?? 'unknown.test.ts';
  const relative = path.relative(path.join(__dirname, '..'), testPath);
  return relative.replace(/\.test\.ts$/, '').split(path.sep).join('-');
}

function jsonEscaped(value: string): string {
  return JSON.stringify(value).slice(1, -1);
}
