/**
 * The AMQP names and arguments of Turnout's contract, in one place. Every
 * component (api, router, relay, workers) declares through these functions,
 * so a queue is never declared twice with different arguments.
 */
import type { WorkflowEventType } from '@turnout/domain';
import type { Channel, Options } from 'amqplib';

/** Workflow lifecycle events, published by the outbox relay; routing key = event type. */
export const EVENTS_EXCHANGE = 'turnout.events';
/** Workers publish their TaskResult here. */
export const TASK_RESULTS_EXCHANGE = 'turnout.task-results';
/** Workers publish their heartbeats here. */
export const HEARTBEATS_EXCHANGE = 'turnout.heartbeats';
/** Messages that could not be parsed or validated, with the reason in the `x-turnout-reason` header. */
export const DEAD_LETTER_EXCHANGE = 'turnout.dead-letter';
/**
 * The outbox relay publishes a TaskSuperseded here for each attempt cancelled
 * or timed out: a worker that takes that attempt's message skips it.
 */
export const TASKS_SUPERSEDED_EXCHANGE = 'turnout.tasks-superseded';

export const ROUTER_TASK_RESULTS_QUEUE = 'turnout.router.task-results';
/**
 * A quorum queue, as the others: a classic queue lives on one node, and while
 * that node is down nobody can declare it, so a router could not reconnect
 * (measured on a three-node cluster: 404 "home node … is down"). It replaced
 * `turnout.router.heartbeats` (classic), which a broker that ran an earlier
 * Turnout keeps unused until deleted.
 */
export const ROUTER_HEARTBEATS_QUEUE = 'turnout.router.worker-heartbeats';
export const DEAD_LETTER_QUEUE = 'turnout.dead-letter';
/**
 * HTTP task attempts to carry out (HttpTaskMessage), published by the relay
 * from their TaskScheduled and consumed by every router as competing
 * consumers: the call is durable work, not a promise in one process's memory.
 */
export const HTTP_TASKS_QUEUE = 'turnout.router.http-tasks';
/**
 * A stream bound to TASKS_SUPERSEDED_EXCHANGE: a worker that starts or
 * reconnects reads the signals it was not there to receive, back to the
 * stream's retention (TASKS_SUPERSEDED_RETENTION_MS).
 */
export const TASKS_SUPERSEDED_STREAM = 'turnout.tasks-superseded';
/** How long the stream keeps a signal: a superseded message older than this that lingers in a queue may run. */
export const TASKS_SUPERSEDED_RETENTION_MS = 24 * 60 * 60 * 1000;

/** Headers of a dead-lettered message: why it was refused, and the queue it was taken from. */
export const DEAD_LETTER_REASON_HEADER = 'x-turnout-reason';
export const DEAD_LETTER_QUEUE_HEADER = 'x-turnout-queue';

/**
 * Event types the relay publishes on EVENTS_EXCHANGE: a run's lifecycle.
 * Task-level events stay in the log (the task message stands for
 * TaskScheduled): each publish costs the broker as much as a task does.
 */
export const PUBLISHED_EVENT_TYPES: ReadonlySet<WorkflowEventType> = new Set<WorkflowEventType>(['WorkflowStarted', 'WorkflowCompleted', 'WorkflowFailed']);

/**
 * Task queues (`<taskType>` / `<taskType>@<domain>`) and the router's and
 * dead-letter queues: durable, and quorum so that a RabbitMQ cluster
 * replicates them. Shared by every declaring party.
 */
export const QUORUM_QUEUE_OPTIONS: Options.AssertQueue = {
  durable: true,
  arguments: { 'x-queue-type': 'quorum' },
};

/** Declared by the outbox relay before the first task it publishes there, and by the workers that consume it. */
export async function assertTaskQueue(channel: Channel, queueName: string): Promise<void> {
  await channel.assertQueue(queueName, QUORUM_QUEUE_OPTIONS);
}

export async function assertEventsExchange(channel: Channel, exchange = EVENTS_EXCHANGE): Promise<void> {
  await channel.assertExchange(exchange, 'topic', { durable: true });
}

export async function assertWorkerExchanges(channel: Channel): Promise<void> {
  await channel.assertExchange(TASK_RESULTS_EXCHANGE, 'fanout', { durable: true });
  await channel.assertExchange(HEARTBEATS_EXCHANGE, 'fanout', { durable: true });
}

export async function assertDeadLetter(channel: Channel): Promise<void> {
  await channel.assertExchange(DEAD_LETTER_EXCHANGE, 'fanout', { durable: true });
  await channel.assertQueue(DEAD_LETTER_QUEUE, QUORUM_QUEUE_OPTIONS);
  await channel.bindQueue(DEAD_LETTER_QUEUE, DEAD_LETTER_EXCHANGE, '');
}

/**
 * The superseded signals' exchange and stream, bound. Declared by the router
 * (so that no signal the relay publishes finds nothing bound) and by workers.
 */
export async function assertTasksSuperseded(channel: Channel): Promise<void> {
  await channel.assertExchange(TASKS_SUPERSEDED_EXCHANGE, 'fanout', { durable: true });
  await channel.assertQueue(TASKS_SUPERSEDED_STREAM, {
    durable: true,
    arguments: { 'x-queue-type': 'stream', 'x-max-age': `${TASKS_SUPERSEDED_RETENTION_MS / 1000}s` },
  });
  await channel.bindQueue(TASKS_SUPERSEDED_STREAM, TASKS_SUPERSEDED_EXCHANGE, '');
}

/** Declared by the relay before it publishes an HTTP attempt, and by the routers that consume it. */
export async function assertHttpTasksQueue(channel: Channel): Promise<void> {
  await channel.assertQueue(HTTP_TASKS_QUEUE, QUORUM_QUEUE_OPTIONS);
}

/** Everything the router consumes from, bound. */
export async function assertRouterTopology(channel: Channel): Promise<void> {
  await assertEventsExchange(channel);
  await assertWorkerExchanges(channel);
  await assertDeadLetter(channel);
  await assertTasksSuperseded(channel);
  await channel.assertQueue(ROUTER_TASK_RESULTS_QUEUE, QUORUM_QUEUE_OPTIONS);
  await channel.bindQueue(ROUTER_TASK_RESULTS_QUEUE, TASK_RESULTS_EXCHANGE, '');
  await assertHttpTasksQueue(channel);
  // Heartbeats are only worth their freshness: a bounded length and TTL.
  await channel.assertQueue(ROUTER_HEARTBEATS_QUEUE, {
    durable: true,
    arguments: { ...QUORUM_QUEUE_OPTIONS.arguments, 'x-message-ttl': 60_000, 'x-max-length': 100_000 },
  });
  await channel.bindQueue(ROUTER_HEARTBEATS_QUEUE, HEARTBEATS_EXCHANGE, '');
}
