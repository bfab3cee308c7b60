import type { Projection } from '@turnout/projections';
import { type StartWorkflowReactionsDeps, type SubWorkflowReactionsDeps, startWorkflowReactions, subWorkflowReactions } from '@turnout/sub-workflows';
import { taskSummariesProjection } from '@turnout/task-executions';
import { timersProjection } from '@turnout/timers';
import { workflowSummariesProjection } from '@turnout/workflow-search';

/**
 * What the routers keep from the log (one runner per database applies them, a page at a time): the
 * read models, and the reactions that start runs (children, START_WORKFLOW), which follow the log the same way; a new one is added here.
 */
export const routerProjections = (subWorkflows: SubWorkflowReactionsDeps, startWorkflows: StartWorkflowReactionsDeps): readonly Projection[] => [
  timersProjection,
  workflowSummariesProjection(),
  taskSummariesProjection,
  subWorkflowReactions(subWorkflows),
  startWorkflowReactions(startWorkflows),
];
