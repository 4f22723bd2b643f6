import { ApiResponse } from './http';

export interface FaultSpec {
  method?: string;
  /** A string must equal the request path (without query); a RegExp is tested against it. */
  path: RegExp | string;
  /** How many matching requests it affects (default 1). */
  times?: number;
  /**
   * Matching requests that pass untouched before the fault applies (default 0). Each fault counts the
   * matching requests itself, so that two faults on one path can aim at two different occurrences.
   */
  skip?: number;
  status?: number;
  body?: string;
  headers?: Record<string, string>;
  delayMs?: number;
  resetConnection?: boolean;
  truncateBody?: boolean;
  /** Run the real handler first (state changes!), then answer with the fault: "processed, but the response was lost". */
  afterHandling?: boolean;
  /**
   * Answer as the real handler does, but with every empty JSON list as `null`, as Go serializes a nil
   * slice. A real 2.14.0 sends `[]` on every path checked (see server.test.ts); older releases and
   * other paths may not, so the handler must take `null` for `[]` everywhere.
   */
  emptyListsAsNull?: boolean;
}

interface ArmedFault {
  readonly spec: FaultSpec;
  skip: number;
  remaining: number;
}

export class FaultInjector {
  private faults: ArmedFault[] = [];

  add(spec: FaultSpec): void {
    this.faults.push({ spec, skip: spec.skip ?? 0, remaining: spec.times ?? 1 });
  }

  clear(): void {
    this.faults = [];
  }

  /** The first armed fault matching the request that has no skips left, consuming one of its uses; every other matching fault counts down a skip. */
  take(method: string, path: string): FaultSpec | undefined {
    let chosen: ArmedFault | undefined;
    for (const fault of this.faults) {
      if (fault.remaining <= 0 || !matches(fault.spec, method, path)) continue;
      if (fault.skip > 0) fault.skip -= 1;
      else chosen ??= fault;
    }
    if (chosen) chosen.remaining -= 1;
    return chosen?.spec;
  }
}

function matches(spec: FaultSpec, method: string, path: string): boolean {
  if (spec.method !== undefined && spec.method.toUpperCase() !== method.toUpperCase()) return false;
  return typeof spec.path === 'string' ? spec.path === path : new RegExp(spec.path.source, spec.path.flags.replace('g', '')).test(path);
}

/** Without afterHandling, a fault that sets a status or drops the connection replaces the handler entirely. */
export function replacesHandler(spec: FaultSpec): boolean {
  return !spec.afterHandling && (spec.status !== undefined || spec.resetConnection === true);
}

/** The response a fault sends instead of (or on top of) the real one. */
export function faultResponse(spec: FaultSpec, real: ApiResponse | undefined): ApiResponse {
  if (spec.status === undefined && real) {
    const body = spec.emptyListsAsNull ? withEmptyListsAsNull(real.body) : real.body;
    return { ...real, headers: { ...real.headers, ...spec.headers }, body };
  }
  const body = Buffer.from(spec.body ?? '');
  const headers: Record<string, string> = { ...(spec.body !== undefined && spec.body !== '' ? { 'Content-Type': guessContentType(spec.body) } : {}), ...spec.headers };
  return { status: spec.status ?? 500, headers, body };
}

function withEmptyListsAsNull(body: Buffer): Buffer {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return body;
  }
  const nullify = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.length === 0 ? null : value.map(nullify);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, nullify(v)]));
    return value;
  };
  return Buffer.from(JSON.stringify(nullify(parsed)));
}

function guessContentType(body: string): string {
  try {
    JSON.parse(body);
    return 'application/json; charset=utf-8';
  } catch {
    return 'text/plain; charset=utf-8';
  }
}
