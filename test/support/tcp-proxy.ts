/**
 * A TCP proxy on 127.0.0.1 for cutting a client's connection on purpose: the
 * client talks to the proxy's port, the proxy to the real server.
 */
import { type Server, type Socket, createConnection, createServer } from 'node:net';

export interface TcpProxy {
  port: number;
  /** Connections accepted since the proxy started. */
  readonly accepted: number;
  /** Cuts every open connection at once, both ways, as a network failure would. */
  severAll(): void;
  /** The next `count` connections are cut as soon as they arrive (a broker that is not back yet). */
  refuseNext(count: number): void;
  /** The next `count` connections are accepted and never answered (a broker that has stalled). */
  stallNext(count: number): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let accepted = 0;
  let toRefuse = 0;
  let toStall = 0;
  const server: Server = createServer((client) => {
    accepted += 1;
    if (toRefuse > 0) {
      toRefuse -= 1;
      client.destroy();
      return;
    }
    if (toStall > 0) {
      toStall -= 1;
      open.add(client);
      client.on('error', () => undefined);
      client.on('close', () => open.delete(client));
      return;
    }
    const upstream = createConnection(target);
    for (const [socket, other] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      open.add(socket);
      socket.pipe(other);
      socket.on('error', () => other.destroy());
      socket.on('close', () => {
        open.delete(socket);
        other.destroy();
      });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no TCP port');
  return {
    port: address.port,
    get accepted() {
      return accepted;
    },
    severAll() {
      for (const socket of open) socket.destroy();
    },
    refuseNext(count: number) {
      toRefuse = count;
    },
    stallNext(count: number) {
      toStall = count;
    },
    close() {
      for (const socket of open) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** The same AMQP URL, pointed at the proxy. */
export function throughProxy(amqpUrl: string, proxy: TcpProxy): string {
  const url = new URL(amqpUrl);
  url.hostname = '127.0.0.1';
  url.port = String(proxy.port);
  return url.toString();
}

/** Where an AMQP URL points. */
export function amqpTarget(amqpUrl: string): { host: string; port: number } {
  const url = new URL(amqpUrl);
  return { host: url.hostname, port: url.port === '' ? 5672 : Number(url.port) };
}
