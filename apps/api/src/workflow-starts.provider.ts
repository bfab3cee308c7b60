import type { Provider } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { findBlueprint } from '@turnout/metadata';
import { WorkflowCommandHandler, WorkflowStarts } from '@turnout/workflow-runs';
import { DATA_SOURCE } from './api.tokens';
import { WorkflowDefinitionCache } from './metadata/workflow-definition-cache';
import { WorkerPresenceService } from './presence/worker-presence.service';

/** The api's starts: stored definitions from its one-second cache, first tasks routed by its own presence snapshot. */
export const WORKFLOW_STARTS: Provider = {
  provide: WorkflowStarts,
  inject: [DATA_SOURCE, WorkflowCommandHandler, WorkflowDefinitionCache, WorkerPresenceService],
  useFactory: (db: DataSource, workflows: WorkflowCommandHandler, definitions: WorkflowDefinitionCache, presence: WorkerPresenceService) =>
    new WorkflowStarts(
      workflows,
      { find: (name, version) => definitions.find(name, version), blueprint: (definition, at) => findBlueprint(db, definition, at) },
      presence,
    ),
};
