import { workflowIdOfStream } from '@turnout/domain';
import type { ReadModel } from '@turnout/projections';
import { workflowEventOf } from '@turnout/workflow-runs';
import { recordTaskQueues } from './record-task-queues';

/**
 * turnout_task_queues from the log: every queue a TaskScheduled names, so that
 * queue listings know it whether or not a relay happened to record declaring it
 * (a relay's record is lost with the table; the log is not). The table is not
 * emptied on a rebuild: queues that only a poll named are real too.
 */
export const taskQueuesProjection: ReadModel = {
  name: 'task-queues',
  tables: [],
  async apply(tx, events) {
    const queueNames = new Set<string>();
    for (const stored of events) {
      if (stored.type !== 'TaskScheduled' || workflowIdOfStream(stored.streamId) === null) continue;
      const event = workflowEventOf(stored);
      // System tasks are in no queue.
      if (event.type === 'TaskScheduled' && event.data.queueName !== '') queueNames.add(event.data.queueName);
    }
    await recordTaskQueues(tx, [...queueNames]);
  },
};
