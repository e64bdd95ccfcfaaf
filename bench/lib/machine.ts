/** What the numbers were measured on: machine, runtime and the exact kjob commit. */
import { execFileSync } from 'node:child_process';
import os from 'node:os';

export interface MachineInfo {
  nproc: number;
  cpuModel: string;
  memoryGb: number;
  loadAverageAtStart: number[];
  kernel: string;
  node: string;
  gitCommit: string | null;
  gitBranch: string | null;
  /** Uncommitted changes in the kjob checkout at the time of the run. */
  gitDirty: boolean | null;
  temporalCli: string | null;
}

function run(cmd: string, args: string[], cwd: string): string | null {
  try {
    return execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return null;
  }
}

export function machineInfo(kjobDir: string): MachineInfo {
  const status = run('git', ['status', '--porcelain'], kjobDir);
  const cli = process.env.TEMPORAL_CLI_PATH;
  return {
    nproc: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    loadAverageAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    gitCommit: run('git', ['rev-parse', 'HEAD'], kjobDir),
    gitBranch: run('git', ['rev-parse', '--abbrev-ref', 'HEAD'], kjobDir),
    gitDirty: status === null ? null : status.length > 0,
    temporalCli: cli ? run(cli, ['--version'], kjobDir) : null,
  };
}
