import { ChildProcess, spawn, SpawnOptions } from 'child_process';

/**
 * Every process the benchmark starts is registered here, so that an interrupted run (Ctrl-C, an
 * error) still ends them all: no moto server or Node.js child outlives the benchmark.
 */
const live = new Set<ChildProcess>();
const stoppers = new Set<() => Promise<void> | void>();

export function track<T extends ChildProcess>(child: T): T {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** Registers something to stop at the end (a server, a container); returns a function that unregisters it. */
export function onCleanup(stop: () => Promise<void> | void): () => void {
  stoppers.add(stop);
  return () => stoppers.delete(stop);
}

/** Stops every registered thing, then kills every child still alive. */
export async function cleanupAll(): Promise<void> {
  const pending = [...stoppers];
  stoppers.clear();
  await Promise.allSettled(pending.map(async (stop) => stop()));
  killAllNow();
}

/** Synchronous last resort (process 'exit'): signals every live child. */
export function killAllNow(): void {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  live.clear();
}

export interface ChildRun<T> {
  /** The JSON the child wrote to file descriptor 3. */
  readonly result: T;
  /** From spawn to exit, measured by the parent. */
  readonly wallMs: number;
}

/**
 * Runs a Node.js program in a fresh process and returns the JSON it writes to file descriptor 3
 * (stdout is the program's own, e.g. handler logs, and is discarded).
 */
export function runNodeChild<T>(args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {}): Promise<ChildRun<T>> {
  const spawnOptions: SpawnOptions = { stdio: ['ignore', 'ignore', 'pipe', 'pipe'], env: options.env ?? process.env, cwd: options.cwd };
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = track(spawn(process.execPath, args, spawnOptions));
    let output = '';
    let stderr = '';
    child.stdio[3]!.on('data', (chunk) => { output += chunk.toString(); });
    child.stderr!.on('data', (chunk) => { stderr += chunk.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0 || output.trim() === '') {
        reject(new Error(`child ${args.join(' ').slice(0, 200)} ended with ${signal ?? code}: ${stderr.slice(-2000)}`));
        return;
      }
      try {
        resolve({ result: JSON.parse(output) as T, wallMs });
      } catch (error) {
        reject(new Error(`child wrote no JSON result: ${output.slice(0, 200)} ${stderr.slice(-1000)}`));
      }
    });
  });
}
