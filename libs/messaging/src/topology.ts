/**
 * The AMQP names and arguments of Turnout's contract, in one place. Every
 * component (api, router, relay, workers) declares through these functions,
 * so a queue is never declared twice with different arguments.
 */
import { NO_DOMAIN, type WorkflowEventType, isNoDomain } from '@turnout/domain';
import type { Channel, ChannelModel, Options } from 'amqplib';

/** Workflow lifecycle events, published by the outbox relay; routing key = event type. */
export const EVENTS_EXCHANGE = 'turnout.events';
/** Workers publish their TaskResult here. */
export const TASK_RESULTS_EXCHANGE = 'turnout.task-results';
/** Workers publish their heartbeats here. */
export const HEARTBEATS_EXCHANGE = 'turnout.heartbeats';
/**
 * Topic exchanges where a worker publishes with routing key = its domain
 * (domainRoutingKey), bound with `#` straight to the router's queues (one
 * exchange per message, not two).
 * A user confined to a domain (npm run grant-domain) may write only here, and
 * only with its own domain as the key (RabbitMQ's topic permissions); the
 * router holds what came through them to that domain (the delivery's exchange
 * is the one the publisher used, its routing key the publisher's).
 */
export const DOMAIN_TASK_RESULTS_EXCHANGE = 'turnout.task-results.by-domain';
export const DOMAIN_HEARTBEATS_EXCHANGE = 'turnout.heartbeats.by-domain';
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
/**
 * Bound to TASKS_SUPERSEDED_STREAM only: where a worker publishes its catch-up
 * marker. A confined user may write here, and neither to the default exchange
 * (which reaches every queue) nor to TASKS_SUPERSEDED_EXCHANGE (signals other
 * domains' workers obey).
 */
export const TASKS_SUPERSEDED_MARKERS_EXCHANGE = 'turnout.tasks-superseded.markers';
/** How long the stream keeps a signal: a superseded message older than this that lingers in a queue may run. */
export const TASKS_SUPERSEDED_RETENTION_MS = 24 * 60 * 60 * 1000;

/** Headers of a dead-lettered message: why it was refused, and the queue it was taken from. */
export const DEAD_LETTER_REASON_HEADER = 'x-turnout-reason';
export const DEAD_LETTER_QUEUE_HEADER = 'x-turnout-queue';
/** An id of each dead-lettering, and when (epoch ms): the dead-letter list keeps each once, however often it is delivered. */
export const DEAD_LETTER_ID_HEADER = 'x-turnout-dead-letter-id';
export const DEAD_LETTER_AT_HEADER = 'x-turnout-dead-lettered-at';

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

/**
 * The routing key a worker publishes its results and heartbeats with on the
 * DOMAIN_* exchanges: its domain, or NO_DOMAIN for the default queues (no
 * domain has that name).
 */
export function domainRoutingKey(domain: string | null): string {
  return domain ?? NO_DOMAIN;
}

/**
 * The exchanges workers publish results and heartbeats to. Only declared
 * here: the router binds them (a confined worker may not bind).
 */
export async function assertWorkerExchanges(channel: Channel): Promise<void> {
  await channel.assertExchange(TASK_RESULTS_EXCHANGE, 'fanout', { durable: true });
  await channel.assertExchange(HEARTBEATS_EXCHANGE, 'fanout', { durable: true });
  await channel.assertExchange(DOMAIN_TASK_RESULTS_EXCHANGE, 'topic', { durable: true });
  await channel.assertExchange(DOMAIN_HEARTBEATS_EXCHANGE, 'topic', { durable: true });
}

/**
 * Every message a worker publishes by domain reaches the router's queues
 * (declared first), as one published to the fanout does. Bound queue to topic
 * exchange, each message crossing one exchange. The exchange-to-exchange
 * bindings an earlier Turnout made (by-domain into the fanout) are removed:
 * they cost each message a second exchange (unbinding what is not bound is a
 * no-op).
 */
export async function bindDomainExchanges(channel: Channel): Promise<void> {
  await channel.bindQueue(ROUTER_TASK_RESULTS_QUEUE, DOMAIN_TASK_RESULTS_EXCHANGE, '#');
  await channel.bindQueue(ROUTER_HEARTBEATS_QUEUE, DOMAIN_HEARTBEATS_EXCHANGE, '#');
  await channel.unbindExchange(TASK_RESULTS_EXCHANGE, DOMAIN_TASK_RESULTS_EXCHANGE, '#');
  await channel.unbindExchange(HEARTBEATS_EXCHANGE, DOMAIN_HEARTBEATS_EXCHANGE, '#');
}

async function assertDeadLetterExchange(channel: Channel): Promise<void> {
  await channel.assertExchange(DEAD_LETTER_EXCHANGE, 'fanout', { durable: true });
}

export async function assertDeadLetter(channel: Channel): Promise<void> {
  await assertDeadLetterExchange(channel);
  await channel.assertQueue(DEAD_LETTER_QUEUE, QUORUM_QUEUE_OPTIONS);
  await channel.bindQueue(DEAD_LETTER_QUEUE, DEAD_LETTER_EXCHANGE, '');
}

const TASKS_SUPERSEDED_STREAM_OPTIONS: Options.AssertQueue = {
  durable: true,
  arguments: { 'x-queue-type': 'stream', 'x-max-age': `${TASKS_SUPERSEDED_RETENTION_MS / 1000}s` },
};

/** The stream of superseded signals and the exchange of workers' markers, unbound: what a worker may declare. */
async function assertTasksSupersededStream(channel: Channel): Promise<void> {
  await channel.assertQueue(TASKS_SUPERSEDED_STREAM, TASKS_SUPERSEDED_STREAM_OPTIONS);
  await channel.assertExchange(TASKS_SUPERSEDED_MARKERS_EXCHANGE, 'fanout', { durable: true });
}

/**
 * The superseded signals' exchange and stream, and the markers' exchange,
 * bound. Declared by the router, so that no signal the relay publishes finds
 * nothing bound.
 */
export async function assertTasksSuperseded(channel: Channel): Promise<void> {
  await channel.assertExchange(TASKS_SUPERSEDED_EXCHANGE, 'fanout', { durable: true });
  await assertTasksSupersededStream(channel);
  await channel.bindQueue(TASKS_SUPERSEDED_STREAM, TASKS_SUPERSEDED_EXCHANGE, '');
  await channel.bindQueue(TASKS_SUPERSEDED_STREAM, TASKS_SUPERSEDED_MARKERS_EXCHANGE, '');
}

/**
 * What a worker declares when it finds something missing (ensureWorkerTopology):
 * the exchanges it publishes to (results, heartbeats, dead letters, markers)
 * and the stream it reads, and no binding: binding needs write permission on
 * the stream and the dead-letter queue, which a user confined to a domain
 * does not have (its write on the stream's name would be write on
 * TASKS_SUPERSEDED_EXCHANGE, of the same name). The router declares and binds
 * them all (assertRouterTopology) before any task exists.
 */
export async function assertWorkerTopology(channel: Channel): Promise<void> {
  await assertWorkerExchanges(channel);
  await assertDeadLetterExchange(channel);
  await assertTasksSupersededStream(channel);
}

/** The exchanges a worker publishes to, all declared by assertWorkerTopology (and all a confined user may write to). */
export const WORKER_PUBLISHES_TO: readonly string[] = [DOMAIN_TASK_RESULTS_EXCHANGE, DOMAIN_HEARTBEATS_EXCHANGE, DEAD_LETTER_EXCHANGE, TASKS_SUPERSEDED_MARKERS_EXCHANGE];

/**
 * Makes sure what a worker publishes to and reads exists. Checked passively,
 * which needs no configure permission, so that a user confined to a domain
 * need not be able to declare (and so delete) Turnout's shared exchanges;
 * declared (assertWorkerTopology) only when something is missing, before any
 * router ran. Its own channels: a passive check of something missing closes
 * the channel it was made on.
 */
export async function ensureWorkerTopology(connection: ChannelModel): Promise<void> {
  const probe = await connection.createChannel();
  probe.on('error', () => undefined);
  try {
    for (const exchange of WORKER_PUBLISHES_TO) await probe.checkExchange(exchange);
    await probe.checkQueue(TASKS_SUPERSEDED_STREAM);
    await probe.close().catch(() => undefined);
    return;
  } catch {
    // Missing (404): the broker closed the probe's channel; declare on another.
  }
  const declare = await connection.createChannel();
  try {
    await assertWorkerTopology(declare);
  } finally {
    await declare.close().catch(() => undefined);
  }
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
  await assertRouterQueues(channel);
  await assertHttpTasksQueue(channel);
}

/**
 * The router's results and heartbeats queues, bound to the fanouts (for
 * unconfined publishers: the API's task endpoints) and to the by-domain
 * exchanges (bindDomainExchanges). The worker exchanges are declared first.
 */
export async function assertRouterQueues(channel: Channel): Promise<void> {
  await channel.assertQueue(ROUTER_TASK_RESULTS_QUEUE, QUORUM_QUEUE_OPTIONS);
  await channel.bindQueue(ROUTER_TASK_RESULTS_QUEUE, TASK_RESULTS_EXCHANGE, '');
  // Heartbeats are only worth their freshness: a bounded length and TTL.
  await channel.assertQueue(ROUTER_HEARTBEATS_QUEUE, {
    durable: true,
    arguments: { ...QUORUM_QUEUE_OPTIONS.arguments, 'x-message-ttl': 60_000, 'x-max-length': 100_000 },
  });
  await channel.bindQueue(ROUTER_HEARTBEATS_QUEUE, HEARTBEATS_EXCHANGE, '');
  await bindDomainExchanges(channel);
}

/**
 * The domain a delivery's publisher is held to: for a message published to
 * `domainExchange` (DOMAIN_TASK_RESULTS_EXCHANGE, DOMAIN_HEARTBEATS_EXCHANGE),
 * the routing key it used (NO_DOMAIN: null, the default queues), which a
 * confined user cannot choose; undefined for one published anywhere else (the
 * fanout exchanges, which only unconfined users may write to).
 */
export function publisherDomainOf(fields: { exchange: string; routingKey: string }, domainExchange: string): string | null | undefined {
  if (fields.exchange !== domainExchange) return undefined;
  return isNoDomain(fields.routingKey) ? null : fields.routingKey;
}
