import { randomUUID } from 'node:crypto';
import { Body, Controller, Delete, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { EMPTY_TASK_TO_DOMAIN, type FieldError, type Scheduling, type WorkflowCommand, type WorkflowState, isRecord, parseTaskToDomain, taskTypesOf } from '@turnout/domain';
import { WorkflowCommandHandler } from '@turnout/workflow-runs';
import { InvalidInput } from '../http/api-errors';
import { WorkerPresenceService } from '../presence/worker-presence.service';

/** What a run's TERMINATED status says when the operator gave no reason. */
const UNSTATED_TERMINATE_REASON = 'terminated by an operator';

/** An optional object field of a request body: absent or null is none. */
function objectField(body: Record<string, unknown>, field: string, errors: FieldError[]): Record<string, unknown> | null {
  const value = body[field];
  if (value === undefined || value === null) return null;
  if (isRecord(value)) return value;
  errors.push({ path: field, message: 'must be an object' });
  return null;
}

/** A body that may be absent (an SDK sends none) or must be an object. */
function optionalBody(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null || (typeof body === 'string' && body === '')) return {};
  if (!isRecord(body)) throw new InvalidInput([{ path: 'body', message: 'must be an object' }]);
  return body;
}

function flag(raw: unknown, path: string): boolean {
  if (raw === undefined || raw === 'false') return false;
  if (raw === 'true') return true;
  throw new InvalidInput([{ path, message: 'must be true or false' }]);
}

/**
 * Conductor's operator actions on a run (terminate, pause, resume, retry,
 * restart) and Turnout's change of its taskToDomain: each one command on the
 * run's stream through the one command handler. A refusal (unknown run, or an
 * action that does not fit the run's state) leaves as a 404 or a 409 through the
 * exception filter. Answers as Conductor's: 200 with no body, retry and restart 204.
 */
@Controller('workflow')
export class WorkflowActionsController {
  constructor(
    private readonly presence: WorkerPresenceService,
    private readonly workflows: WorkflowCommandHandler,
  ) {}

  @Delete(':workflowId')
  async terminate(@Param('workflowId') workflowId: string, @Query('reason') reason?: unknown): Promise<void> {
    const stated = typeof reason === 'string' && reason.trim() !== '' ? reason.trim() : UNSTATED_TERMINATE_REASON;
    await this.workflows.handle(workflowId, () => ({ type: 'TerminateWorkflow', data: { reason: stated, now: Date.now() } }));
  }

  @Put(':workflowId/pause')
  async pause(@Param('workflowId') workflowId: string): Promise<void> {
    await this.workflows.handle(workflowId, () => ({ type: 'PauseWorkflow', data: { now: Date.now() } }));
  }

  @Put(':workflowId/resume')
  async resume(@Param('workflowId') workflowId: string): Promise<void> {
    await this.scheduling(workflowId, (scheduling) => ({ type: 'ResumeWorkflow', data: scheduling }));
  }

  @Post(':workflowId/retry')
  @HttpCode(204)
  async retry(@Param('workflowId') workflowId: string): Promise<void> {
    await this.scheduling(workflowId, (scheduling) => ({ type: 'RetryWorkflow', data: scheduling }));
  }

  @Post(':workflowId/restart')
  @HttpCode(204)
  async restart(@Param('workflowId') workflowId: string): Promise<void> {
    await this.scheduling(workflowId, (scheduling) => ({ type: 'RestartWorkflow', data: scheduling }));
  }

  /** Conductor's SkipTaskRequest (taskInput, taskOutput): the task, not reached yet, counts as done. */
  @Put(':workflowId/skiptask/:taskReferenceName')
  async skipTask(@Param('workflowId') workflowId: string, @Param('taskReferenceName') taskReferenceName: string, @Body() body: unknown): Promise<void> {
    const request = optionalBody(body);
    const errors: FieldError[] = [];
    const taskInput = objectField(request, 'taskInput', errors) ?? {};
    const taskOutput = objectField(request, 'taskOutput', errors) ?? {};
    if (errors.length > 0) throw new InvalidInput(errors);
    await this.scheduling(workflowId, (scheduling) => ({ type: 'SkipTask', data: { ...scheduling, taskReferenceName, taskInput, taskOutput } }));
  }

  /** Conductor's RerunWorkflowRequest (reRunFromTaskId, workflowInput, taskInput); answers the run's id. Re-run tasks are routed afresh. */
  @Post(':workflowId/rerun')
  @HttpCode(200)
  async rerun(@Param('workflowId') workflowId: string, @Body() body: unknown): Promise<string> {
    const request = optionalBody(body);
    const errors: FieldError[] = [];
    const workflowInput = objectField(request, 'workflowInput', errors);
    const taskInput = objectField(request, 'taskInput', errors);
    const fromTaskId = request.reRunFromTaskId ?? null;
    if (fromTaskId !== null && typeof fromTaskId !== 'string') errors.push({ path: 'reRunFromTaskId', message: 'must be a task id' });
    if (request.reRunFromWorkflowId !== undefined && request.reRunFromWorkflowId !== null && request.reRunFromWorkflowId !== workflowId) {
      errors.push({ path: 'reRunFromWorkflowId', message: `must be the workflow in the path (${workflowId}) or absent` });
    }
    if (errors.length > 0) throw new InvalidInput(errors);
    await this.scheduling(workflowId, (scheduling) => ({
      type: 'RerunWorkflow',
      data: { ...scheduling, fromTaskId: fromTaskId as string | null, workflowInput, taskInput },
    }));
    return workflowId;
  }

  /** The body is the new map, checked as a start's is (against the run's task types); `?reroute=true` moves waiting tasks too. */
  @Put(':workflowId/taskToDomain')
  @HttpCode(204)
  async changeTaskToDomain(@Param('workflowId') workflowId: string, @Body() body: unknown, @Query('reroute') rerouteParameter?: unknown): Promise<void> {
    const reroute = flag(rerouteParameter, 'reroute');
    await this.scheduling(workflowId, (scheduling, state) => {
      // An unknown run is the domain's to refuse (a 404), whatever the body says.
      if (state.type === 'Empty') return { type: 'ChangeTaskToDomain', data: { ...scheduling, taskToDomain: EMPTY_TASK_TO_DOMAIN, reroute } };
      // A body of null is no map; `{}` clears it.
      if (!isRecord(body)) throw new InvalidInput([{ path: 'body', message: 'must be an object mapping task types to comma-separated domains ({} clears the map)' }]);
      const taskToDomain = parseTaskToDomain(body, taskTypesOf(state.run.blueprint));
      if (!taskToDomain.ok) throw new InvalidInput(taskToDomain.errors);
      return { type: 'ChangeTaskToDomain', data: { ...scheduling, taskToDomain: taskToDomain.value, reroute } };
    });
  }

  /** A command that may schedule a task: routed by the api's presence, caught up first as a start is. */
  private async scheduling(workflowId: string, commandFor: (scheduling: Scheduling, state: WorkflowState) => WorkflowCommand): Promise<void> {
    await this.presence.caughtUp();
    await this.workflows.handle(workflowId, (state) => commandFor({ nextTaskId: randomUUID(), routing: this.presence.routingContext(), now: Date.now() }, state));
  }
}
