import type { Provider } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { findBlueprint, findWorkflowDefinitionWithTasks } from '@turnout/metadata';
import { WorkflowCommandHandler, WorkflowStarts } from '@turnout/workflow-runs';
import { WorkerPresenceService } from '../presence/worker-presence.service';
import { DATA_SOURCE } from '../router.tokens';

/**
 * The router's starts (runs started by messages, and START_WORKFLOW tasks'): the same WorkflowStarts as
 * the api's, through this router's command handler, so the run it starts is
 * in its memory when the first result comes. Definitions are read for each
 * start: nothing here would clear a cache when one is written through an api,
 * and the one indexed query is small beside the append.
 */
export const ROUTER_WORKFLOW_STARTS: Provider = {
  provide: WorkflowStarts,
  inject: [DATA_SOURCE, WorkflowCommandHandler, WorkerPresenceService],
  useFactory: (db: DataSource, workflows: WorkflowCommandHandler, presence: WorkerPresenceService) =>
    new WorkflowStarts(
      workflows,
      { find: (name, version) => findWorkflowDefinitionWithTasks(db, name, version), blueprint: (definition, at) => findBlueprint(db, definition, at) },
      presence,
    ),
};
