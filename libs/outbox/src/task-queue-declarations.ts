import type { SqlRunner } from '@turnout/event-store';
import { recordTaskQueues } from '@turnout/metadata';
import type { RelayChannel } from './relay-channel';

/**
 * The task queues the relay declared on its current channel. A queue is
 * declared before the first task published to it (the broker drops a message
 * for a queue that does not exist), and recorded, so that queue listings
 * (GET /api/tasks/queue/all) know it from its first task on.
 */
export class TaskQueueDeclarations {
  private readonly declared = new Set<string>();

  constructor(
    private readonly channel: RelayChannel,
    private readonly db: SqlRunner,
  ) {}

  async declareOnce(queueName: string): Promise<void> {
    if (this.declared.has(queueName)) return;
    await this.channel.declareTaskQueue(queueName);
    await recordTaskQueues(this.db, [queueName]);
    this.declared.add(queueName);
  }
}
