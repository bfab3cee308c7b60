import { type FieldError, type Validated, type WorkerSighting, invalid, nameProblem, queueNameProblem, valid, workerIdProblem } from '@turnout/domain';
import { optionalString, parseJson, requiredString } from './message-validation';

/** A worker's heartbeat, published to HEARTBEATS_EXCHANGE; `gone: true` is its last word. */
export interface Heartbeat {
  taskType: string;
  domain: string | null;
  workerId: string;
  /**
   * ISO-8601 time or epoch ms, by the worker's clock: required by the contract
   * and checked, but presence does not trust it (see parseHeartbeat).
   */
  at: string | number;
  gone?: boolean;
  /** How the worker reaches Turnout: 'amqp' (the default) or 'http' (a poll, sent on its behalf by the api). */
  transport?: WorkerTransport;
}

export type WorkerTransport = 'amqp' | 'http';

const isWorkerTransport = (value: unknown): value is WorkerTransport => value === 'amqp' || value === 'http';

export interface ParsedHeartbeat {
  sighting: WorkerSighting;
  transport: WorkerTransport;
}

/**
 * A heartbeat as a sighting at `receivedAt`, the receiving process's clock: a
 * worker's own clock (`at`) may run minutes ahead, which would keep a dead pool
 * active, or behind, which would make a live one look dead.
 */
export function parseHeartbeat(content: Buffer, receivedAt: number): Validated<ParsedHeartbeat> {
  const json = parseJson(content);
  if (!json.ok) return json;
  const body = json.value;
  const errors: FieldError[] = [];
  const taskType = requiredString(body, 'taskType', errors);
  const domain = optionalString(body, 'domain', errors);
  const workerId = requiredString(body, 'workerId', errors);
  const workerIdError = workerId === '' ? null : workerIdProblem(workerId);
  if (workerIdError !== null) errors.push({ path: 'workerId', message: workerIdError });
  // An empty task type already has its error from requiredString.
  const taskTypeProblem = taskType === '' ? null : nameProblem(taskType);
  if (taskTypeProblem !== null) errors.push({ path: 'taskType', message: taskTypeProblem });
  const domainProblem = domain === null ? null : nameProblem(domain);
  if (domainProblem !== null) errors.push({ path: 'domain', message: domainProblem });
  // Names that pass one by one may still make no queue name (over 255 bytes): no worker can poll one.
  const queueProblem = taskTypeProblem === null && domainProblem === null && taskType !== '' ? queueNameProblem(taskType, domain) : null;
  if (queueProblem !== null) errors.push({ path: domain === null ? 'taskType' : 'domain', message: queueProblem });
  const at = typeof body.at === 'number' ? body.at : typeof body.at === 'string' ? Date.parse(body.at) : NaN;
  if (!Number.isFinite(at)) errors.push({ path: 'at', message: 'must be an ISO-8601 time or epoch milliseconds' });
  if (body.gone !== undefined && typeof body.gone !== 'boolean') errors.push({ path: 'gone', message: 'must be a boolean' });
  const rawTransport = body.transport ?? 'amqp';
  const transport = isWorkerTransport(rawTransport) ? rawTransport : null;
  if (transport === null) errors.push({ path: 'transport', message: 'must be "amqp" or "http"' });
  if (transport === null || errors.length > 0) return invalid(errors);
  return valid({ sighting: { taskType, domain, workerId, seenAt: receivedAt, gone: body.gone === true }, transport });
}
