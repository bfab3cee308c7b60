import type { Projection } from '@turnout/projections';
import { timersProjection } from '@turnout/timers';
import { workflowSummariesProjection } from '@turnout/workflow-search';

/** The projections of the log the routers keep (one runner per database applies them); a new one is added here. */
export const ROUTER_PROJECTIONS: readonly Projection[] = [timersProjection, workflowSummariesProjection];
