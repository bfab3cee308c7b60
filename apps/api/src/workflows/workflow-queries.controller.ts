import { Controller, Delete, Get, Inject, Param, Query } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { type FieldError, type StartedWorkflow, type TaskStatus, isEnded } from '@turnout/domain';
import { loadWorkflow } from '@turnout/workflow-runs';
import { removeWorkflowRun } from '@turnout/workflow-runs/remove-workflow-run';
import { findCorrelatedWorkflowIds, listRunningWorkflowIds } from '@turnout/workflow-search';
import { DATA_SOURCE } from '../api.tokens';
import { conductorTask } from '../conductor/conductor-task';
import { Conflict, InvalidInput, NotFound } from '../http/api-errors';
import { workflowView } from './workflow-view';

/** Conductor's default page of GET /api/workflow/{id}/tasks. */
const DEFAULT_TASK_COUNT = 15;

function flag(raw: unknown, fallback: boolean, path: string, errors: FieldError[]): boolean {
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === 'false') return raw === 'true';
  errors.push({ path, message: 'must be true or false' });
  return fallback;
}

function wholeNumber(raw: unknown, fallback: number | null, path: string, errors: FieldError[]): number | null {
  if (raw === undefined || raw === '') return fallback;
  const value = typeof raw === 'string' ? Number(raw) : Number.NaN;
  if (Number.isSafeInteger(value) && value >= 0) return value;
  errors.push({ path, message: 'must be a whole number from 0' });
  return fallback;
}

/** A list parameter as Conductor's clients send one: repeated, or comma-separated. */
const listOf = (raw: unknown): string[] =>
  (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).flatMap((value) => String(value).split(',')).map((value) => value.trim()).filter((value) => value !== '');

/**
 * Conductor's look-ups of runs by workflow and correlation id, the running
 * list, a run's paged task list, and removing a run. Runs are found through
 * the search projection (a moment behind the log) and shown from their streams.
 * Routes of two and three segments: none meets WorkflowController's GET :workflowId.
 */
@Controller('workflow')
export class WorkflowQueriesController {
  constructor(@Inject(DATA_SOURCE) private readonly db: DataSource) {}

  /** Ids of the runs of `version` (default 1, as Conductor) not ended; with startTime and endTime, started between them. Declared before :workflowId/tasks. */
  @Get('running/:name')
  async running(@Param('name') name: string, @Query() parameters: Record<string, unknown>): Promise<string[]> {
    const errors: FieldError[] = [];
    const version = wholeNumber(parameters.version, 1, 'version', errors) ?? 1;
    const startedFrom = wholeNumber(parameters.startTime, null, 'startTime', errors);
    const startedTo = wholeNumber(parameters.endTime, null, 'endTime', errors);
    if (errors.length > 0) throw new InvalidInput(errors);
    return listRunningWorkflowIds(this.db, { workflowType: name, version, startedFrom, startedTo });
  }

  /** Conductor's list of Workflow: the runs of `name` with this correlation id, oldest first. */
  @Get(':name/correlated/:correlationId')
  async correlated(@Param('name') name: string, @Param('correlationId') correlationId: string, @Query() parameters: Record<string, unknown>) {
    const errors: FieldError[] = [];
    const includeClosed = flag(parameters.includeClosed, false, 'includeClosed', errors);
    const includeTasks = flag(parameters.includeTasks, false, 'includeTasks', errors);
    if (errors.length > 0) throw new InvalidInput(errors);
    const runs: StartedWorkflow[] = [];
    for (const workflowId of await findCorrelatedWorkflowIds(this.db, name, correlationId, includeClosed)) {
      const { state } = await loadWorkflow(this.db, workflowId);
      // The stream is the truth: a run the projection has not seen end yet is still checked here.
      if (state.type !== 'Empty' && (includeClosed || !isEnded(state))) runs.push(state);
    }
    return runs.map((state) => workflowView(state, includeTasks));
  }

  /**
   * Conductor's TaskListSearchResultSummary: a page (`start`, `count`, default
   * 15) of the run's attempts in scheduling order, only those of the given
   * `status`es if any, with totalHits and a count of every attempt by status.
   */
  @Get(':workflowId/tasks')
  async tasks(@Param('workflowId') workflowId: string, @Query() parameters: Record<string, unknown>) {
    const errors: FieldError[] = [];
    const start = wholeNumber(parameters.start, 0, 'start', errors) ?? 0;
    const count = wholeNumber(parameters.count, DEFAULT_TASK_COUNT, 'count', errors) ?? DEFAULT_TASK_COUNT;
    if (errors.length > 0) throw new InvalidInput(errors);
    const statuses = new Set(listOf(parameters.status));
    const { state } = await loadWorkflow(this.db, workflowId);
    if (state.type === 'Empty') throw new NotFound(`No such workflow found by id: ${workflowId}`);
    const run = state.run;
    const summary: Partial<Record<TaskStatus, number>> = {};
    for (const task of run.tasks) summary[task.status] = (summary[task.status] ?? 0) + 1;
    const matching = statuses.size === 0 ? run.tasks : run.tasks.filter((task) => statuses.has(task.status));
    return {
      totalHits: matching.length,
      results: matching.slice(start, start + count).map((task) => conductorTask(run, task)),
      summary,
    };
  }

  /**
   * Removes an ended run: its events, timers, task summaries and logs, and its
   * search summary unless `archiveWorkflow` (Conductor's default true) keeps it
   * for search. A run not ended is refused (409: terminate it first), so no
   * task of it waits in a queue for a run that is gone.
   */
  @Delete(':workflowId/remove')
  async remove(@Param('workflowId') workflowId: string, @Query('archiveWorkflow') archiveWorkflow: unknown): Promise<void> {
    const errors: FieldError[] = [];
    const keepSummary = flag(archiveWorkflow, true, 'archiveWorkflow', errors);
    if (errors.length > 0) throw new InvalidInput(errors);
    const { state } = await loadWorkflow(this.db, workflowId);
    if (state.type === 'Empty') throw new NotFound(`No such workflow found by id: ${workflowId}`);
    if (!isEnded(state)) throw new Conflict(`workflow ${workflowId} is ${state.type === 'Paused' ? 'PAUSED' : 'RUNNING'}: terminate it before removing it`);
    await removeWorkflowRun(this.db, workflowId, { keepSummary });
  }
}
