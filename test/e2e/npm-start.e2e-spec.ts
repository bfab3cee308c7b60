/**
 * `npm start` as a newcomer sees it (scripts/start.mjs, the api and router as
 * real processes): one short block saying where the api, the UI, health and
 * metrics are once both are up, and the log in either format: JSON lines with
 * LOG_FORMAT=json, readable lines otherwise.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { type TestDatabase, amqpUrl, createTestDatabase, uniqueName } from '../support/services';
import { waitFor } from '../support/wait-for';

const ROOT = join(__dirname, '..', '..');

interface Addresses {
  api: string;
  ui: string;
  health: string;
  apiMetrics: string;
  routerMetrics: string | null;
}

interface StartedTurnout {
  addresses: Addresses;
  stdout(): string;
  stop(): Promise<void>;
}

async function npmStart(env: Record<string, string>): Promise<StartedTurnout> {
  let stdout = '';
  let stderr = '';
  let addresses: Addresses | undefined;
  const child: ChildProcess = spawn(process.execPath, [join(ROOT, 'scripts/start.mjs')], {
    env: { ...process.env, LOG_LEVEL: 'log', PORT: '0', ROUTER_METRICS_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.on('message', (message: { kind?: string } & Addresses) => {
    if (message.kind === 'turnout.up') addresses = message;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
    await exited;
  };
  try {
    await waitFor('npm start to say Turnout is up', () => {
      if (child.exitCode !== null) throw new Error(`start.mjs exited with ${child.exitCode}`);
      return addresses !== undefined && stdout.includes('Turnout is up');
    }, { timeoutMs: 30_000 });
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`);
  }
  return { addresses: addresses as Addresses, stdout: () => stdout, stop };
}

describe('npm start', () => {
  let database: TestDatabase;
  let broker: string;
  const started: StartedTurnout[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('e2e_npm_start');
    broker = await amqpUrl();
  });

  afterAll(async () => {
    await Promise.allSettled(started.map((turnout) => turnout.stop()));
    await database?.drop();
  });

  it('says where the api, the UI, health and metrics are, in readable lines by default', async () => {
    const turnout = await npmStart({ DATABASE_URL: database.url, AMQP_URL: broker });
    started.push(turnout);
    const { api, ui, health, apiMetrics, routerMetrics } = turnout.addresses;
    const apiOrigin = api.replace(/\/api$/, '');

    // One block, in this order, after the processes' own start-up lines.
    expect(turnout.stdout()).toContain(
      [
        'Turnout is up',
        `  api      ${apiOrigin}/api`,
        `  web UI   ${apiOrigin}/ui/`,
        `  metrics  ${apiOrigin}/metrics (api: queue depths, active workers)`,
        `           ${routerMetrics} (router: tasks routed, routing latency)`,
        `  health   ${apiOrigin}/health`,
      ].join('\n'),
    );
    const beforeBlock = turnout.stdout().slice(0, turnout.stdout().indexOf('Turnout is up'));
    expect(beforeBlock).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO  api \[Api\] api listening on /m);
    expect(beforeBlock).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO  router \[Router\] router started /m);
    expect(beforeBlock.split('\n').filter((line) => line.startsWith('{'))).toEqual([]);

    // Each address answers what the block says it is.
    expect((await fetch(health)).status).toBe(200);
    expect(await (await fetch(ui)).text()).toContain('<html');
    expect((await fetch(`${api}/metadata/workflow`)).status).toBe(200);
    expect(await (await fetch(String(routerMetrics))).text()).toContain('# TYPE turnout_routing_seconds histogram');

    // The api's metrics count the active workers of each task type and domain (an HTTP poll is a sighting).
    const taskType = uniqueName('start_metrics');
    expect((await fetch(`${api}/tasks/poll/${taskType}?workerid=w-1&domain=blue`)).status).toBe(204);
    const activeLine = `turnout_active_workers{task_type="${taskType}",domain="blue"} 1`;
    await waitFor(`${activeLine} in the api's metrics`, async () => (await (await fetch(apiMetrics)).text()).includes(activeLine));
  });

  it('with LOG_FORMAT=json, writes one JSON object per line (level, time, app, component), the block included', async () => {
    const turnout = await npmStart({ DATABASE_URL: database.url, AMQP_URL: broker, LOG_FORMAT: 'json' });
    started.push(turnout);
    await turnout.stop();

    const lines = turnout.stdout().split('\n').filter((line) => line !== '');
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.length).toBeGreaterThan(5);
    for (const record of records) {
      expect(record).toEqual(expect.objectContaining({ level: expect.any(String), time: expect.any(String), app: expect.any(String), component: expect.any(String) }));
      expect(new Date(String(record.time)).toISOString()).toBe(record.time);
    }
    expect(records).toContainEqual(expect.objectContaining({ app: 'api', component: 'Api', level: 'info', msg: expect.stringMatching(/^api listening on /) }));
    expect(records).toContainEqual(expect.objectContaining({ app: 'router', component: 'Router', msg: expect.stringMatching(/^router started/) }));
    expect(records).toContainEqual(
      expect.objectContaining({ app: 'turnout', msg: 'Turnout is up', api: turnout.addresses.api, ui: turnout.addresses.ui, routerMetrics: turnout.addresses.routerMetrics }),
    );
  });
});
