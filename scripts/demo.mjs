// `npm run demo`: Conductor's "Using Task to Domain" walkthrough in one
// command (README, "Quickstart"; examples/README.md). It starts Turnout as
// `npm start` does, the production hello_world worker and Doug's copy (the
// examples, as their npm scripts run them), registers hello_workflow, runs it
// without a map, with {"hello_world": "doug"}, and, once Doug's worker has
// stopped, with "doug,NO_DOMAIN", printing for each run its output, the queue
// its task went to and why. It stops everything it started, on Ctrl-C too.
//
// It runs against the servers Turnout would use (DATABASE_URL, AMQP_URL) but
// in a database and a vhost of its own, made for the run and removed after:
// the routing it shows depends on which workers the database has seen and
// which routers consume the broker's queues, so a Turnout already running
// there (npm start) must neither answer for the demo nor see its runs.
// `--name <name>` names them (default turnout_demo), so that two demos, or a
// demo and its test, can run side by side.
import { execFile, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// The built libraries (npm run demo builds first), resolved as the apps resolve them.
const built = createRequire(join(root, 'dist/demo.cjs'));
const { loadConfig, parseBrokerUrls } = built('@turnout/config');
const { Client } = built('pg');

// Short enough that a stopped worker is told apart quickly; above the SDK's 2 s heartbeat.
const ACTIVE_WORKER_TIMEOUT_MS = 5_000;
const PRESENCE_REFRESH_MS = 100;
const STEP_TIMEOUT_MS = 30_000;
const TASK_TYPE = 'hello_world';
const WORKFLOW = 'hello_workflow';
const WORKERS = {
  production: { label: 'production worker', entry: 'dist/examples/hello-world/hello-world-worker.js' },
  doug: { label: "Doug's worker", entry: 'dist/examples/doug/doug-worker.js' },
};

const name = nameArgument(process.argv.slice(2));
const config = loadConfig();
const started = []; // { label, child, output(), exited }
// The database and vhost being made: a Ctrl-C meanwhile waits for them, so that it removes them.
let makingResources = Promise.resolve();
let cleaningUp;

main().then(
  () => cleanUp().then(() => process.exit(0)),
  (error) => {
    console.error(`\ndemo failed: ${error instanceof Error ? error.message : String(error)}`);
    for (const process_ of started) console.error(`--- ${process_.label} output (last lines) ---\n${lastLines(process_.output(), 30)}`);
    return cleanUp().then(() => process.exit(1));
  },
);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    console.log(`\n${signal}: stopping everything the demo started`);
    void cleanUp().then(() => process.exit(130));
  });
}

async function main() {
  console.log(`Turnout demo: Conductor's "Using Task to Domain" walkthrough`);
  makingResources = Promise.all([createDatabase(config.databaseUrl, name), createVhost(config.amqpUrl, name)]);
  const [databaseUrl, amqpUrl] = await makingResources;
  console.log(`  database ${name} and vhost ${name}, made for this run and removed at the end`);

  const env = {
    DATABASE_URL: databaseUrl,
    AMQP_URL: amqpUrl,
    PORT: '0',
    ROUTER_METRICS_PORT: '0',
    ACTIVE_WORKER_TIMEOUT_MS: String(ACTIVE_WORKER_TIMEOUT_MS),
    PRESENCE_REFRESH_MS: String(PRESENCE_REFRESH_MS),
    RELAY_POLL_MS: '200',
    LOG_LEVEL: 'warn',
  };
  const turnout = start('Turnout', join(root, 'scripts/start.mjs'), env, { ipc: true });
  const up = await waitFor('Turnout to start', () => turnout.up);
  const api = up.api;
  console.log(`  Turnout is up: api ${up.api}, web UI ${up.ui} (while the demo runs)`);

  const production = start(WORKERS.production.label, join(root, WORKERS.production.entry), { AMQP_URL: amqpUrl });
  const doug = start(WORKERS.doug.label, join(root, WORKERS.doug.entry), { AMQP_URL: amqpUrl });
  for (const worker of [production, doug]) {
    const polls = await waitFor(`${worker.label} to start`, () => / (hello_world polls .*)$/m.exec(worker.output())?.[1]);
    console.log(`  ${worker.label}: ${polls}`);
  }
  await waitFor('both workers to be active', async () => {
    const workers = await request(api, 'GET', '/tasks/queue/polldata/all');
    return [null, 'doug'].every((domain) => workers.some((worker) => worker.taskType === TASK_TYPE && worker.domain === domain && worker.active));
  });
  await routingHasSeenPresence();

  await request(api, 'POST', '/metadata/workflow', {
    name: WORKFLOW,
    version: 1,
    tasks: [{ name: TASK_TYPE, taskReferenceName: 'hello', type: 'SIMPLE' }],
  });
  console.log(`  registered ${WORKFLOW} (one SIMPLE task: ${TASK_TYPE})`);

  await run(api, '1. a run without a map', undefined);
  await run(api, `2. a run with {"hello_world": "doug"}`, { hello_world: 'doug' });

  console.log(`\n   stopping Doug's worker (as Ctrl-C would)`);
  doug.child.kill('SIGINT');
  await waitFor("Doug's worker to exit", () => doug.child.exitCode !== null || doug.child.signalCode !== null);
  await waitFor('doug to have no active worker', async () => {
    const workers = await request(api, 'GET', '/tasks/queue/polldata/all');
    return !workers.some((worker) => worker.domain === 'doug' && worker.active);
  });
  await routingHasSeenPresence();
  console.log(`   doug has no active worker now`);

  await run(api, `3. a run with {"hello_world": "doug,NO_DOMAIN"}, Doug's worker stopped`, { hello_world: 'doug,NO_DOMAIN' });
}

/** Starts a run, waits for its end and prints what a newcomer came to see. */
async function run(api, title, taskToDomain) {
  console.log(`\n${title}`);
  const workflowId = await request(api, 'POST', '/workflow', { name: WORKFLOW, ...(taskToDomain === undefined ? {} : { taskToDomain }) });
  const workflow = await waitFor(`workflow ${workflowId} to end`, async () => {
    const current = await request(api, 'GET', `/workflow/${workflowId}?includeTasks=true`);
    return current.status === 'RUNNING' ? undefined : current;
  });
  const [task] = workflow.tasks;
  console.log(`   workflow ${workflowId}: ${workflow.status}`);
  console.log(`   output   ${JSON.stringify(workflow.output)}`);
  console.log(`   queue    ${task.queueName}`);
  console.log(`   routing  ${task.routing.rule}: ${task.routing.summary}`);
  if (workflow.status !== 'COMPLETED') throw new Error(`workflow ${workflowId} ended ${workflow.status}: ${workflow.reasonForIncompletion}`);
}

/**
 * The polldata reads the presence table; routing reads the api's copy of it,
 * refreshed every PRESENCE_REFRESH_MS (at once for workers that start or stop,
 * by NOTIFY). Two refreshes later the copy has what the table had.
 */
function routingHasSeenPresence() {
  return new Promise((resolve) => setTimeout(resolve, 2 * PRESENCE_REFRESH_MS));
}

function start(label, script, env, { ipc = false } = {}) {
  if (cleaningUp !== undefined) throw new Error(`stopping: ${label} not started`);
  let output = '';
  const child = spawn(process.execPath, [script], {
    cwd: root,
    env: { ...process.env, ...env },
    // Its own process group: a Ctrl-C in the terminal reaches the demo, which stops each in order.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe', ...(ipc ? ['ipc'] : [])],
  });
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const started_ = { label, child, output: () => output, up: undefined };
  child.on('message', (message) => {
    if (message?.kind === 'turnout.up') started_.up = message;
  });
  started_.exited = new Promise((resolve) => child.once('exit', resolve));
  started.push(started_);
  return started_;
}

/** Stops what the demo started, workers first (their last results reach Turnout), then removes its database and vhost. */
function cleanUp() {
  cleaningUp ??= (async () => {
    await makingResources.catch(() => undefined);
    for (const process_ of [...started].reverse()) {
      if (process_.child.exitCode === null && process_.child.signalCode === null) process_.child.kill('SIGTERM');
      const killed = setTimeout(() => process_.child.kill('SIGKILL'), 15_000);
      await process_.exited;
      clearTimeout(killed);
    }
    await dropDatabase(config.databaseUrl, name).catch((error) => console.error(`could not drop database ${name}: ${error.message}`));
    await deleteVhost(name).catch((error) => console.error(`could not delete vhost ${name}: ${error.message}`));
    console.log('\nstopped everything the demo started');
  })();
  return cleaningUp;
}

async function request(api, method, path, body) {
  const response = await fetch(`${api}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return (response.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text;
}

async function waitFor(what, probe) {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  let lastError;
  for (;;) {
    for (const process_ of started) {
      if (process_.child.exitCode !== null && !cleaningUp && process_.label !== WORKERS.doug.label) {
        throw new Error(`${process_.label} exited (${process_.child.exitCode}) while waiting for ${what}`);
      }
    }
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw new Error(`waited ${STEP_TIMEOUT_MS} ms for ${what}${lastError ? ` (${lastError.message})` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function nameArgument(args) {
  const index = args.indexOf('--name');
  const value = index === -1 ? 'turnout_demo' : args[index + 1];
  if (value === undefined || !/^[a-z][a-z0-9_]{0,40}$/.test(value)) {
    console.error(`usage: npm run demo [-- --name <lowercase letters, digits, _>] (not "${value}")`);
    process.exit(2);
  }
  return value;
}

function withDatabase(url, database) {
  const changed = new URL(url);
  changed.pathname = `/${database}`;
  return changed.toString();
}

async function adminQuery(databaseUrl, sql) {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function createDatabase(databaseUrl, database) {
  // A fresh one each time: the presence and runs of an earlier demo would change what this one shows.
  await adminQuery(databaseUrl, `drop database if exists "${database}" with (force)`);
  await adminQuery(databaseUrl, `create database "${database}"`);
  return withDatabase(databaseUrl, database);
}

function dropDatabase(databaseUrl, database) {
  return adminQuery(databaseUrl, `drop database if exists "${database}" with (force)`);
}

function rabbitmqctl(...args) {
  return promisify(execFile)('rabbitmqctl', ['-q', ...args]);
}

/** The vhost on every node AMQP_URL lists (a cluster shares it); rabbitmqctl talks to the local node. */
async function createVhost(amqpUrl, vhost) {
  const urls = parseBrokerUrls(amqpUrl);
  const user = new URL(urls[0]).username || 'guest';
  try {
    await rabbitmqctl('delete_vhost', vhost).catch(() => undefined);
    await rabbitmqctl('add_vhost', vhost);
    await rabbitmqctl('set_permissions', '-p', vhost, decodeURIComponent(user), '.*', '.*', '.*');
  } catch (error) {
    throw new Error(`could not make the vhost ${vhost} with rabbitmqctl (the demo runs beside a local RabbitMQ): ${error.message}`);
  }
  return urls
    .map((url) => {
      const changed = new URL(url);
      changed.pathname = `/${encodeURIComponent(vhost)}`;
      return changed.toString();
    })
    .join(',');
}

function deleteVhost(vhost) {
  return rabbitmqctl('delete_vhost', vhost);
}

function lastLines(text, count) {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}
