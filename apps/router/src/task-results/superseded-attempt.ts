import { type TaskRun, type WorkflowState, isEnded, isOpenTask } from '@turnout/domain';

/**
 * The attempt a result came for, when something newer superseded it: it was
 * cancelled or timed out, or the run ended while it was open. A result for an
 * attempt that already has its own (a duplicate) is not superseded.
 */
export function supersededAttempt(state: WorkflowState, taskId: string): TaskRun | null {
  if (state.type === 'Empty') return null;
  const task = state.run.tasks.find((candidate) => candidate.taskId === taskId);
  if (task === undefined) return null;
  if (task.status === 'CANCELED' || task.status === 'TIMED_OUT') return task;
  return isEnded(state) && isOpenTask(task) ? task : null;
}
