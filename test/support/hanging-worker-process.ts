/**
 * A worker pool in a process of its own, to be killed hard: a TaskWorker of the
 * built SDK (dist/node_modules/@turnout/worker, so `npm run build` comes first)
 * whose handler never finishes. It sends heartbeats and holds what it takes
 * until SIGKILL ends it with no last "gone" heartbeat, the way a laptop that is
 * closed or a pod that is evicted goes: presence learns it only by silence.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { waitFor } from './wait-for';

const DIST = join(__dirname, '..', '..', 'dist');

/** Run by `node -e` in DIST, where `@turnout/worker` resolves to the built SDK. */
const WORKER_SCRIPT = `
const { TaskWorker } = require('@turnout/worker');
const options = JSON.parse(process.env.HANGING_WORKER_OPTIONS);
const worker = new TaskWorker({
  ...options,
  execute: (task) => {
    console.log('took ' + task.taskId);
    return new Promise(() => undefined);
  },
  log: (line) => console.log(line),
});
worker.start().then(
  () => console.log('started ' + worker.workerId),
  (error) => {
    console.error('could not start: ' + error.message);
    process.exit(1);
  },
);
`;

export interface HangingWorkerOptions {
  amqpUrl: string;
  taskType: string;
  domain: string | null;
  workerId: string;
  heartbeatIntervalMs: number;
  concurrency?: number;
}

export interface HangingWorkerProcess {
  readonly workerId: string;
  /** Ids of the tasks it took, in order. */
  taken(): string[];
  output(): string;
  /** SIGKILL, then waits for the end. */
  kill(): Promise<void>;
}

export async function startHangingWorkerProcess(options: HangingWorkerOptions): Promise<HangingWorkerProcess> {
  let output = '';
  const child: ChildProcess = spawn(process.execPath, ['-e', WORKER_SCRIPT], {
    cwd: DIST,
    env: { ...process.env, HANGING_WORKER_OPTIONS: JSON.stringify(options) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const running = () => child.exitCode === null && child.signalCode === null;
  const worker: HangingWorkerProcess = {
    workerId: options.workerId,
    taken: () => [...output.matchAll(/^took (\S+)$/gm)].map((match) => match[1]),
    output: () => output,
    async kill() {
      if (running()) child.kill('SIGKILL');
      await exited;
    },
  };
  try {
    await waitFor(`the worker process for ${options.taskType}@${options.domain ?? '(no domain)'} to start`, () => {
      if (!running()) throw new Error(`it exited:\n${output}`);
      return output.includes(`started ${options.workerId}`);
    });
  } catch (error) {
    await worker.kill();
    throw new Error(`${(error as Error).message}\n--- worker process output ---\n${output}`);
  }
  return worker;
}
