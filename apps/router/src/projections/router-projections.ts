import { taskQueuesProjection } from '@turnout/metadata';
import type { Projection, ReadModel } from '@turnout/projections';
import { type StartWorkflowReactionsDeps, type SubWorkflowReactionsDeps, startWorkflowReactions, subWorkflowReactions } from '@turnout/sub-workflows';
import { taskSummariesProjection } from '@turnout/task-executions';
import { timersProjection } from '@turnout/timers';
import { workflowSummariesProjection } from '@turnout/workflow-search';

/** The checkpoint in turnout_subscriptions of the routers' projection runner. */
export const PROJECTIONS_SUBSCRIPTION = 'projections';

/** The read models the routers keep from the log: what `npm run rebuild-projections` rebuilds. A new one is added here. */
export const routerReadModels = (): readonly ReadModel[] => [timersProjection, workflowSummariesProjection(), taskSummariesProjection, taskQueuesProjection];

/**
 * What the routers keep from the log (one runner per database applies them, a page at a time): the
 * read models, and the reactions that start runs (children, START_WORKFLOW), which follow the log the same way but are never rebuilt.
 */
export const routerProjections = (subWorkflows: SubWorkflowReactionsDeps, startWorkflows: StartWorkflowReactionsDeps): readonly Projection[] => [
  ...routerReadModels(),
  subWorkflowReactions(subWorkflows),
  startWorkflowReactions(startWorkflows),
];
