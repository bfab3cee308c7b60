import type { WorkerSighting, WorkflowState } from '@turnout/domain';

/**
 * A worker's result or IN_PROGRESS as a sighting of that worker, at `receivedAt`:
 * a pool busy with long tasks is heard from by its results even if its
 * heartbeats lapse. The task type and domain are the attempt's, as the run
 * holds it (a late result of a superseded attempt counts too: the worker is
 * there). None for a result with no worker id, an attempt the run does not
 * hold, or a system task, which no queue routes.
 */
export function resultSighting(state: WorkflowState, taskId: string, workerId: string | null, receivedAt: number): WorkerSighting | null {
  if (workerId === null || state.type === 'Empty') return null;
  const task = state.run.tasks.find((candidate) => candidate.taskId === taskId);
  if (task === undefined || task.queueName === '') return null;
  return { taskType: task.taskType, domain: task.domain, workerId, seenAt: receivedAt, gone: false };
}
