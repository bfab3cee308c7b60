/**
 * Drives workflows through the HTTP API and observes them the way a user
 * would: the worker's receipt of each task, and WorkflowCompleted on the
 * events exchange.
 */
import type * as amqp from 'amqplib';
import { EVENTS_EXCHANGE, assertEventsExchange, connectToBroker } from '@turnout/messaging';
import { ArrivalClock } from './arrival-clock';
import { LatencyRecorder } from './latency-recorder';

/** Tells when each workflow completed, from the WorkflowCompleted events the relay publishes. */
export class CompletionWatcher {
  private readonly clock = new ArrivalClock();
  private connection?: amqp.ChannelModel;
  completed = 0;

  async start(amqpUrl: string): Promise<void> {
    this.connection = await connectToBroker(amqpUrl, { connectionName: 'bench completion watcher' });
    const channel = await this.connection.createChannel();
    await assertEventsExchange(channel);
    const { queue } = await channel.assertQueue('', { exclusive: true });
    await channel.bindQueue(queue, EVENTS_EXCHANGE, 'WorkflowCompleted');
    await channel.consume(
      queue,
      (message) => {
        if (message === null) return;
        const { streamId } = JSON.parse(message.content.toString()) as { streamId: string };
        this.completed += 1;
        this.clock.arrived(streamId.slice('workflow-'.length));
      },
      { noAck: true },
    );
  }

  completion(workflowId: string): Promise<number> {
    return this.clock.arrival(workflowId);
  }

  async stop(): Promise<void> {
    await this.connection?.close();
  }
}

export async function startWorkflow(apiUrl: string, request: Record<string, unknown>): Promise<string> {
  const response = await fetch(`${apiUrl}/api/workflow`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(request),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`start failed: ${response.status} ${text}`);
  return text;
}

export async function registerWorkflow(apiUrl: string, name: string, taskTypes: string[]): Promise<void> {
  const response = await fetch(`${apiUrl}/api/metadata/workflow?overwrite=true`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      name,
      version: 1,
      tasks: taskTypes.map((taskType, index) => ({
        name: taskType,
        taskReferenceName: `step_${index + 1}`,
        type: 'SIMPLE',
        inputParameters: index === 0 ? { n: '${workflow.input.n}' } : { previous: `\${step_${index}.output.n}` },
      })),
    }),
  });
  if (response.status !== 200) throw new Error(`register failed: ${response.status} ${await response.text()}`);
}

/** Starts workflows at a fixed rate and records start→receipt and start→completed. */
export async function runOpenLoop(options: {
  ratePerSec: number;
  durationMs: number;
  start: () => Promise<string>;
  watcher: CompletionWatcher;
  receipts: ArrivalClock;
}): Promise<{ startToReceipt: LatencyRecorder; startToCompleted: LatencyRecorder; started: number }> {
  const startToReceipt = new LatencyRecorder();
  const startToCompleted = new LatencyRecorder();
  const runs: Promise<void>[] = [];
  const began = performance.now();
  let started = 0;
  while (performance.now() - began < options.durationMs) {
    const due = Math.floor(((performance.now() - began) / 1000) * options.ratePerSec);
    for (; started < due; started += 1) {
      const startedAt = performance.now();
      runs.push(
        (async () => {
          const workflowId = await options.start();
          const [receivedAt, completedAt] = await Promise.all([options.receipts.arrival(workflowId), options.watcher.completion(workflowId)]);
          startToReceipt.add(receivedAt - startedAt);
          startToCompleted.add(completedAt - startedAt);
        })(),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  await Promise.all(runs);
  return { startToReceipt, startToCompleted, started };
}
