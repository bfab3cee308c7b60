/**
 * How every Turnout component (api, router, relay, workers) opens its broker
 * connection: to the first of the broker's addresses that answers, no Nagle
 * delay, one handshake deadline, a name an operator sees in RabbitMQ, and a
 * log line when the broker stops accepting publishes.
 */
import { Socket } from 'node:net';
import * as amqp from 'amqplib';
import { type BrokerUrls, parseBrokerUrls, redactedBrokerUrl } from '@turnout/config';
import { messageOf } from '@turnout/domain';

/**
 * A broker that accepts the TCP connection but never finishes the AMQP
 * handshake (out of file handles, overloaded) would otherwise hang the caller
 * for ever; past this the connect fails and the caller's retry takes over.
 */
export const BROKER_CONNECT_TIMEOUT_MS = 10_000;

export interface BrokerConnectionOptions {
  /** Shown as the connection's name in `rabbitmqctl list_connections client_properties`. */
  connectionName: string;
  /** Told when the broker blocks and unblocks publishing (a memory or disk alarm). */
  log?: (message: string) => void;
  timeoutMs?: number;
}

/**
 * Connects to the first address that answers, in the order given (one URL, a
 * comma-separated list of a cluster's nodes, or the list split). Every caller
 * reconnects through here after a loss, so a node that went away refuses (or
 * times out) and the next one is taken; a node that comes back is taken again
 * by connections opened after it did. Fails with every address's reason.
 */
export async function connectToBroker(urls: BrokerUrls, options: BrokerConnectionOptions): Promise<amqp.ChannelModel> {
  const addresses = parseBrokerUrls(urls);
  // One address: its own error, as amqplib raised it.
  if (addresses.length === 1) return connectToAddress(addresses[0], options);
  const failures: string[] = [];
  for (const address of addresses) {
    try {
      const connection = await connectToAddress(address, options);
      if (failures.length > 0) options.log?.(`connected to ${redactedBrokerUrl(address)}; the nodes before it did not answer (${failures.join('; ')})`);
      return connection;
    } catch (error) {
      failures.push(`${redactedBrokerUrl(address)}: ${(error as Error).message}`);
    }
  }
  throw new Error(`no broker node answered (${failures.join('; ')})`);
}

async function connectToAddress(url: string, options: BrokerConnectionOptions): Promise<amqp.ChannelModel> {
  const connection = await amqp.connect(url, {
    // amqplib leaves Nagle's algorithm on: a small publish or ack then waits for the
    // peer's delayed ACK, up to 40 ms a hop (measured: quorum publish→delivery p50 22 ms
    // with it, 1 ms without).
    noDelay: true,
    timeout: options.timeoutMs ?? BROKER_CONNECT_TIMEOUT_MS,
    clientProperties: { connection_name: options.connectionName },
  });
  coalesceWritesPerTick(connection);
  const log = options.log;
  if (log !== undefined) {
    // While blocked, publishes and their confirms wait: say why, or a stall looks like a hang.
    connection.on('blocked', (reason: unknown) => log(`the broker blocks publishing (${String(reason)}); publishes wait until it unblocks`));
    connection.on('unblocked', () => log('the broker accepts publishes again'));
  }
  return connection;
}

/**
 * amqplib hands the socket every frame (a publish, an ack) on its own: with
 * Nagle off, a syscall and a TCP segment each, which the broker then reads one
 * by one. Corked from the first write of a tick until the next tick, a burst
 * (a relay batch, a handful of acks) leaves in one writev, without Nagle's wait.
 * Where amqplib's socket cannot be found, frames go out as amqplib writes them.
 */
function coalesceWritesPerTick(connection: amqp.ChannelModel): void {
  const socket = (connection as unknown as { connection?: { stream?: unknown } }).connection?.stream;
  if (!(socket instanceof Socket)) return;
  const write = socket.write as (...args: unknown[]) => boolean;
  let corked = false;
  const uncork = () => {
    corked = false;
    socket.uncork();
  };
  socket.write = ((...args: unknown[]) => {
    if (!corked) {
      corked = true;
      socket.cork();
      process.nextTick(uncork);
    }
    return write.apply(socket, args);
  }) as typeof socket.write;
}


/**
 * A channel the broker closed (a channel error) or its owner closed (a publish
 * past its confirm deadline) leaves its connection half-working: its errors are
 * logged, and its close closes the connection, whose owner reconnects whole.
 * Answers the channel.
 */
export function renewConnectionWhenClosed<C extends amqp.Channel>(connection: amqp.ChannelModel, channel: C, warn: (message: string) => void, name: string): C {
  channel.on('error', (error: unknown) => warn(`${name} error: ${messageOf(error)}`));
  channel.on('close', () => void connection.close().catch(() => undefined));
  return channel;
}
