import { isNoDomain, nameProblem } from '@turnout/domain';
import { DOMAIN_HEARTBEATS_EXCHANGE, DOMAIN_TASK_RESULTS_EXCHANGE, TASKS_SUPERSEDED_STREAM, WORKER_PUBLISHES_TO, domainRoutingKey } from './topology';

/** A RabbitMQ user's permissions in one vhost: regular expressions over resource names, as the management API takes them. */
export interface VhostPermissions {
  configure: string;
  write: string;
  read: string;
}

/** A topic permission: what routing keys the user may publish (write) and bind (read) with on one topic exchange. */
export interface TopicPermission {
  exchange: string;
  write: string;
  read: string;
}

/** What a broker user confined to one domain may do (npm run grant-domain). */
export interface DomainPermissions {
  /** The domain, or null for the default queues (NO_DOMAIN). */
  domain: string | null;
  permissions: VhostPermissions;
  topicPermissions: TopicPermission[];
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const exactly = (names: readonly string[]): string => `^(${names.map(escapeRegExp).join('|')})$`;

/**
 * The queues a worker of `domain` consumes: `<taskType>@<domain>`; for the
 * default queues, every name without "@" outside Turnout's own (`turnout.`)
 * and RabbitMQ's (`amq.`).
 */
function taskQueuesOf(domain: string | null): string {
  return domain === null ? '(?!turnout\\.|amq\\.)[^@]+' : `[^@]+@${escapeRegExp(domain)}`;
}

/**
 * The permissions of a user confined to `domain` (a domain name, or NO_DOMAIN
 * for the default queues), so that the TypeScript SDK runs there and nothing
 * it publishes can pass for another domain's:
 * - read (consume) its task queues and the superseded stream;
 * - write (publish) its results and heartbeats only to the DOMAIN_* topic
 *   exchanges, with routing key = its domain (the topic permissions), dead
 *   letters, and catch-up markers to the exchange bound only to the stream;
 *   not the fanouts, not the default exchange (which reaches every queue),
 *   not the superseded signals' exchange;
 * - configure (declare, and so delete) its task queues only: the SDK checks
 *   Turnout's shared exchanges and stream passively (ensureWorkerTopology),
 *   which needs no permission.
 * Throws when `domain` is no domain name.
 */
export function domainPermissions(domain: string): DomainPermissions {
  const confinedTo = isNoDomain(domain.trim()) ? null : domain;
  const problem = confinedTo === null ? null : nameProblem(confinedTo);
  if (problem !== null) throw new Error(`domain "${domain}" ${problem}`);
  const queues = taskQueuesOf(confinedTo);
  const routingKey = `^${escapeRegExp(domainRoutingKey(confinedTo))}$`;
  return {
    domain: confinedTo,
    permissions: {
      configure: `^(${queues})$`,
      write: exactly(WORKER_PUBLISHES_TO),
      read: `^(${queues}|${escapeRegExp(TASKS_SUPERSEDED_STREAM)})$`,
    },
    // Read '^$': a confined user binds nothing to them.
    topicPermissions: [DOMAIN_TASK_RESULTS_EXCHANGE, DOMAIN_HEARTBEATS_EXCHANGE].map((exchange) => ({ exchange, write: routingKey, read: '^$' })),
  };
}
