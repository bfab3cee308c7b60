import { workflowIdOfStream } from '@turnout/domain';
import type { ReadModel } from '@turnout/projections';
import { workflowEventOf } from '@turnout/workflow-runs';
import { deleteEndedTimers } from './delete-ended-timers';
import { recordTimers } from './record-timers';
import { type RunEvent, timerChangesOf } from './timer-changes';

/** The durable timers of every run (turnout_timers), from its workflow stream; other streams set none. */
export const timersProjection: ReadModel = {
  name: 'timers',
  tables: ['turnout_timers'],
  async apply(tx, events) {
    const page: RunEvent[] = events.flatMap((stored) => {
      const workflowId = workflowIdOfStream(stored.streamId);
      return workflowId === null ? [] : [{ workflowId, event: workflowEventOf(stored) }];
    });
    const { set, ended } = timerChangesOf(page);
    // Deletions first: a timer the page sets after an end (a restarted run's) must stay.
    await deleteEndedTimers(tx, ended);
    await recordTimers(tx, set);
  },
};
