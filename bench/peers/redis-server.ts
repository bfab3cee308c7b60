/**
 * BullMQ's store: a redis-server of the benchmark's own on a spare port (a
 * redis on 6379 is not ours to load or flush), durable the way a production
 * queue is commonly run: the append-only file, fsynced every second, no RDB
 * snapshots, in a directory of its own that goes when it stops.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RESULTS_DIRECTORY } from '../bench-environment';

const REDIS_SERVER = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';

export interface RedisServer {
  port: number;
  pid: number;
  /** As the server states it at start ("Redis version=7.0.15"). */
  version: string;
  stop(): Promise<void>;
}

/** A port nothing listens on now: the kernel picks one, and we let it go for redis to take. */
function sparePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export async function startRedisServer(): Promise<RedisServer> {
  const port = await sparePort();
  const directory = mkdtempSync(join(tmpdir(), 'turnout-bench-redis-'));
  const child: ChildProcess = spawn(
    REDIS_SERVER,
    ['--port', String(port), '--bind', '127.0.0.1', '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '', '--dir', directory, '--daemonize', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  mkdirSync(RESULTS_DIRECTORY, { recursive: true });
  const log = createWriteStream(join(RESULTS_DIRECTORY, 'redis.log'));
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const startLog = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code} before it was ready:\n${output}`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) resolve(output);
    });
  }).catch((error: unknown) => {
    rmSync(directory, { recursive: true, force: true });
    throw error;
  });
  child.removeAllListeners('exit');
  return {
    port,
    pid: child.pid!,
    version: /Redis version=([\w.]+)/.exec(startLog)?.[1] ?? 'unknown',
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
