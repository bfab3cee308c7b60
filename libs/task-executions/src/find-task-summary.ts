import type { SqlRunner } from '@turnout/event-store';
import type { TaskSummary } from './task-summary';
import { TASK_SUMMARY_COLUMNS, type TaskSummaryRow, taskSummaryOf } from './task-summary-row';

/** The attempt with this id as the projection has it (a moment behind the log), or null. */
export async function findTaskSummary(db: SqlRunner, taskId: string): Promise<TaskSummary | null> {
  const rows: TaskSummaryRow[] = await db.query(`select ${TASK_SUMMARY_COLUMNS} from turnout_task_summaries where task_id = $1`, [taskId]);
  return rows.length === 0 ? null : taskSummaryOf(rows[0]);
}
