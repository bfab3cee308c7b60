import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { ConsumeMessage } from 'amqplib';
import { type EventHandler, describeFieldErrors, eventRunStartOf } from '@turnout/domain';
import { parseJson } from '@turnout/messaging';
import { WorkflowStarts } from '@turnout/workflow-runs';
import { RoutingMetrics } from '../metrics/routing-metrics';
import { ACK, type MessageOutcome, deadLetter } from '../transport/message-outcome';

/**
 * The id of the run one action starts for one message: derived from the
 * handler, the message's AMQP messageId and the action, so that a message
 * delivered again (a router that died between the append and the ack, a
 * requeue after a passing failure) finds the run it started instead of
 * starting a second. A message without a messageId gets new ids each time.
 */
export function workflowIdForMessage(handlerName: string, messageId: string, actionIndex: number): string {
  const hex = createHash('sha256').update(`${handlerName}\u0000${messageId}\u0000${actionIndex}`).digest('hex');
  // Shaped as a UUID (version 8, RFC 9562's custom layout), as the api's ids are.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * What a message of an event queue starts: every action of every active
 * handler of that queue, in order. Each start is appended before the next;
 * the message is acked only once all are. A message that cannot start a run
 * (not a JSON object, an unknown workflow, a map that cannot route it) is
 * dead-lettered with every reason, after the starts that could be made; a
 * passing failure (database down) is thrown, and the transport requeues it.
 */
@Injectable()
export class EventMessageStarts {
  constructor(
    private readonly starts: WorkflowStarts,
    private readonly metrics: RoutingMetrics,
  ) {}

  async handle(handlers: readonly EventHandler[], message: ConsumeMessage): Promise<MessageOutcome> {
    const payload = parseJson(message.content);
    if (!payload.ok) return deadLetter(describeFieldErrors(payload.errors));
    const rawMessageId: unknown = message.properties.messageId;
    const messageId = typeof rawMessageId === 'string' && rawMessageId !== '' ? rawMessageId : null;
    const refusals: string[] = [];
    for (const handler of handlers) {
      for (let index = 0; index < handler.actions.length; index += 1) {
        const start = eventRunStartOf(handler, index, payload.value, messageId);
        const startedAt = performance.now();
        const outcome = await this.starts.start({
          workflow: { type: 'stored', name: start.name, version: start.version },
          input: start.input,
          correlationId: start.correlationId,
          taskToDomain: start.taskToDomain,
          startedBy: start.startedBy,
          ...(messageId === null ? {} : { workflowId: workflowIdForMessage(handler.name, messageId, index) }),
        });
        switch (outcome.type) {
          case 'started':
            this.metrics.record(outcome.events, startedAt);
            break;
          case 'already-started':
            break;
          case 'invalid':
            refusals.push(`event handler ${handler.name}, actions[${index}]: ${describeFieldErrors(outcome.errors)}`);
            break;
          case 'unknown-workflow':
            refusals.push(`event handler ${handler.name}, actions[${index}]: ${outcome.message}`);
            break;
          default: {
            const unknown: never = outcome;
            throw new Error(`unknown start outcome ${JSON.stringify(unknown)}`);
          }
        }
      }
    }
    return refusals.length === 0 ? ACK : deadLetter(refusals.join('; '));
  }
}
