import { randomUUID } from 'node:crypto';
import {
  DomainError,
  type FieldError,
  type RoutingContext,
  type RunTrigger,
  type TaskDef,
  type Validated,
  type WorkflowBlueprint,
  type WorkflowDef,
  type WorkflowEvent,
  buildBlueprint,
  parseTaskToDomain,
  subWorkflowNamesOf,
  taskTypesOf,
  unstorableInputProblems,
} from '@turnout/domain';
import { SPAN_ATTRIBUTES, SPAN_NAMES, activeTracing } from '@turnout/tracing';
import type { WorkflowCommandHandler } from './workflow-command-handler';

/** Where a start finds the definitions it runs (the api keeps them a second in memory; a router reads them). */
export interface WorkflowDefinitionSource {
  /** A stored definition (a version, or the latest) with the task definitions it names. */
  find(name: string, version?: number): Promise<{ definition: WorkflowDef; taskDefs: Map<string, TaskDef> } | undefined>;
  /**
   * The blueprint of a definition whose sub-workflows (and their task
   * definitions) must be read first; errors name the SUB_WORKFLOW's path under `at`.
   */
  blueprint(definition: WorkflowDef, at: string): Promise<Validated<WorkflowBlueprint>>;
}

/** The presence a start routes its first task by: caught up with what was announced, then read. */
export interface StartRouting {
  caughtUp(): Promise<void>;
  routingContext(): RoutingContext;
}

/** The workflow a start runs: a stored one by name (and version), or a definition given whole (already validated). */
export type WorkflowToStart = { type: 'stored'; name: string; version: number | null } | { type: 'given'; definition: WorkflowDef };

export interface RunStartRequest {
  workflow: WorkflowToStart;
  input: Record<string, unknown>;
  correlationId: string | null;
  /** The map as written, parsed here against the workflow's task types; errors name `path`. */
  taskToDomain: { raw: unknown; path: string };
  /** Null: started by a request. */
  startedBy: RunTrigger | null;
  /**
   * The run's id, when the caller derives it (a message's start, so that a
   * redelivery finds the run it already started); otherwise a new one.
   */
  workflowId?: string;
}

export type RunStartOutcome =
  | { type: 'started'; workflowId: string; events: WorkflowEvent[] }
  /** The run of the caller's id exists already: a start that came again. */
  | { type: 'already-started'; workflowId: string }
  | { type: 'invalid'; errors: FieldError[] }
  | { type: 'unknown-workflow'; message: string };

type BlueprintFound =
  | { type: 'found'; blueprint: WorkflowBlueprint; taskTypes: string[] }
  | { type: 'unknown-workflow'; message: string }
  | { type: 'invalid'; errors: FieldError[] };

/** The blueprint found, with every task type its map is checked against (its children's included). */
function found(blueprint: Validated<WorkflowBlueprint>): BlueprintFound {
  return blueprint.ok ? { type: 'found', blueprint: blueprint.value, taskTypes: taskTypesOf(blueprint.value) } : { type: 'invalid', errors: blueprint.errors };
}

/**
 * The one place a start turns the workflow it names into the blueprint it
 * runs: the definition lookup, the task definitions, `blueprintOf`, and the
 * task types its map is checked against.
 */
async function blueprintToStart(workflow: WorkflowToStart, definitions: WorkflowDefinitionSource): Promise<BlueprintFound> {
  switch (workflow.type) {
    case 'given':
      return found(await definitions.blueprint(workflow.definition, 'workflowDef'));
    case 'stored': {
      const stored = await definitions.find(workflow.name, workflow.version ?? undefined);
      if (stored === undefined) return { type: 'unknown-workflow', message: `No such workflow found by name: ${workflow.name}, version: ${workflow.version}` };
      // Without children, the stored definition and its task definitions are all there is: no further read.
      if (subWorkflowNamesOf(stored.definition).length === 0) return found(buildBlueprint(stored.definition, stored.taskDefs));
      // A cycle raced in by two registrations is refused here as at registration.
      return found(await definitions.blueprint(stored.definition, ''));
    }
    default: {
      const unknown: never = workflow;
      throw new Error(`unknown workflow to start ${JSON.stringify(unknown)}`);
    }
  }
}

/**
 * How a run starts, wherever the start comes from (the api's
 * StartWorkflowRequest, a router's event handler): the blueprint, the map
 * parsed against its task types, presence caught up, then StartWorkflow
 * through the one command handler on a new stream. An invalid start appends
 * nothing. Failures that may pass (database, conflicts spent) are thrown.
 */
export class WorkflowStarts {
  constructor(
    private readonly workflows: WorkflowCommandHandler,
    private readonly definitions: WorkflowDefinitionSource,
    private readonly routing: StartRouting,
  ) {}

  async start(request: RunStartRequest): Promise<RunStartOutcome> {
    // A message's start has passed no HTTP pipe, and an event handler's expressions (inline JSON) can make text
    // PostgreSQL cannot store: refused here, or the append would fail on every redelivery.
    const unstorable = [
      ...unstorableInputProblems(request.input, 'input'),
      ...unstorableInputProblems(request.correlationId, 'correlationId'),
      ...unstorableInputProblems(request.startedBy, 'startedBy'),
    ];
    if (unstorable.length > 0) return { type: 'invalid', errors: unstorable };
    const blueprint = await blueprintToStart(request.workflow, this.definitions);
    if (blueprint.type !== 'found') return blueprint;
    const taskToDomain = parseTaskToDomain(request.taskToDomain.raw, blueprint.taskTypes, request.taskToDomain.path);
    if (!taskToDomain.ok) return { type: 'invalid', errors: taskToDomain.errors };

    const workflowId = request.workflowId ?? randomUUID();
    // The run's trace begins here: its schedulings, publishes, executions and records are beneath.
    const span = activeTracing()?.startSpan(SPAN_NAMES.start, {
      role: 'server',
      attributes: { [SPAN_ATTRIBUTES.workflowId]: workflowId, [SPAN_ATTRIBUTES.workflowType]: blueprint.blueprint.name },
    });
    // A worker that started or stopped a moment ago is announced; route by what it changed.
    await this.routing.caughtUp();
    try {
      // A new stream: nothing to read (a second start of an id conflicts, re-reads and is refused).
      const { events } = await this.workflows.handle(
        workflowId,
        () => ({
          type: 'StartWorkflow',
          data: {
            workflowId,
            blueprint: blueprint.blueprint,
            input: request.input,
            taskToDomain: taskToDomain.value,
            correlationId: request.correlationId,
            firstTaskId: randomUUID(),
            routing: this.routing.routingContext(),
            now: Date.now(),
            ...(request.startedBy === null ? {} : { startedBy: request.startedBy }),
          },
        }),
        { read: 'new', traceparent: span?.traceparent },
      );
      return { type: 'started', workflowId, events };
    } catch (error) {
      span?.fail(error);
      if (request.workflowId !== undefined && error instanceof DomainError && error.code === 'WORKFLOW_ALREADY_STARTED') {
        return { type: 'already-started', workflowId };
      }
      throw error;
    } finally {
      span?.end();
    }
  }
}
