import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import {
  type FieldError,
  type TaskDef,
  type WorkflowDef,
  blueprintOf,
  isRecord,
  parseTaskToDomain,
  validateWorkflowDef,
} from '@turnout/domain';
import { findTaskDefinitions } from '@turnout/metadata';
import { WorkflowCommandHandler } from '@turnout/workflow-runs';
import { DATA_SOURCE } from '../api.tokens';
import { InvalidInput, NotFound } from '../http/api-errors';
import { WorkflowDefinitionCache } from '../metadata/workflow-definition-cache';
import { WorkerPresenceService } from '../presence/worker-presence.service';

/** Conductor's StartWorkflowRequest, checked field by field before anything is appended. */
export class StartWorkflowHandler {
  constructor(
    private readonly db: DataSource,
    private readonly presence: WorkerPresenceService,
    private readonly definitions: WorkflowDefinitionCache,
    private readonly workflows: WorkflowCommandHandler,
  ) {}

  async start(request: unknown): Promise<string> {
    if (!isRecord(request)) throw new InvalidInput([{ path: 'body', message: 'must be a StartWorkflowRequest object' }]);
    const errors: FieldError[] = [];
    if (typeof request.name !== 'string' || request.name.trim() === '') errors.push({ path: 'name', message: 'must be a non-empty string' });
    if (request.version !== undefined && request.version !== null && !(Number.isInteger(request.version) && (request.version as number) >= 1)) {
      errors.push({ path: 'version', message: 'must be a whole number, 1 or more' });
    }
    if (request.input !== undefined && request.input !== null && !isRecord(request.input)) {
      errors.push({ path: 'input', message: 'must be an object' });
    }
    if (request.correlationId !== undefined && request.correlationId !== null && typeof request.correlationId !== 'string') {
      errors.push({ path: 'correlationId', message: 'must be a string' });
    }
    if (errors.length > 0) throw new InvalidInput(errors);

    const { definition, taskDefs } = await this.definitionFor(request);
    const taskTypes = definition.tasks.map((task) => task.name);
    const taskToDomain = parseTaskToDomain(request.taskToDomain, taskTypes);
    if (!taskToDomain.ok) throw new InvalidInput(taskToDomain.errors);

    const workflowId = randomUUID();
    // A worker that started or stopped a moment ago is announced; route by what it changed.
    await this.presence.caughtUp();
    // A new stream: nothing to read (a second start of an id conflicts, re-reads and is refused).
    await this.workflows.handle(
      workflowId,
      () => ({
        type: 'StartWorkflow',
        data: {
          workflowId,
          blueprint: blueprintOf(definition, taskDefs),
          input: (request.input as Record<string, unknown> | undefined) ?? {},
          taskToDomain: taskToDomain.value,
          correlationId: (request.correlationId as string | undefined) ?? null,
          firstTaskId: randomUUID(),
          routing: this.presence.routingContext(),
          now: Date.now(),
        },
      }),
      { read: 'new' },
    );
    return workflowId;
  }

  private async definitionFor(request: Record<string, unknown>): Promise<{ definition: WorkflowDef; taskDefs: Map<string, TaskDef> }> {
    if (request.workflowDef !== undefined && request.workflowDef !== null) {
      const embedded = validateWorkflowDef(request.workflowDef, 'workflowDef');
      if (!embedded.ok) throw new InvalidInput(embedded.errors);
      return { definition: embedded.value, taskDefs: await findTaskDefinitions(this.db, embedded.value.tasks.map((task) => task.name)) };
    }
    const name = request.name as string;
    const version = (request.version as number | null | undefined) ?? undefined;
    const stored = await this.definitions.find(name, version);
    if (stored === undefined) throw new NotFound(`No such workflow found by name: ${name}, version: ${version ?? null}`);
    return stored;
  }
}

export const START_WORKFLOW_HANDLER = {
  provide: StartWorkflowHandler,
  inject: [DATA_SOURCE, WorkerPresenceService, WorkflowDefinitionCache, WorkflowCommandHandler],
  useFactory: (db: DataSource, presence: WorkerPresenceService, definitions: WorkflowDefinitionCache, workflows: WorkflowCommandHandler) =>
    new StartWorkflowHandler(db, presence, definitions, workflows),
};
