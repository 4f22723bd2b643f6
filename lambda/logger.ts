import { LOG_LEVELS, LogLevelName } from '../lib/contract';

/** Fields of one log line. Callers pass ids, paths, statuses and durations: never a header or a body. */
export type LogFields = Record<string, string | number | boolean | undefined>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** Whether lines of this level are written. */
  enabled(level: LogLevelName): boolean;
}

/** Writes one JSON object per line. */
export type LineSink = (line: string) => void;

/** Longest string field a log line carries: longer ones (error messages) are cut, after they were scrubbed. */
const MAX_FIELD_LENGTH = 300;

/**
 * A structured JSON logger. Every string field, and then the whole line, goes through `scrub` before
 * it is written, so a secret that reached a message by mistake is masked there too (the callers
 * already never log secrets). A long field is cut only after it was scrubbed: a cut could leave part
 * of a secret that the scrub would no longer recognise.
 */
export function createLogger(
  level: string | undefined,
  scrub: (text: string) => string,
  context: LogFields = {},
  sink: LineSink = writeToStdout,
): Logger {
  const threshold = LOG_LEVELS.indexOf(parseLevel(level));
  const scrubField = (value: LogFields[string]) => (typeof value === 'string' ? scrub(value).slice(0, MAX_FIELD_LENGTH) : value);
  const write = (lineLevel: LogLevelName, message: string, fields: LogFields = {}) => {
    if (LOG_LEVELS.indexOf(lineLevel) < threshold) return;
    const scrubbed = Object.fromEntries(Object.entries({ ...context, ...fields }).map(([key, value]) => [key, scrubField(value)]));
    sink(scrub(JSON.stringify({ level: lineLevel, message: scrub(message), ...scrubbed })));
  };
  return {
    debug: (message, fields) => write('debug', message, fields),
    info: (message, fields) => write('info', message, fields),
    warn: (message, fields) => write('warn', message, fields),
    error: (message, fields) => write('error', message, fields),
    enabled: (lineLevel) => LOG_LEVELS.indexOf(lineLevel) >= threshold,
  };
}

export function parseLevel(level: string | undefined): LogLevelName {
  const normalized = (level ?? 'info').toLowerCase();
  return (LOG_LEVELS as readonly string[]).includes(normalized) ? normalized as LogLevelName : 'info';
}

function writeToStdout(line: string): void {
  process.stdout.write(`${line}\n`);
}
