/**
 * Runs Turnout as `npm start` does (scripts/start.mjs: api and router as real
 * processes from the built entry points) against a database of the test's own.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
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

export async function startTurnout(env: Record<string, string>): Promise<RunningTurnout> {
  const port = await freePort();
  let output = '';
  const child: ChildProcess = spawn(process.execPath, [join(ROOT, 'scripts/start.mjs')], {
    env: { ...process.env, LOG_LEVEL: 'log', NO_COLOR: '1', ROUTER_METRICS_PORT: '0', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const running: RunningTurnout = {
    baseUrl: `http://127.0.0.1:${port}`,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
  try {
    await waitFor(
      'api and router to start',
      () => {
        if (child.exitCode !== null) throw new Error(`Turnout exited with ${child.exitCode}:\n${output}`);
        return output.includes('api listening on') && output.includes('router started') && output.includes('consuming turnout.router.heartbeats');
      },
      { timeoutMs: 30_000 },
    );
  } catch (error) {
    await running.stop();
    throw new Error(`${(error as Error).message}\n--- Turnout output ---\n${output}`);
  }
  return running;
}
