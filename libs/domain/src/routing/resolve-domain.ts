import { taskQueueName } from './names';
import { type TaskToDomain, ruleFor } from './task-to-domain';
import { type WorkerPresence, isActiveSighting } from './worker-presence';

/**
 * Which routing rule chose the queue:
 * - FIRST_ACTIVE: the first listed domain with a live worker;
 * - NO_DOMAIN_FALLBACK: none was active and the list ends in NO_DOMAIN;
 * - LAST_INACTIVE: none was active; the task waits in the last domain's queue;
 * - NO_RULE: the map has no rule for this task type (or there is no map).
 */
export type RoutingRule = 'FIRST_ACTIVE' | 'NO_DOMAIN_FALLBACK' | 'LAST_INACTIVE' | 'NO_RULE';

export interface DomainCandidate {
  domain: string;
  active: boolean;
  /** Epoch ms of the freshest worker sighting, or null when none is known. */
  lastSeenAt: number | null;
}

/** The answer to "why did my task go there?", recorded in TaskScheduled. */
export interface RoutingReason {
  rule: RoutingRule;
  /** The taskToDomain key whose rule applied (`*` or the task type), or null. */
  ruleKey: string | null;
  /** That rule's value as written. */
  ruleValue: string | null;
  /** The domains checked, in order, up to the one chosen. */
  candidates: DomainCandidate[];
  activeWorkerTimeoutMs: number;
  /** One sentence for people. */
  summary: string;
  /** For a retry or a replacement: the attempt it replaces, where that one waited and why it ended. */
  replaces?: ReplacedAttempt;
}

export interface ReplacedAttempt {
  taskId: string;
  domain: string | null;
  queueName: string;
  /** How it ended: FAILED, TIMED_OUT, CANCELED. */
  status: string;
  reasonForIncompletion: string | null;
  /** The new attempt went to another queue than the one it replaces. */
  moved: boolean;
}

export interface RoutingDecision {
  /** The chosen domain, or null for the default queue. */
  domain: string | null;
  queueName: string;
  reason: RoutingReason;
}

export interface RoutingContext {
  presence: WorkerPresence;
  activeWorkerTimeoutMs: number;
}

export interface ResolveDomainInput extends RoutingContext {
  taskType: string;
  taskToDomain: TaskToDomain;
  now: number;
}

/** Picks the domain of a task being scheduled (first attempt or retry alike). */
export function resolveDomain(input: ResolveDomainInput): RoutingDecision {
  const { taskType, taskToDomain, presence, now, activeWorkerTimeoutMs } = input;
  const rule = ruleFor(taskToDomain, taskType);
  const routeTo = (domain: string | null, reason: Omit<RoutingReason, 'activeWorkerTimeoutMs'>): RoutingDecision => ({
    domain,
    queueName: taskQueueName(taskType, domain),
    reason: { ...reason, activeWorkerTimeoutMs },
  });
  if (rule === undefined) {
    return routeTo(null, {
      rule: 'NO_RULE',
      ruleKey: null,
      ruleValue: null,
      candidates: [],
      summary: `no taskToDomain rule for "${taskType}": default queue`,
    });
  }
  const candidates: DomainCandidate[] = [];
  for (const domain of rule.domains) {
    const lastSeenAt = presence.lastSeenAt(taskType, domain);
    const active = isActiveSighting(lastSeenAt, now, activeWorkerTimeoutMs);
    candidates.push({ domain, active, lastSeenAt: lastSeenAt ?? null });
    if (active) {
      return routeTo(domain, {
        rule: 'FIRST_ACTIVE',
        ruleKey: rule.key,
        ruleValue: rule.value,
        candidates,
        summary: `"${domain}" is the first active domain of "${rule.value}" (rule "${rule.key}"; a worker was seen ${now - lastSeenAt}ms ago)`,
      });
    }
  }
  const checked = candidates.length === 0 ? 'nothing listed' : 'no listed domain has a worker seen';
  if (rule.fallsBackToNoDomain || rule.domains.length === 0) {
    return routeTo(null, {
      rule: 'NO_DOMAIN_FALLBACK',
      ruleKey: rule.key,
      ruleValue: rule.value,
      candidates,
      summary: `${checked} within ${activeWorkerTimeoutMs}ms; "${rule.value}" (rule "${rule.key}") ends in NO_DOMAIN: default queue`,
    });
  }
  const last = rule.domains[rule.domains.length - 1];
  return routeTo(last, {
    rule: 'LAST_INACTIVE',
    ruleKey: rule.key,
    ruleValue: rule.value,
    candidates,
    summary: `${checked} within ${activeWorkerTimeoutMs}ms; the task waits for workers of the last domain "${last}" of "${rule.value}" (rule "${rule.key}")`,
  });
}
