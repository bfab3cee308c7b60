import { nameProblem, type WorkerSighting } from '@turnout/domain';
import { InvalidMessage, type Parsed, optionalString, parseJson, requiredString } from './message-validation';

/** A worker's heartbeat, published to HEARTBEATS_EXCHANGE; `gone: true` is its last word. */
export interface Heartbeat {
  taskType: string;
  domain: string | null;
  workerId: string;
  /** ISO-8601 time or epoch ms. */
  at: string | number;
  gone?: boolean;
  /** How the worker reaches Turnout: 'amqp' (the default) or 'http' (a poll, sent on its behalf by the api). */
  transport?: WorkerTransport;
}

export type WorkerTransport = 'amqp' | 'http';

export interface ParsedHeartbeat {
  sighting: WorkerSighting;
  transport: WorkerTransport;
}

export function parseHeartbeat(content: Buffer): Parsed<ParsedHeartbeat> {
  const json = parseJson(content);
  if (!json.ok) return json;
  const body = json.value;
  try {
    const taskType = requiredString(body, 'taskType');
    const domain = optionalString(body, 'domain');
    const workerId = requiredString(body, 'workerId');
    const taskTypeProblem = nameProblem(taskType);
    if (taskTypeProblem !== null) throw new InvalidMessage(`taskType: ${taskTypeProblem}`);
    if (domain !== null) {
      const domainProblem = nameProblem(domain);
      if (domainProblem !== null) throw new InvalidMessage(`domain: ${domainProblem}`);
    }
    const seenAt = typeof body.at === 'number' ? body.at : typeof body.at === 'string' ? Date.parse(body.at) : NaN;
    if (!Number.isFinite(seenAt)) throw new InvalidMessage('at: must be an ISO-8601 time or epoch milliseconds');
    if (body.gone !== undefined && typeof body.gone !== 'boolean') throw new InvalidMessage('gone: must be a boolean');
    const transport = body.transport ?? 'amqp';
    if (transport !== 'amqp' && transport !== 'http') throw new InvalidMessage('transport: must be "amqp" or "http"');
    return { ok: true, value: { sighting: { taskType, domain, workerId, seenAt, gone: body.gone === true }, transport } };
  } catch (error) {
    if (error instanceof InvalidMessage) return { ok: false, reason: error.message };
    throw error;
  }
}
