/**
 * Runs Turnout as `npm start` does (scripts/start.mjs: api and router as real
 * processes from the built entry points) against a database of the test's own.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ROUTER_HEARTBEATS_QUEUE } from '@turnout/messaging';
import { waitFor } from './wait-for';

export interface RunningTurnout {
  baseUrl: string;
  output(): string;
  stop(): Promise<void>;
}

const ROOT = join(__dirname, '..', '..');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** One of Turnout's processes on its own (`node scripts/run.mjs api|router`), to be stopped or killed apart from the other. */
export interface TurnoutProcess {
  /** The api's address (the router serves no HTTP). */
  baseUrl: string;
  output(): string;
  /** Sends `signal` (SIGKILL: as a crash would end it) and waits for the process to end. */
  kill(signal: NodeJS.Signals): Promise<void>;
  stop(): Promise<void>;
}

/** What each process prints once it is ready, as `npm start` runs them. */
const READY_LINES = {
  api: ['api listening on'],
  router: ['router started', `consuming ${ROUTER_HEARTBEATS_QUEUE}`],
};

async function startProcess(script: string[], env: Record<string, string>, readyLines: string[], label: string): Promise<TurnoutProcess> {
  const port = await freePort();
  let output = '';
  const child: ChildProcess = spawn(process.execPath, script, {
    env: { ...process.env, LOG_LEVEL: 'log', NO_COLOR: '1', ROUTER_METRICS_PORT: '0', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const running = () => child.exitCode === null && child.signalCode === null;
  const started: TurnoutProcess = {
    baseUrl: `http://127.0.0.1:${port}`,
    output: () => output,
    async kill(signal) {
      if (running()) child.kill(signal);
      await exited;
    },
    stop: () => started.kill('SIGTERM'),
  };
  try {
    await waitFor(
      `${label} to start`,
      () => {
        if (child.exitCode !== null) throw new Error(`${label} exited with ${child.exitCode}:\n${output}`);
        return readyLines.every((line) => output.includes(line));
      },
      { timeoutMs: 30_000 },
    );
  } catch (error) {
    await started.stop();
    throw new Error(`${(error as Error).message}\n--- ${label} output ---\n${output}`);
  }
  return started;
}

/** The api or the router alone, from its built entry point, as scripts/start.mjs starts each. */
export function startTurnoutProcess(name: 'api' | 'router', env: Record<string, string>): Promise<TurnoutProcess> {
  return startProcess([join(ROOT, 'scripts/run.mjs'), name], env, READY_LINES[name], name);
}

export async function startTurnout(env: Record<string, string>): Promise<RunningTurnout> {
  const { baseUrl, output, stop } = await startProcess([join(ROOT, 'scripts/start.mjs')], env, [...READY_LINES.api, ...READY_LINES.router], 'Turnout');
  return { baseUrl, output, stop };
}
