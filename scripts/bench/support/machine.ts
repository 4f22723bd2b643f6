import * as fs from 'fs';
import * as os from 'os';

/** What the figures were measured on: they mean little without it. */
export interface MachineFacts {
  readonly cores: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly nodeVersion: string;
  readonly os: string;
  readonly date: string;
  /** 1-minute load average when the run started: other work on the machine makes every figure noisier. */
  readonly loadAverage: number;
}

export function machineFacts(): MachineFacts {
  return {
    cores: os.cpus().length,
    cpuModel: cpuModelFromProcCpuinfo() ?? os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    nodeVersion: process.version,
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    loadAverage: Math.round(os.loadavg()[0] * 100) / 100,
  };
}

function cpuModelFromProcCpuinfo(): string | undefined {
  try {
    const text = fs.readFileSync('/proc/cpuinfo', 'utf8');
    return /^model name\s*:\s*(.+)$/m.exec(text)?.[1]?.trim();
  } catch {
    return undefined;
  }
}
