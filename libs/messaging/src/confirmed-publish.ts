import type { ConfirmChannel, Message, Options } from 'amqplib';

/**
 * How long a publisher waits for the broker's confirm before it takes the
 * channel for broken and closes it (its owner reconnects; a worker's unacked
 * tasks go back to the queue). Seen on a three-node RabbitMQ 3.10 cluster that
 * lost a node: a channel on a surviving node stayed open and never confirmed a
 * worker's results, and the worker held its tasks for ever. A leader election
 * takes seconds; this is several times that.
 */
export const CONFIRM_DEADLINE_MS = 15_000;

/**
 * Publishes to `exchange` (routing key '' unless given) and settles when the
 * broker confirms it. A channel that is already closed makes amqplib throw at
 * once: that rejects too, and so does a channel that closes before the confirm.
 * Published `mandatory`, a message no queue is bound for rejects: the broker
 * returns it (basic.return) and then confirms it, and a confirm alone would
 * pass it for delivered. No confirm within `deadlineMs`: rejects, and the
 * channel is closed.
 */
export function publishConfirmed(
  channel: ConfirmChannel,
  exchange: string,
  content: Buffer,
  options: Options.Publish,
  routingKey = '',
  deadlineMs = CONFIRM_DEADLINE_MS,
): Promise<void> {
  const awaited: AwaitedReturn | undefined = options.mandatory ? { exchange, routingKey, content, returned: undefined } : undefined;
  return withinConfirmDeadline(channel, deadlineMs, [
    new Promise<void>((resolve, reject) => {
      if (awaited !== undefined) returnsAwaitedOn(channel).push(awaited);
      try {
        channel.publish(exchange, routingKey, content, options, (error) => {
          if (awaited !== undefined) forget(channel, awaited);
          if (error) reject(error);
          else if (awaited?.returned !== undefined) reject(new Error(`the broker returned the message unrouted (${awaited.returned}): nothing is bound to ${exchange} for routing key "${routingKey}"`));
          else resolve();
        });
      } catch (error) {
        if (awaited !== undefined) forget(channel, awaited);
        throw error;
      }
    }),
    untilClosed(channel),
  ]);
}

/** A mandatory publish awaiting its confirm, and the broker's reason if it returned the message first. */
interface AwaitedReturn {
  exchange: string;
  routingKey: string;
  content: Buffer;
  returned: string | undefined;
}

const returnsAwaited = new WeakMap<ConfirmChannel, AwaitedReturn[]>();

/**
 * The mandatory publishes awaiting their confirm on `channel`, oldest first,
 * with one 'return' listener per channel. A returned message carries no
 * delivery tag: it is matched to the oldest awaited publish with the same
 * exchange, routing key and content (two such are interchangeable). The
 * broker sends the return before that message's confirm.
 */
function returnsAwaitedOn(channel: ConfirmChannel): AwaitedReturn[] {
  let awaited = returnsAwaited.get(channel);
  if (awaited === undefined) {
    const list: AwaitedReturn[] = [];
    channel.on('return', (message: Message) => {
      const { exchange, routingKey, replyCode, replyText } = message.fields as Message['fields'] & { replyCode?: number; replyText?: string };
      const match = list.find((one) => one.returned === undefined && one.exchange === exchange && one.routingKey === routingKey && one.content.equals(message.content));
      if (match !== undefined) match.returned = `${replyCode ?? '?'} ${replyText ?? 'returned'}`;
    });
    returnsAwaited.set(channel, list);
    awaited = list;
  }
  return awaited;
}

function forget(channel: ConfirmChannel, awaited: AwaitedReturn): void {
  const list = returnsAwaited.get(channel);
  const at = list?.indexOf(awaited) ?? -1;
  if (list !== undefined && at >= 0) list.splice(at, 1);
}

/**
 * Every confirm still awaited on `channel` (waitForConfirms), settled when the
 * broker confirms them, rejected when one is nacked or the channel closes first.
 * Only those still awaited: a nack that came before the call is not seen here,
 * and the publisher must hear of it through the publish's own callback.
 */
export function allConfirmed(channel: ConfirmChannel, deadlineMs = CONFIRM_DEADLINE_MS): Promise<void> {
  return withinConfirmDeadline(channel, deadlineMs, [channel.waitForConfirms().then(() => undefined), untilClosed(channel)]);
}

/** The first of `waits` to settle, unless `deadlineMs` passes first: then the channel is closed and the wait rejects. */
async function withinConfirmDeadline(channel: ConfirmChannel, deadlineMs: number, waits: ReadonlyArray<Promise<void>>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`the broker did not confirm within ${deadlineMs} ms; the channel is closed`));
      channel.close().catch(() => undefined);
    }, deadlineMs);
  });
  try {
    return await Promise.race([...waits, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

const closings = new WeakMap<ConfirmChannel, Promise<never>>();

/**
 * Rejects once the channel closes. amqplib fails the confirms it awaits when
 * its channel closes only up to the first one already settled out of order:
 * the broker confirms each queue's messages as that queue commits them, so
 * with several quorum queues confirms come out of order, and when a node was
 * lost with its connections the callbacks past that gap were never called
 * (measured on a three-node cluster: the relay waited on its confirms for ever).
 * One listener per channel, however many publishes await.
 */
function untilClosed(channel: ConfirmChannel): Promise<never> {
  let closing = closings.get(channel);
  if (closing === undefined) {
    closing = new Promise<never>((_resolve, reject) => channel.once('close', () => reject(new Error('channel closed before the broker confirmed'))));
    // Nobody need be waiting when the channel closes.
    closing.catch(() => undefined);
    closings.set(channel, closing);
  }
  return closing;
}
