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

/**
 * A structured JSON logger. Every line goes through `scrub` before it is written, so a secret that
 * reached a message by mistake is masked there too (the callers already never log secrets).
 */
export function createLogger(
  level: string | undefined,
  scrub: (text: string) => string,
  context: LogFields = {},
  sink: LineSink = writeToStdout,
): Logger {
  const threshold = LOG_LEVELS.indexOf(parseLevel(level));
  const write = (lineLevel: LogLevelName, message: string, fields: LogFields = {}) => {
    if (LOG_LEVELS.indexOf(lineLevel) < threshold) return;
    const line = JSON.stringify({ level: lineLevel, message, ...context, ...fields });
    sink(scrub(line));
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
