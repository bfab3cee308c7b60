import { PresenceSnapshot, blueprintOf, decide, parseTaskToDomain, validateWorkflowDef, workflowStreamId } from '@turnout/domain';
import { START_CHECKPOINT, appendToStream, readCommittedEvents } from '@turnout/event-store';
import { migratedDatabaseForSuite } from '../../../test/support/migrated-database';
import { waitFor } from '../../../test/support/wait-for';
import { listTaskQueues } from './list-task-queues';
import { recordTaskQueues } from './record-task-queues';
import { taskQueuesProjection } from './task-queues-projection';

const definition = validateWorkflowDef({ name: 'encode_video', tasks: [{ name: 'encode', taskReferenceName: 'encode' }] });
if (!definition.ok) throw new Error('bad definition');
const blueprint = blueprintOf(definition.value, new Map());
const routing = { presence: new PresenceSnapshot(), activeWorkerTimeoutMs: 10_000 };

/** The events of a run started with this map, as the log stores them. */
function startOf(workflowId: string, map: Record<string, string>) {
  const taskToDomain = parseTaskToDomain(map);
  if (!taskToDomain.ok) throw new Error('bad map');
  return decide(
    { type: 'StartWorkflow', data: { workflowId, blueprint, input: {}, taskToDomain: taskToDomain.value, correlationId: null, firstTaskId: `${workflowId}-task`, routing, now: 1 } },
    { type: 'Empty' },
  );
}

describe('taskQueuesProjection: the task queues from the log', () => {
  const fixture = migratedDatabaseForSuite('task_queues');

  it("records every queue a TaskScheduled names, with its task type and domain, and keeps the queues it had", async () => {
    await recordTaskQueues(fixture.db, ['polled@laptop']);
    const appended = [startOf('w1', { encode: 'gpu' }), startOf('w2', {})];
    await appendToStream(fixture.db, workflowStreamId('w1'), 0, appended[0]);
    await appendToStream(fixture.db, workflowStreamId('w2'), 0, appended[1]);
    // Readable once every older transaction of the cluster has ended, as for the runner.
    const events = await waitFor('the events to be readable', async () => {
      const read = await readCommittedEvents(fixture.db, START_CHECKPOINT, 100);
      return read.length === appended.flat().length ? read : undefined;
    });

    await fixture.db.transaction((tx) => taskQueuesProjection.apply(tx, events));
    // A page that comes again adds nothing.
    await fixture.db.transaction((tx) => taskQueuesProjection.apply(tx, events));

    expect(await listTaskQueues(fixture.db)).toEqual([
      { queueName: 'encode', taskType: 'encode', domain: null },
      { queueName: 'encode@gpu', taskType: 'encode', domain: 'gpu' },
      { queueName: 'polled@laptop', taskType: 'polled', domain: 'laptop' },
    ]);
  });
});
