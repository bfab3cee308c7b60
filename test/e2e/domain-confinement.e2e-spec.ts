/**
 * A worker confined to its domain, on the real RabbitMQ and router: `npm run
 * grant-domain` (its built entry point) makes a user of the test's vhost that
 * may only work for domain `pci`. Through the SDK it runs `<type>@pci` tasks
 * and is refused the default and `doug` queues; what it publishes for another
 * domain is refused by the broker (another routing key, another exchange) or
 * dead-lettered by the router (its own key, another domain's task or presence).
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import * as amqp from 'amqplib';
import {
  DEAD_LETTER_EXCHANGE,
  DEAD_LETTER_REASON_HEADER,
  DOMAIN_HEARTBEATS_EXCHANGE,
  DOMAIN_TASK_RESULTS_EXCHANGE,
  HEARTBEATS_EXCHANGE,
  ROUTER_TASK_RESULTS_QUEUE,
  TASK_RESULTS_EXCHANGE,
  type TaskResult,
  domainRoutingKey,
  publishConfirmed,
  taskResultProperties,
} from '@turnout/messaging';
import { TaskWorker } from '@turnout/worker';
import { deadLetterWithId as deadLetterFrom, takeTaskMessage } from '../support/broker-queues';
import { managementUrl, uniqueName } from '../support/services';
import { turnoutForSuite } from '../support/turnout-fixture';

const run = promisify(execFile);
/** The management API, with the administrator's credentials of its URL. */
async function management(method: string, path: string): Promise<Response> {
  const url = new URL(await managementUrl());
  const authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
  url.username = url.password = '';
  return fetch(new URL(path, url), { method, headers: { authorization } });
}

describe('a worker confined to its domain', () => {
  const turnout = turnoutForSuite('e2e_confinement', { ACTIVE_WORKER_TIMEOUT_MS: '3000' });
  const user = uniqueName('pci_worker');
  const password = randomUUID();
  let pciBroker: string;
  let guest: amqp.ChannelModel;
  let channel: amqp.ConfirmChannel;
  let deadLetters: string;

  /** `npm run grant-domain -- <args>`, as built, in this suite's vhost. */
  const grantDomain = async (...args: string[]) =>
    run('node', ['scripts/run.mjs', 'grant-domain', ...args], { env: { ...process.env, AMQP_URL: turnout.broker, RABBITMQ_MANAGEMENT_URL: await managementUrl() } });

  beforeAll(async () => {
    const { stdout } = await grantDomain('--domain', 'pci', '--user', user, '--password', password);
    expect(stdout).toContain(`user ${user} may now work for domain pci`);
    const url = new URL(turnout.broker);
    url.username = user;
    url.password = password;
    pciBroker = url.toString();
    guest = await amqp.connect(turnout.broker);
    channel = await guest.createConfirmChannel();
    deadLetters = (await channel.assertQueue('', { exclusive: true })).queue;
    await channel.bindQueue(deadLetters, DEAD_LETTER_EXCHANGE, '');
  });

  afterAll(async () => {
    await guest?.close();
    await management('DELETE', `/api/users/${encodeURIComponent(user)}`);
  });

  /** Starts a run of a one-task workflow of this task type, with this map, and answers its id. */
  async function startRun(taskType: string, taskToDomain: Record<string, string>): Promise<string> {
    const workflowName = uniqueName('confined_workflow');
    await turnout.registerWorkflow(workflowName, [taskType]);
    return turnout.api.startWorkflow(workflowName, taskToDomain);
  }

  /** Takes the task message waiting in `queue` (as guest) and answers its body. */
  const takeTask = (queue: string): Promise<{ taskId: string; workflowInstanceId: string }> => takeTaskMessage(turnout.broker, channel, queue);
  const deadLetterWithId = (messageId: string) => deadLetterFrom(channel, deadLetters, messageId);

  /** Publishes as the pci user and answers how the broker took it: 'confirmed', or the error that closed the channel. */
  async function publishAsPci(exchange: string, routingKey: string, body: unknown, options: amqp.Options.Publish = {}): Promise<string> {
    const connection = await amqp.connect(pciBroker);
    connection.on('error', () => undefined);
    try {
      const publisher = await connection.createConfirmChannel();
      const closedBy = new Promise<string>((resolve) => publisher.once('error', (error: Error) => resolve(error.message)));
      const content = Buffer.from(JSON.stringify(body));
      const outcome = await publishConfirmed(publisher, exchange, content, { contentType: 'application/json', ...options }, routingKey).then(
        () => 'confirmed',
        () => closedBy,
      );
      return outcome;
    } finally {
      await connection.close().catch(() => undefined);
    }
  }

  it('runs <taskType>@pci tasks through the SDK', async () => {
    const chargeCard = uniqueName('charge_card');
    const worker = new TaskWorker({ amqpUrl: pciBroker, taskType: chargeCard, domain: 'pci', shutdownDeadlineMs: 0, execute: () => ({ charged: true }) });
    turnout.stopAfterwards(() => worker.stop());
    await worker.start();
    await turnout.workerSeen(chargeCard, 'pci', worker.workerId);

    const workflowId = await startRun(chargeCard, { [chargeCard]: 'pci' });
    const run = await turnout.ended(workflowId);
    expect(run.status).toBe('COMPLETED');
    expect(run.tasks[0]).toMatchObject({ domain: 'pci', queueName: `${chargeCard}@pci`, outputData: { charged: true } });
  });

  it.each([
    ['the default queue', null],
    ["doug's queue", 'doug'],
  ])('cannot consume %s: ACCESS_REFUSED', async (_queue, domain) => {
    const chargeCard = uniqueName('charge_card');
    const worker = new TaskWorker({ amqpUrl: pciBroker, taskType: chargeCard, domain, startTimeoutMs: 5_000, execute: () => ({}) });
    await expect(worker.start()).rejects.toThrow(
      new RegExp(`could not start consuming ${worker.queueName}: .*ACCESS_REFUSED - access to queue '${worker.queueName}'`),
    );
  });

  it("has a result for doug's task dead-lettered by the router (not offered), and cannot publish one any other way", async () => {
    const chargeCard = uniqueName('charge_card');
    const workflowId = await startRun(chargeCard, { [chargeCard]: 'doug' });
    const task = await takeTask(`${chargeCard}@doug`);
    const result: TaskResult = {
      taskId: task.taskId,
      workflowInstanceId: workflowId,
      status: 'COMPLETED',
      outputData: { charged: 'by pci' },
      reasonForIncompletion: null,
      workerId: 'pci-1',
    };
    const messageId = uniqueName('forged_result');

    // As the SDK publishes: its own domain as the key. The broker takes it; the router refuses it.
    expect(await publishAsPci(DOMAIN_TASK_RESULTS_EXCHANGE, domainRoutingKey('pci'), result, { ...taskResultProperties(result), messageId })).toBe('confirmed');
    const deadLetter = await deadLetterWithId(messageId);
    expect(String(deadLetter.properties.headers?.[DEAD_LETTER_REASON_HEADER])).toBe(
      `NOT_OFFERED: the worker was not offered task ${task.taskId}: it is confined to domain pci, and the task is for domain doug`,
    );

    // Any other way is refused by the broker: doug's key, the fanout, the default exchange straight to the router's queue.
    expect(await publishAsPci(DOMAIN_TASK_RESULTS_EXCHANGE, 'doug', result)).toMatch(/ACCESS_REFUSED - access to topic 'doug' in exchange 'turnout\.task-results\.by-domain'/);
    expect(await publishAsPci(TASK_RESULTS_EXCHANGE, '', result)).toMatch(/ACCESS_REFUSED - access to exchange 'turnout\.task-results'/);
    expect(await publishAsPci('', ROUTER_TASK_RESULTS_QUEUE, result)).toMatch(/ACCESS_REFUSED - access to exchange 'amq\.default'/);

    const run = await turnout.api.workflow(workflowId);
    expect(run.status).toBe('RUNNING');
    expect((await turnout.eventsOf(workflowId)).map((event) => event.type)).toEqual(['WorkflowStarted', 'TaskScheduled']);
  });

  it('cannot make domain doug look alive', async () => {
    const chargeCard = uniqueName('charge_card');
    const heartbeat = { taskType: chargeCard, domain: 'doug', workerId: 'pci-pretending', at: new Date().toISOString() };
    const messageId = uniqueName('forged_heartbeat');

    expect(await publishAsPci(DOMAIN_HEARTBEATS_EXCHANGE, domainRoutingKey('pci'), heartbeat, { messageId })).toBe('confirmed');
    const deadLetter = await deadLetterWithId(messageId);
    expect(String(deadLetter.properties.headers?.[DEAD_LETTER_REASON_HEADER])).toBe('domain: the publisher is confined to pci, not doug');
    expect(await publishAsPci(DOMAIN_HEARTBEATS_EXCHANGE, 'doug', heartbeat)).toMatch(/ACCESS_REFUSED - access to topic 'doug' in exchange 'turnout\.heartbeats\.by-domain'/);
    expect(await publishAsPci(HEARTBEATS_EXCHANGE, '', heartbeat)).toMatch(/ACCESS_REFUSED - access to exchange 'turnout\.heartbeats'/);

    // A genuine heartbeat after them, through the same queue: once it is seen, the forged ones were not.
    const genuine = uniqueName('genuine');
    await publishConfirmed(channel, HEARTBEATS_EXCHANGE, Buffer.from(JSON.stringify({ taskType: genuine, domain: null, workerId: 'g', at: Date.now() })), {});
    await turnout.workerSeen(genuine, null, 'g');
    const forged = await turnout.db.query('select 1 from turnout_worker_presence where task_type = $1', [chargeCard]);
    expect(forged.rowCount).toBe(0);
  });

  it('--print shows the permissions and applies nothing', async () => {
    const other = uniqueName('printed_only');
    const { stdout } = await grantDomain('--domain', 'NO_DOMAIN', '--user', other, '--print');
    expect(JSON.parse(stdout.slice(stdout.indexOf('{')))).toMatchObject({
      user: other,
      domain: null,
      topicPermissions: [
        { exchange: DOMAIN_TASK_RESULTS_EXCHANGE, write: '^NO_DOMAIN$' },
        { exchange: DOMAIN_HEARTBEATS_EXCHANGE, write: '^NO_DOMAIN$' },
      ],
    });
    expect((await management('GET', `/api/users/${encodeURIComponent(other)}`)).status).toBe(404);
  });

  it('refuses a user or vhost name RabbitMQ should not be given (blank, control characters, over 255 bytes), saying which', async () => {
    await expect(grantDomain('--domain', 'pci', '--user', 'bad\u0001user', '--print')).rejects.toMatchObject({ stderr: expect.stringContaining('--user must not contain control characters') });
    await expect(grantDomain('--domain', 'pci', '--user', ' ', '--print')).rejects.toMatchObject({ stderr: expect.stringContaining('--user must not be blank') });
    await expect(grantDomain('--domain', 'pci', '--user', 'ok', '--vhost', 'v'.repeat(256), '--print')).rejects.toMatchObject({
      stderr: expect.stringContaining('--vhost is 256 bytes; a RabbitMQ vhost may have 255'),
    });
  });
});
