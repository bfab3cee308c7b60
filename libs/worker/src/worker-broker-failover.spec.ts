/**
 * A TaskWorker given two broker addresses, against the real RabbitMQ: when the
 * node it is connected to goes away, it reconnects through the other one and
 * goes on taking tasks. The two addresses are TCP proxies to the one broker,
 * so that one of them can vanish as a stopped node does.
 */
import * as amqp from 'amqplib';
import { type TaskMessage, assertTaskQueue, assertTasksSuperseded, assertRouterQueues, assertWorkerExchanges, publishConfirmed, taskMessageProperties } from '@turnout/messaging';
import { amqpUrl, uniqueName } from '../../../test/support/services';
import { type TcpProxy, amqpTarget, startTcpProxy, throughProxy } from '../../../test/support/tcp-proxy';
import { waitFor } from '../../../test/support/wait-for';
import { TaskWorker } from './task-worker';

describe('TaskWorker with two broker addresses', () => {
  let broker: string;
  let connection: amqp.ChannelModel;
  let channel: amqp.ConfirmChannel;
  const proxies: TcpProxy[] = [];
  let worker: TaskWorker | undefined;

  beforeAll(async () => {
    broker = await amqpUrl();
    connection = await amqp.connect(broker);
    channel = await connection.createConfirmChannel();
    await assertWorkerExchanges(channel);
    // The router's queues, bound for the worker's results; no router runs here.
    await assertRouterQueues(channel);
    await assertTasksSuperseded(channel);
  });

  afterAll(async () => {
    await worker?.stop();
    await Promise.all(proxies.map((proxy) => proxy.close()));
    await connection?.close();
  });

  async function publishTask(taskType: string): Promise<TaskMessage> {
    const task: TaskMessage = {
      taskId: uniqueName('task'),
      taskType,
      referenceTaskName: `${taskType}_ref`,
      workflowInstanceId: uniqueName('workflow'),
      workflowType: 'flow',
      domain: null,
      inputData: {},
      retryCount: 0,
      scheduledTime: Date.now(),
    };
    await assertTaskQueue(channel, taskType);
    await publishConfirmed(channel, '', Buffer.from(JSON.stringify(task)), taskMessageProperties(task), taskType);
    return task;
  }

  it('reconnects to the second address when the first goes away, and takes tasks there', async () => {
    const [first, second] = [await startTcpProxy(amqpTarget(broker)), await startTcpProxy(amqpTarget(broker))];
    proxies.push(first, second);
    const taskType = uniqueName('failover');
    const executed: string[] = [];
    const logged: string[] = [];
    worker = new TaskWorker({
      amqpUrl: [throughProxy(broker, first), throughProxy(broker, second)],
      taskType,
      workerId: uniqueName('worker'),
      reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
      execute: (task) => {
        executed.push(task.taskId);
        return {};
      },
      log: (line) => logged.push(line),
    });
    await worker.start();
    const before = await publishTask(taskType);
    // Done with (result confirmed, task acked) before the cut: otherwise the broker rightly hands it out again.
    await waitFor('the task done through the first address', () => worker?.tasksCompleted === 1);
    expect(executed).toEqual([before.taskId]);
    expect([first.accepted, second.accepted]).toEqual([1, 0]);

    // The first node goes away: its connections are cut and its port refuses.
    await first.close();
    await waitFor('the worker to reconnect', () => worker?.reconnections === 1);
    const after = await publishTask(taskType);
    await waitFor('the task taken through the second address', () => executed.includes(after.taskId));

    expect(second.accepted).toBe(1);
    expect(executed).toEqual([before.taskId, after.taskId]);
    expect(logged).toContainEqual(expect.stringMatching(/^connected to .*the nodes before it did not answer .*ECONNREFUSED/));
  });
});
