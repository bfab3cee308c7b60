import { randomUUID } from 'node:crypto';
import { Body, Controller, Delete, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { EMPTY_TASK_TO_DOMAIN, type Scheduling, type WorkflowCommand, type WorkflowState, parseTaskToDomain, taskTypesOf } from '@turnout/domain';
import { WorkflowCommandHandler } from '@turnout/workflow-runs';
import { InvalidInput } from '../http/api-errors';
import { WorkerPresenceService } from '../presence/worker-presence.service';

/** What a run's TERMINATED status says when the operator gave no reason. */
const UNSTATED_TERMINATE_REASON = 'terminated by an operator';

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

  /** The body is the new map, checked as a start's is (against the run's task types); `?reroute=true` moves waiting tasks too. */
  @Put(':workflowId/taskToDomain')
  @HttpCode(204)
  async changeTaskToDomain(@Param('workflowId') workflowId: string, @Body() body: unknown, @Query('reroute') rerouteParameter?: unknown): Promise<void> {
    const reroute = flag(rerouteParameter, 'reroute');
    await this.scheduling(workflowId, (scheduling, state) => {
      // An unknown run is the domain's to refuse (a 404), whatever the body says.
      if (state.type === 'Empty') return { type: 'ChangeTaskToDomain', data: { ...scheduling, taskToDomain: EMPTY_TASK_TO_DOMAIN, reroute } };
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
