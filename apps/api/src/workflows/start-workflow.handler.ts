import { type FieldError, checkName, isRecord, validateWorkflowDef } from '@turnout/domain';
import { type WorkflowToStart, WorkflowStarts } from '@turnout/workflow-runs';
import { InvalidInput, NotFound } from '../http/api-errors';

/** Conductor's StartWorkflowRequest, checked field by field, then started as every run is (WorkflowStarts). */
export class StartWorkflowHandler {
  constructor(private readonly starts: WorkflowStarts) {}

  async start(request: unknown): Promise<string> {
    if (!isRecord(request)) throw new InvalidInput([{ path: 'body', message: 'must be a StartWorkflowRequest object' }]);
    const errors: FieldError[] = [];
    if (typeof request.name !== 'string' || request.name.trim() === '') errors.push({ path: 'name', message: 'must be a non-empty string' });
    // A name no workflow can be registered under (the path's, for a start by name) is a 400 that says why, not a 404.
    else errors.push(...checkName('name', request.name));
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

    const outcome = await this.starts.start({
      workflow: workflowToStart(request),
      input: (request.input as Record<string, unknown> | undefined) ?? {},
      correlationId: (request.correlationId as string | undefined) ?? null,
      taskToDomain: { raw: request.taskToDomain, path: 'taskToDomain' },
      startedBy: null,
    });
    switch (outcome.type) {
      case 'started':
      case 'already-started':
        return outcome.workflowId;
      case 'invalid':
        throw new InvalidInput(outcome.errors);
      case 'unknown-workflow':
        throw new NotFound(outcome.message);
      default: {
        const unknown: never = outcome;
        throw new Error(`unknown start outcome ${JSON.stringify(unknown)}`);
      }
    }
  }
}

/** The request's embedded workflowDef (validated here), else the stored workflow it names. */
function workflowToStart(request: Record<string, unknown>): WorkflowToStart {
  if (request.workflowDef !== undefined && request.workflowDef !== null) {
    const embedded = validateWorkflowDef(request.workflowDef, 'workflowDef');
    if (!embedded.ok) throw new InvalidInput(embedded.errors);
    return { type: 'given', definition: embedded.value };
  }
  return { type: 'stored', name: request.name as string, version: (request.version as number | null | undefined) ?? null };
}

export const START_WORKFLOW_HANDLER = {
  provide: StartWorkflowHandler,
  inject: [WorkflowStarts],
  useFactory: (starts: WorkflowStarts) => new StartWorkflowHandler(starts),
};
