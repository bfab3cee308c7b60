import { Client } from 'pg';

// Past this a connect fails and the owner's retry takes over, instead of a
// server that accepts the socket but never answers holding it up for ever.
const CONNECT_TIMEOUT_MS = 10_000;

export interface ListenSessionOptions {
  databaseUrl: string;
  /** Shown in pg_stat_activity, so that an operator sees whose session it is. */
  applicationName: string;
  /** A NOTIFY on a channel this session LISTENs on. */
  onNotification: () => void;
  /** The session failed or the server ended it; never called once its owner ended it. */
  onLost: (error: Error) => void;
}

/**
 * A dedicated Postgres session for LISTEN (and, for the outbox relay, a
 * session-level advisory lock): both belong to one session, so it cannot be a
 * pooled connection. The relay and the presence follower each keep one.
 */
export class ListenSession {
  private readonly client: Client;
  private ended = false;

  constructor(options: ListenSessionOptions) {
    this.client = new Client({
      connectionString: options.databaseUrl,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      application_name: options.applicationName,
    });
    const lost = (error: Error) => {
      if (!this.ended) options.onLost(error);
    };
    // Without an 'error' listener a session error would be thrown out of pg's socket handler.
    this.client.on('error', lost);
    this.client.on('end', () => lost(new Error('session ended')));
    this.client.on('notification', () => options.onNotification());
  }

  async connect(): Promise<void> {
    await this.client.connect();
  }

  /** NOTIFYs on `channel` reach `onNotification` from here on. */
  async listen(channel: string): Promise<void> {
    await this.client.query(`listen ${channel}`);
  }

  /** Runs a statement on this session (one that must hold for the session, like an advisory lock); returns its rows. */
  async query(sql: string, parameters?: unknown[]): Promise<any[]> {
    return (await this.client.query(sql, parameters)).rows;
  }

  /** Ends the session (releasing its locks and LISTENs); safe to call more than once, or before it connected. */
  async end(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    await this.client.end().catch(() => undefined);
  }
}
