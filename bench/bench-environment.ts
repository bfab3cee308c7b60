/**
 * What a benchmark run stands on: a fresh database and RabbitMQ vhost of its
 * own, and Turnout's api and router as processes started from the built entry
 * points, with the router's resident memory sampled throughout.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..', '..');
/** Where the figures and each process's log go (not committed). */
export const RESULTS_DIRECTORY = join(ROOT, 'bench', 'results');
/** The PostgreSQL the benchmark's databases are made in. */
export const POSTGRES_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface BenchEnvironment {
  databaseUrl: string;
  amqpUrl: string;
  apiUrl: string;
  /** The api's and the router's process ids, for their CPU time. */
  pids: { api: number; router: number };
  routerMaxRssMb(): number;
  routerRssMb(): number;
  stop(): Promise<void>;
}

/** A new empty database `name` beside `baseUrl`'s (one left by an earlier run is dropped); its URL. */
export async function freshDatabase(baseUrl: string, name: string): Promise<string> {
  await dropDatabase(baseUrl, name);
  const admin = new Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  await admin.end();
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropDatabase(baseUrl: string, name: string): Promise<void> {
  const admin = new Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`drop database if exists "${name}" with (force)`);
  } finally {
    await admin.end();
  }
}

async function freshVhost(baseUrl: string, vhost: string): Promise<string> {
  try {
    await run('rabbitmqctl', ['-q', 'delete_vhost', vhost]).catch(() => undefined);
    await run('rabbitmqctl', ['-q', 'add_vhost', vhost]);
    await run('rabbitmqctl', ['-q', 'set_permissions', '-p', vhost, new URL(baseUrl).username || 'guest', '.*', '.*', '.*']);
  } catch {
    console.warn(`rabbitmqctl unavailable: the benchmark shares the vhost of ${baseUrl}`);
    return baseUrl;
  }
  const url = new URL(baseUrl);
  url.pathname = `/${vhost}`;
  return url.toString();
}

function rssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return kb / 1024;
  } catch {
    return 0;
  }
}

/** `node scripts/run.mjs <name>`: the one place that names the built entry points. */
function runArguments(name: 'api' | 'router' | 'migrate'): string[] {
  return [join(ROOT, 'scripts', 'run.mjs'), name];
}

function startProcess(name: 'api' | 'router', env: NodeJS.ProcessEnv, readyLine: string): Promise<ChildProcess> {
  // BENCH_PROFILE=/some/dir writes a V8 CPU profile of each process there, to find where the time goes.
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`, `--cpu-prof-name=${name}.cpuprofile`] : [];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...profile, ...runArguments(name)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    // Each process's log goes to bench/results/<name>.log, for a run that goes wrong.
    mkdirSync(RESULTS_DIRECTORY, { recursive: true });
    const log = createWriteStream(join(RESULTS_DIRECTORY, `${name}.log`));
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(readyLine)) resolve(child);
      if (output.length > 100_000) output = output.slice(-10_000);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      process.stderr.write(`[${name}] ${chunk}`);
    });
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code} before it was ready:\n${output}`)));
  });
}

export async function startBenchEnvironment(): Promise<BenchEnvironment> {
  const databaseUrl = await freshDatabase(POSTGRES_URL, 'turnout_bench');
  const amqpUrl = await freshVhost(process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672', 'turnout_bench');
  const port = 18_500 + Math.floor(Math.random() * 1000);
  const env = { ...process.env, DATABASE_URL: databaseUrl, AMQP_URL: amqpUrl, PORT: String(port), LOG_LEVEL: 'warn', NO_COLOR: '1', ROUTER_METRICS_PORT: '0' };
  // Migrate once before both start, so neither waits on the other's lock.
  await run(process.execPath, runArguments('migrate'), { env });
  const router = await startProcess('router', { ...env, LOG_LEVEL: 'log' }, 'router started');
  const api = await startProcess('api', { ...env, LOG_LEVEL: 'log' }, 'api listening on');
  let maxRss = rssMb(router.pid!);
  const sampler = setInterval(() => (maxRss = Math.max(maxRss, rssMb(router.pid!))), 250);
  return {
    databaseUrl,
    amqpUrl,
    apiUrl: `http://127.0.0.1:${port}`,
    pids: { api: api.pid!, router: router.pid! },
    routerMaxRssMb: () => Math.max(maxRss, rssMb(router.pid!)),
    routerRssMb: () => rssMb(router.pid!),
    async stop() {
      clearInterval(sampler);
      for (const child of [api, router]) {
        child.removeAllListeners('exit');
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

/**
 * Resolves once the presence projection holds every one of these workers: a
 * run routed before its workers are known would fall back or wait in a queue
 * of the domain the map names.
 */
export async function waitForWorkers(databaseUrl: string, workers: ReadonlyArray<{ taskType: string; domain: string | null; workerId: string }>): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const { rows } = await client.query(
        `select count(*)::int as known from turnout_worker_presence p
         join jsonb_to_recordset($1::jsonb) as w(task_type text, domain text, worker_id text) using (task_type, domain, worker_id)
         where not p.gone`,
        [JSON.stringify(workers.map((worker) => ({ task_type: worker.taskType, domain: worker.domain ?? '', worker_id: worker.workerId })))],
      );
      if (rows[0].known === workers.length) return;
      if (Date.now() > deadline) throw new Error(`only ${rows[0].known} of ${workers.length} workers reached the presence projection within 15 s`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    await client.end();
  }
}
