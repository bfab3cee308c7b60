import type { FieldError } from '../field-error';

/** The token that means "the default queue, no domain", in any letter case. */
export const NO_DOMAIN = 'NO_DOMAIN';

/** AMQP limits a queue name to 255 bytes (a short string). */
export const MAX_QUEUE_NAME_BYTES = 255;

// Control characters (C0, DEL, C1) never belong in a name: a task type, a domain, a queue, a worker id.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

const UTF8 = new TextEncoder();

export const hasControlCharacters = (name: string): boolean => CONTROL_CHARACTERS.test(name);

/** Why this is no queue name RabbitMQ takes (over 255 bytes), or null. */
export function queueNameBytesProblem(queueName: string): string | null {
  const bytes = UTF8.encode(queueName).length;
  return bytes > MAX_QUEUE_NAME_BYTES ? `queue name "${queueName.slice(0, 40)}…" is ${bytes} bytes; RabbitMQ allows ${MAX_QUEUE_NAME_BYTES}` : null;
}

export const isNoDomain = (token: string): boolean => token.toUpperCase() === NO_DOMAIN;

/** The queue a task of this type and domain waits in: `<taskType>` or `<taskType>@<domain>`. */
export function taskQueueName(taskType: string, domain: string | null): string {
  return domain === null ? taskType : `${taskType}@${domain}`;
}

/** Why a task type or domain name cannot be used, or null when it can. */
export function nameProblem(name: string): string | null {
  if (name.length === 0) return 'must not be empty';
  if (name.trim() !== name) return 'must not start or end with white space';
  if (name.includes('@')) return 'must not contain "@" (it separates task type and domain in queue names)';
  if (name.includes(',')) return 'must not contain "," (it separates fallback domains)';
  if (hasControlCharacters(name)) return 'must not contain control characters';
  return null;
}

/** Why this task type and domain make no valid queue name, or null. */
export function queueNameProblem(taskType: string, domain: string | null): string | null {
  return queueNameBytesProblem(taskQueueName(taskType, domain));
}

export function checkName(field: string, value: unknown): FieldError[] {
  if (typeof value !== 'string') return [{ path: field, message: 'must be a string' }];
  const problem = nameProblem(value);
  if (problem !== null) return [{ path: field, message: problem }];
  const queueProblem = queueNameProblem(value, null);
  return queueProblem === null ? [] : [{ path: field, message: queueProblem }];
}

/**
 * A worker id is part of the worker presence table's key, beside a task type
 * and a domain: bounded like them, so that the key stays far below what a
 * btree index takes (about 2,700 bytes), which would otherwise fail the upsert
 * of every sighting grouped with it.
 */
export const MAX_WORKER_ID_BYTES = 255;

/** Why this worker id cannot be recorded, or null. */
export const workerIdProblem = (workerId: string): string | null => identifierProblem(workerId, 'a worker id');

/** Why `name` (a worker id, a broker user or vhost) cannot be used: blank, control characters, over 255 bytes; or null. */
export function identifierProblem(name: string, what: string): string | null {
  if (name.trim() === '') return 'must not be blank';
  if (hasControlCharacters(name)) return 'must not contain control characters';
  const bytes = UTF8.encode(name).length;
  return bytes > MAX_WORKER_ID_BYTES ? `is ${bytes} bytes; ${what} may have ${MAX_WORKER_ID_BYTES}` : null;
}

/**
 * Why a worker of this task type cannot poll `domain`, or null: a worker polls
 * exactly one domain (no list, no NO_DOMAIN), under a name a queue can carry.
 */
export function workerDomainProblem(taskType: string, domain: string): string | null {
  if (domain.includes(',')) {
    return "is a list: a worker polls exactly one domain; fallback lists belong in a workflow's taskToDomain";
  }
  if (isNoDomain(domain.trim())) {
    return `is ${NO_DOMAIN}, which only a workflow's taskToDomain understands: to poll the default queue, configure no domain`;
  }
  return nameProblem(domain) ?? queueNameProblem(taskType, domain);
}
