import { randomUUID } from 'node:crypto';
import { Body, Controller, Get, Header, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { type FieldError, type TaskResultStatus, isRecord, workerIdProblem } from '@turnout/domain';
import { findTaskSummary, insertTaskLog, listTaskLogs, parseTaskSearchQuery, searchTaskSummaries } from '@turnout/task-executions';
import { WorkflowCommandHandler, loadWorkflow } from '@turnout/workflow-runs';
import { DATA_SOURCE } from '../api.tokens';
import { conductorTask } from '../conductor/conductor-task';
import { InvalidInput, NotFound } from '../http/api-errors';
import { pageNumber } from '../http/page-parameters';
import { WorkerPresenceService } from '../presence/worker-presence.service';
import { taskSearchResultView } from './task-summary-view';

const TASK_RESULT_STATUSES: readonly TaskResultStatus[] = ['IN_PROGRESS', 'COMPLETED', 'FAILED', 'FAILED_WITH_TERMINAL_ERROR'];
const isTaskResultStatus = (status: string): status is TaskResultStatus => (TASK_RESULT_STATUSES as readonly string[]).includes(status);

/** Conductor's default page, and the most one search answers (as the workflow search). */
const DEFAULT_SIZE = 100;
const MAX_SIZE = 1000;

/**
 * Conductor's task look-ups and updates that start from a task id or a
 * reference name rather than a poll: a task by id (the task-summaries
 * projection says which run holds it; the run's stream says how it stands),
 * completing a task by reference, task logs and task search.
 */
@Controller('tasks')
export class TaskQueriesController {
  constructor(
    @Inject(DATA_SOURCE) private readonly db: DataSource,
    private readonly presence: WorkerPresenceService,
    private readonly workflows: WorkflowCommandHandler,
  ) {}

  /**
   * Conductor's SearchResult<TaskSummary>, from the projection (a moment behind
   * the log). `query` over taskId, workflowId, workflowType, taskType,
   * taskDefName, referenceTaskName, status, domain (= or IN) and scheduledTime,
   * startTime, updateTime, endTime (<, >, <=, >=); `freeText` a word in the ids,
   * types or reference name (`*`: any). Declared before GET :taskId.
   */
  @Get('search')
  async search(@Query() parameters: Record<string, unknown>) {
    const errors: FieldError[] = [];
    const start = pageNumber(parameters.start, 0, 'start', Number.MAX_SAFE_INTEGER, errors);
    const size = pageNumber(parameters.size, DEFAULT_SIZE, 'size', MAX_SIZE, errors);
    const query = parameters.query;
    if (query !== undefined && typeof query !== 'string') errors.push({ path: 'query', message: 'must be given once' });
    const clauses = parseTaskSearchQuery(typeof query === 'string' ? query : undefined);
    if (!clauses.ok) errors.push(...clauses.errors);
    const freeText = typeof parameters.freeText === 'string' ? parameters.freeText.trim() : '';
    if (errors.length > 0 || !clauses.ok) throw new InvalidInput(errors);
    const result = await searchTaskSummaries(this.db, { clauses: clauses.value, freeText: freeText === '' || freeText === '*' ? null : freeText, start, size });
    return taskSearchResultView(result);
  }

  /** The task as Conductor shows it; 404 for an id Turnout does not know (or not yet: the projection is a moment behind). */
  @Get(':taskId')
  async get(@Param('taskId') taskId: string) {
    const summary = await findTaskSummary(this.db, taskId);
    if (summary !== null) {
      const { state } = await loadWorkflow(this.db, summary.workflowId);
      const task = state.type === 'Empty' ? undefined : state.run.tasks.find((candidate) => candidate.taskId === taskId);
      if (state.type !== 'Empty' && task !== undefined) return conductorTask(state.run, task);
    }
    throw new NotFound(`No such task found by id: ${taskId}`);
  }

  /** Conductor's TaskExecLog list, oldest first; [] for a task with none. */
  @Get(':taskId/log')
  logs(@Param('taskId') taskId: string) {
    return listTaskLogs(this.db, taskId);
  }

  /** The body is the line, a JSON string (as Conductor's clients send it). */
  @Post(':taskId/log')
  @HttpCode(200)
  async log(@Param('taskId') taskId: string, @Body() body: unknown): Promise<void> {
    if (typeof body !== 'string') throw new InvalidInput([{ path: 'body', message: 'must be the log line, a JSON string' }]);
    await insertTaskLog(this.db, taskId, body, Date.now());
  }

  /**
   * Ends (or reports progress on) the latest attempt of a task reference, body
   * = its output: a RecordTaskResult decided here, through the one command
   * handler, as a worker's result is in the router; the next task is routed by
   * the api's presence. Answers the attempt's id as text/plain, as Conductor
   * does. A result for an attempt that has already ended changes nothing.
   */
  @Post(':workflowId/:taskRefName/:status')
  @HttpCode(200)
  @Header('Content-Type', 'text/plain')
  async updateByReference(
    @Param('workflowId') workflowId: string,
    @Param('taskRefName') taskRefName: string,
    @Param('status') status: string,
    @Query('workerid') workerId: unknown,
    @Body() body: unknown,
  ): Promise<string> {
    const errors: FieldError[] = [];
    if (!isTaskResultStatus(status)) errors.push({ path: 'status', message: `must be one of ${TASK_RESULT_STATUSES.join(', ')}` });
    // No body at all reaches here as {}: an output of nothing.
    if (!isRecord(body)) errors.push({ path: 'body', message: "must be the task's output, a JSON object" });
    if (workerId !== undefined && typeof workerId !== 'string') errors.push({ path: 'workerid', message: 'must be given once' });
    const worker = typeof workerId === 'string' && workerId.trim() !== '' ? workerId : null;
    const workerIdError = worker === null ? null : workerIdProblem(worker);
    if (workerIdError !== null) errors.push({ path: 'workerid', message: workerIdError });
    if (errors.length > 0 || !isTaskResultStatus(status) || !isRecord(body)) throw new InvalidInput(errors);
    await this.presence.caughtUp();
    let taskId: string | undefined;
    await this.workflows.handle(workflowId, (state) => {
      // The latest attempt of the reference (Conductor's getTaskByRefName); an unknown run is the domain's to refuse.
      const attempt = state.type === 'Empty' ? undefined : [...state.run.tasks].reverse().find((task) => task.referenceTaskName === taskRefName);
      if (state.type !== 'Empty' && attempt === undefined) throw new NotFound(`No task ${taskRefName} in workflow ${workflowId}`);
      const attemptId = attempt?.taskId ?? taskRefName;
      taskId = attemptId;
      return {
        type: 'RecordTaskResult',
        data: {
          taskId: attemptId,
          status,
          outputData: body,
          reasonForIncompletion: status === 'FAILED' || status === 'FAILED_WITH_TERMINAL_ERROR' ? `${status} by an update of ${taskRefName}` : null,
          workerId: worker,
          callbackAfterSeconds: null,
          nextTaskId: randomUUID(),
          routing: this.presence.routingContext(),
          now: Date.now(),
        },
      };
    });
    return taskId ?? taskRefName;
  }
}
