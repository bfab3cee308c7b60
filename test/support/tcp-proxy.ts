/**
 * A TCP proxy on 127.0.0.1 for cutting a client's connection on purpose: the
 * client talks to the proxy's port, the proxy to the real server.
 */
import { type Server, type Socket, createConnection, createServer } from 'node:net';
import { Transform, type TransformCallback } from 'node:stream';

export interface TcpProxy {
  port: number;
  /** Connections accepted since the proxy started. */
  readonly accepted: number;
  /** Cuts every open connection at once, both ways, as a network failure would. */
  severAll(): void;
  /** The next `count` connections are cut as soon as they arrive (a broker that is not back yet). */
  refuseNext(count: number): void;
  /** Cuts every open connection and refuses every new one until restore(): the server is gone for a while. */
  cut(): void;
  /** Connections are accepted and passed on again. */
  restore(): void;
  /** The next `count` connections are accepted and never answered (a broker that has stalled). */
  stallNext(count: number): void;
  /**
   * From now on the server's bytes are kept by the proxy instead of reaching the client
   * (replies, confirms, heartbeats all wait); the client's bytes still reach the server.
   * Applies to open connections and to those accepted while held.
   */
  holdReplies(): void;
  /** Passes on what was held, in order, and forwards the server's bytes as they come again. */
  releaseReplies(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let accepted = 0;
  let toRefuse = 0;
  let refusingAll = false;
  let toStall = 0;
  let holding = false;
  const gates = new Set<ReplyGate>();
  const server: Server = createServer((client) => {
    accepted += 1;
    if (refusingAll || toRefuse > 0) {
      if (!refusingAll) toRefuse -= 1;
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
    const gate = new ReplyGate(holding);
    gates.add(gate);
    client.on('close', () => gates.delete(gate));
    client.pipe(upstream);
    upstream.pipe(gate).pipe(client);
    for (const [socket, other] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      open.add(socket);
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
    cut() {
      refusingAll = true;
      for (const socket of open) socket.destroy();
    },
    restore() {
      refusingAll = false;
    },
    refuseNext(count: number) {
      toRefuse = count;
    },
    stallNext(count: number) {
      toStall = count;
    },
    holdReplies() {
      holding = true;
      for (const gate of gates) gate.hold();
    },
    releaseReplies() {
      holding = false;
      for (const gate of gates) gate.release();
    },
    close() {
      for (const socket of open) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Between the server and the client: passes the server's bytes on, or keeps them, in order, while held. */
class ReplyGate extends Transform {
  private readonly held: Buffer[] = [];
  /** The server ended its side while held: end the client's once what was held is passed on. */
  private endWhenReleased?: TransformCallback;

  constructor(private holding: boolean) {
    super();
  }

  hold(): void {
    this.holding = true;
  }

  release(): void {
    this.holding = false;
    for (const chunk of this.held.splice(0)) this.push(chunk);
    const end = this.endWhenReleased;
    this.endWhenReleased = undefined;
    end?.();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.holding) this.held.push(chunk);
    else this.push(chunk);
    callback();
  }

  override _flush(callback: TransformCallback): void {
    if (this.holding) this.endWhenReleased = callback;
    else callback();
  }
}

/** The same AMQP (or PostgreSQL) URL, pointed at the proxy. */
export function throughProxy(serverUrl: string, proxy: TcpProxy): string {
  const url = new URL(serverUrl);
  url.hostname = '127.0.0.1';
  url.port = String(proxy.port);
  return url.toString();
}

/** Where an AMQP URL points. */
export function amqpTarget(amqpUrl: string): { host: string; port: number } {
  const url = new URL(amqpUrl);
  return { host: url.hostname, port: url.port === '' ? 5672 : Number(url.port) };
}

/** Where a PostgreSQL URL points. */
export function postgresTarget(databaseUrl: string): { host: string; port: number } {
  const url = new URL(databaseUrl);
  return { host: url.hostname, port: url.port === '' ? 5432 : Number(url.port) };
}
