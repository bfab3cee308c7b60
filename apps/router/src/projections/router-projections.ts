import { ADVISORY_LOCK_KEYS } from '@turnout/event-store';
import type { Projection } from '@turnout/projections';
import { timersProjection } from '@turnout/timers';
import { workflowSummariesProjection } from '@turnout/workflow-search';

/** Projections applied together: one checkpoint, one lock, one pace. */
export interface ProjectionGroup {
  /** Its checkpoint's name in turnout_subscriptions. */
  subscriptionName: string;
  lockKey: number;
  projections: readonly Projection[];
  /** Under load, a page at most this often: larger pages, fewer transactions, a lag of about this much. */
  minPageIntervalMs: number;
}

/**
 * The projections of the log the routers keep (in each group one runner per
 * database is active); a new one is added here. Timers must be kept within a
 * moment of the events that set them (a timer is due a second or more later);
 * search may be a second behind, and rewriting every running run's summary five
 * times a second cost the thirteen-task benchmark about a seventh of its
 * completions, so it goes at its own pace, under its own checkpoint.
 */
export const ROUTER_PROJECTIONS: readonly ProjectionGroup[] = [
  { subscriptionName: 'timers', lockKey: ADVISORY_LOCK_KEYS.projections, projections: [timersProjection], minPageIntervalMs: 200 },
  {
    subscriptionName: 'workflow-summaries',
    lockKey: ADVISORY_LOCK_KEYS.workflowSummariesProjection,
    projections: [workflowSummariesProjection],
    minPageIntervalMs: 1_000,
  },
];
