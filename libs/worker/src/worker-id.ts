import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

/** A worker id when none is given: the host, so an operator finds the process, and a suffix that tells its runs apart. */
export function defaultWorkerId(): string {
  return `${hostname()}-${randomUUID().slice(0, 8)}`;
}
