import { messageOf } from '@turnout/domain';
import { DOMAIN_HEARTBEATS_EXCHANGE, type Heartbeat, domainRoutingKey, publishConfirmed } from '@turnout/messaging';
import type { BrokerSession } from './worker-connection';

export interface WorkerHeartbeatsOptions {
  taskType: string;
  domain: string | null;
  workerId: string;
  intervalMs: number;
  /** The session to send on; none while reconnecting. */
  session: () => BrokerSession | undefined;
  log: (message: string) => void;
}

/**
 * A worker's heartbeats on DOMAIN_HEARTBEATS_EXCHANGE (by its domain), each confirmed by the broker:
 * one every interval while it runs (what makes its domain active for routing),
 * and a last one marked `gone` when it stops.
 */
export class WorkerHeartbeats {
  private timer?: NodeJS.Timeout;

  constructor(private readonly options: WorkerHeartbeatsOptions) {}

  start(): void {
    this.timer = setInterval(
      () => void this.sendOnCurrent(false).catch((error) => this.options.log(`heartbeat failed: ${messageOf(error)}`)),
      this.options.intervalMs,
    );
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** The last heartbeat, `gone: true`; a failure is logged, not thrown. */
  async sendGone(): Promise<void> {
    await this.sendOnCurrent(true).catch((error) => this.options.log(`last heartbeat failed: ${messageOf(error)}`));
  }

  /** One heartbeat on this session, settled on the broker's confirm; nothing on a lost session. */
  async sendOn(session: BrokerSession, gone: boolean): Promise<void> {
    if (session.lost) return;
    const heartbeat: Heartbeat = {
      taskType: this.options.taskType,
      domain: this.options.domain,
      workerId: this.options.workerId,
      at: new Date().toISOString(),
      ...(gone ? { gone: true } : {}),
    };
    const routingKey = domainRoutingKey(this.options.domain);
    await publishConfirmed(session.publishChannel, DOMAIN_HEARTBEATS_EXCHANGE, Buffer.from(JSON.stringify(heartbeat)), { contentType: 'application/json' }, routingKey);
  }

  private async sendOnCurrent(gone: boolean): Promise<void> {
    const session = this.options.session();
    // Without a connection there is no one to tell; presence lapses on its own, as it should.
    if (session === undefined) return;
    await this.sendOn(session, gone);
  }
}
