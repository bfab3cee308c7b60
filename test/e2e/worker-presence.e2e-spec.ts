/**
 * Presence that a worker's clock cannot fool, on the real servers: a heartbeat
 * counts from when Turnout received it, whatever time the worker wrote in it,
 * and a worker's results and IN_PROGRESS updates count as sightings too.
 */
import * as amqp from 'amqplib';
import { HEARTBEATS_EXCHANGE, TASK_RESULTS_EXCHANGE } from '@turnout/messaging';
import { uniqueName } from '../support/services';
import { turnoutForSuite } from '../support/turnout-fixture';
import { waitFor } from '../support/wait-for';

const ACTIVE_WORKER_TIMEOUT_MS = 3_000;
// A router records a worker's results at most once a second.
const RESULT_SIGHTING_EVERY_MS = 1_000;
const TEN_MINUTES_MS = 600_000;

describe('worker presence, by the time Turnout hears from a worker', () => {
  const turnout = turnoutForSuite('e2e_presence', { ACTIVE_WORKER_TIMEOUT_MS: String(ACTIVE_WORKER_TIMEOUT_MS) });
  let connection: amqp.ChannelModel;
  let channel: amqp.ConfirmChannel;

  beforeAll(async () => {
    connection = await amqp.connect(turnout.broker);
    channel = await connection.createConfirmChannel();
  });
  afterAll(() => connection?.close());

  async function publish(exchange: string, body: unknown): Promise<void> {
    channel.publish(exchange, '', Buffer.from(JSON.stringify(body)), { contentType: 'application/json' });
    await channel.waitForConfirms();
  }

  /** A one-task workflow of a task type of its own; answers the task type and the workflow's name. */
  async function oneTaskWorkflow(label: string): Promise<{ taskType: string; workflowName: string }> {
    const taskType = uniqueName(label);
    const workflowName = uniqueName(`${label}_flow`);
    await turnout.registerWorkflow(workflowName, [taskType]);
    return { taskType, workflowName };
  }

  /** Where the run's first task was routed: its TaskScheduled's domain (null: the task type's own queue). */
  async function routedDomainOf(workflowId: string): Promise<string | null> {
    const scheduled = (await turnout.eventsOf(workflowId)).find((event) => event.type === 'TaskScheduled');
    if (scheduled?.type !== 'TaskScheduled') throw new Error(`workflow ${workflowId} scheduled nothing`);
    return scheduled.data.domain;
  }

  /** The stored sighting of a worker: its age by the database's clock (negative: in the future). */
  async function ageOf(taskType: string, domain: string, workerId: string): Promise<number | undefined> {
    const rows = await turnout.db.query<{ age_ms: string }>(
      `select (extract(epoch from now() - last_seen_at) * 1000)::bigint as age_ms
       from turnout_worker_presence where task_type = $1 and domain = $2 and worker_id = $3 and not gone`,
      [taskType, domain, workerId],
    );
    return rows.rowCount === 1 ? Number(rows.rows[0].age_ms) : undefined;
  }

  it('does not keep a dead pool active on a clock that runs minutes ahead', async () => {
    const { taskType, workflowName } = await oneTaskWorkflow('ahead');
    const workerId = uniqueName('fast_clock');
    await publish(HEARTBEATS_EXCHANGE, { taskType, domain: 'ahead', workerId, at: Date.now() + TEN_MINUTES_MS });
    await turnout.workerSeen(taskType, 'ahead', workerId);
    expect(Math.abs((await ageOf(taskType, 'ahead', workerId))!)).toBeLessThan(TEN_MINUTES_MS / 2);
    // Heard from just now: the domain is active.
    expect(await routedDomainOf(await turnout.api.startWorkflow(workflowName, { [taskType]: 'ahead,NO_DOMAIN' }))).toBe('ahead');

    // Then silent for longer than the timeout, though its last heartbeat said a time ten minutes ahead.
    await waitFor('the heartbeat to be older than the active timeout', async () => ((await ageOf(taskType, 'ahead', workerId)) ?? 0) > ACTIVE_WORKER_TIMEOUT_MS);
    expect(await routedDomainOf(await turnout.api.startWorkflow(workflowName, { [taskType]: 'ahead,NO_DOMAIN' }))).toBeNull();
  });

  it('does not take a live pool for dead on a clock that runs minutes behind', async () => {
    const { taskType, workflowName } = await oneTaskWorkflow('behind');
    const workerId = uniqueName('slow_clock');
    await publish(HEARTBEATS_EXCHANGE, { taskType, domain: 'behind', workerId, at: new Date(Date.now() - TEN_MINUTES_MS).toISOString() });
    await turnout.workerSeen(taskType, 'behind', workerId);
    expect((await ageOf(taskType, 'behind', workerId))!).toBeLessThan(ACTIVE_WORKER_TIMEOUT_MS);
    expect(await routedDomainOf(await turnout.api.startWorkflow(workflowName, { [taskType]: 'behind,NO_DOMAIN' }))).toBe('behind');
  });

  it('keeps the domain of a worker that sends no heartbeats but reports IN_PROGRESS and results active', async () => {
    const { taskType, workflowName } = await oneTaskWorkflow('busy');
    const workerId = uniqueName('busy_worker');
    // One heartbeat, so that the first run is routed to the pool; none after it.
    await publish(HEARTBEATS_EXCHANGE, { taskType, domain: 'busy', workerId, at: Date.now() });
    await turnout.workerSeen(taskType, 'busy', workerId);
    const first = await turnout.api.startWorkflow(workflowName, { [taskType]: 'busy,NO_DOMAIN' });
    expect(await routedDomainOf(first)).toBe('busy');
    const scheduled = (await turnout.eventsOf(first)).find((event) => event.type === 'TaskScheduled');
    const taskId = scheduled?.type === 'TaskScheduled' ? scheduled.data.taskId : '';
    const heartbeatAt = Date.now();

    // The worker is busy with the task: it reports IN_PROGRESS whenever its last sighting is a second old,
    // until its one heartbeat is well past the active timeout.
    const report = (status: string) => publish(TASK_RESULTS_EXCHANGE, { taskId, workflowInstanceId: first, status, workerId, outputData: {} });
    while (Date.now() - heartbeatAt < 2 * ACTIVE_WORKER_TIMEOUT_MS) {
      await report('IN_PROGRESS');
      await waitFor('the report to be a sighting, and a second old', async () => {
        const age = await ageOf(taskType, 'busy', workerId);
        return age !== undefined && age >= RESULT_SIGHTING_EVERY_MS && age < ACTIVE_WORKER_TIMEOUT_MS;
      });
    }
    expect((await turnout.eventsOf(first)).map((event) => event.type)).toContain('TaskStarted');
    expect(await routedDomainOf(await turnout.api.startWorkflow(workflowName, { [taskType]: 'busy,NO_DOMAIN' }))).toBe('busy');

    // Its result counts too.
    await waitFor('the last sighting to be past the active timeout', async () => ((await ageOf(taskType, 'busy', workerId)) ?? 0) > ACTIVE_WORKER_TIMEOUT_MS);
    await report('COMPLETED');
    expect((await turnout.ended(first)).status).toBe('COMPLETED');
    await waitFor('the result to be a sighting', async () => ((await ageOf(taskType, 'busy', workerId)) ?? Infinity) < ACTIVE_WORKER_TIMEOUT_MS);
    expect(await routedDomainOf(await turnout.api.startWorkflow(workflowName, { [taskType]: 'busy,NO_DOMAIN' }))).toBe('busy');
  });
});
