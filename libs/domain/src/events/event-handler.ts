/**
 * Conductor's event handlers, on Turnout's broker: a handler names a queue
 * (`amqp_queue:<queue>`, the prefix of Conductor's AMQP event-queue module, or
 * `amqp:<queue>`) and the runs each message of it starts. Only the
 * `start_workflow` action is supported; Conductor's others are refused by name.
 */
import { type FieldError, type Validated, invalid, valid } from '../field-error';
import { isRecord } from '../plain-values';
import { checkName, hasControlCharacters, queueNameBytesProblem } from '../routing/names';
import { parseTaskToDomain } from '../routing/task-to-domain';
import type { RunTrigger } from '../workflow/events';
import { evaluateAgainstPayload, expandInlineJson } from './payload-expressions';

/** Prefixes of a handler's event that name a queue on Turnout's broker. */
export const EVENT_QUEUE_PREFIXES = ['amqp_queue:', 'amqp:'] as const;

export type EventActionType = 'start_workflow';
export const SUPPORTED_EVENT_ACTIONS: readonly EventActionType[] = ['start_workflow'];

/** Queue names a handler may not consume: RabbitMQ's own, and Turnout's (its results, heartbeats, dead letters). */
const RESERVED_QUEUE_PREFIXES = ['amq.', 'turnout.'];

/** Conductor's EventHandler.StartWorkflow. `input` and `correlationId` may hold `${...}` read from the payload. */
export interface StartWorkflowParameters {
  name: string;
  /** Null: the latest version when the message comes. */
  version: number | null;
  correlationId: string | null;
  input: Record<string, unknown>;
  /**
   * As written: checked here for its form, and parsed against the workflow's
   * task types when a run starts (the workflow may change in between).
   * Null: the message's own `taskToDomain`, if it carries one.
   */
  taskToDomain: Record<string, string> | null;
}

export interface EventHandlerAction {
  action: 'start_workflow';
  start_workflow: StartWorkflowParameters;
  /** Conductor's: string values of the payload that hold JSON are read as JSON first. */
  expandInlineJSON: boolean;
}

export interface EventHandler {
  name: string;
  /** As registered: `amqp_queue:<queue>` or `amqp:<queue>`. */
  event: string;
  actions: EventHandlerAction[];
  active: boolean;
}

/** The queue an event names, or null when the event is not one of Turnout's broker (no known prefix). */
export function eventQueueOf(event: string): string | null {
  const prefix = EVENT_QUEUE_PREFIXES.find((candidate) => event.startsWith(candidate));
  return prefix === undefined ? null : event.slice(prefix.length);
}

// Not the task types' rules: an event queue is anyone's queue, and may hold "@" or ",".
function queueProblem(queue: string): string | null {
  if (queue === '') return 'names no queue';
  if (queue.trim() !== queue) return 'must not start or end with white space';
  if (hasControlCharacters(queue)) return 'must not contain control characters';
  const bytesProblem = queueNameBytesProblem(queue);
  if (bytesProblem !== null) return bytesProblem;
  const reserved = RESERVED_QUEUE_PREFIXES.find((prefix) => queue.startsWith(prefix));
  return reserved === undefined ? null : `names a queue starting with "${reserved}", which is reserved`;
}

function validateEvent(raw: unknown, errors: FieldError[]): string {
  if (typeof raw !== 'string' || raw.trim() === '') {
    errors.push({ path: 'event', message: `must be a non-empty string: ${EVENT_QUEUE_PREFIXES.map((prefix) => `${prefix}<queue name>`).join(' or ')}` });
    return '';
  }
  const queue = eventQueueOf(raw);
  if (queue === null) {
    errors.push({ path: 'event', message: `must start with ${EVENT_QUEUE_PREFIXES.join(' or ')} (queues of Turnout's broker); "${raw}" does not` });
    return raw;
  }
  const problem = queueProblem(queue);
  if (problem !== null) errors.push({ path: 'event', message: problem });
  return raw;
}

function validateStartWorkflow(raw: unknown, at: string, errors: FieldError[]): StartWorkflowParameters {
  const parameters: StartWorkflowParameters = { name: '', version: null, correlationId: null, input: {}, taskToDomain: null };
  if (!isRecord(raw)) {
    errors.push({ path: at, message: 'must be an object: {name, version, input, correlationId, taskToDomain}' });
    return parameters;
  }
  if (typeof raw.name !== 'string' || raw.name.trim() === '') errors.push({ path: `${at}.name`, message: 'must be a non-empty string' });
  else {
    // Checked as a workflow's name is at registration: one no workflow can have would fail every message.
    const nameErrors = checkName(`${at}.name`, raw.name);
    if (nameErrors.length === 0) parameters.name = raw.name;
    else errors.push(...nameErrors);
  }
  if (raw.version !== undefined && raw.version !== null) {
    if (Number.isInteger(raw.version) && (raw.version as number) >= 1) parameters.version = raw.version as number;
    else errors.push({ path: `${at}.version`, message: 'must be a whole number, 1 or more' });
  }
  if (raw.correlationId !== undefined && raw.correlationId !== null) {
    if (typeof raw.correlationId === 'string') parameters.correlationId = raw.correlationId;
    else errors.push({ path: `${at}.correlationId`, message: 'must be a string' });
  }
  if (raw.input !== undefined && raw.input !== null) {
    if (isRecord(raw.input)) parameters.input = raw.input;
    else errors.push({ path: `${at}.input`, message: 'must be an object' });
  }
  if (raw.taskToDomain !== undefined && raw.taskToDomain !== null) {
    const parsed = parseTaskToDomain(raw.taskToDomain, [], `${at}.taskToDomain`);
    if (parsed.ok) parameters.taskToDomain = raw.taskToDomain as Record<string, string>;
    else errors.push(...parsed.errors);
  }
  return parameters;
}

function validateAction(raw: unknown, at: string, errors: FieldError[]): EventHandlerAction | null {
  if (!isRecord(raw)) {
    errors.push({ path: at, message: 'must be an object: {action, start_workflow}' });
    return null;
  }
  if (raw.action !== 'start_workflow') {
    const supported = `Turnout supports ${SUPPORTED_EVENT_ACTIONS.join(', ')}`;
    errors.push({
      path: `${at}.action`,
      message: typeof raw.action === 'string' ? `"${raw.action}" is not supported: ${supported}` : `must be a string: ${supported}`,
    });
    return null;
  }
  if (raw.expandInlineJSON !== undefined && raw.expandInlineJSON !== null && typeof raw.expandInlineJSON !== 'boolean') {
    errors.push({ path: `${at}.expandInlineJSON`, message: 'must be true or false' });
  }
  return {
    action: 'start_workflow',
    start_workflow: validateStartWorkflow(raw.start_workflow, `${at}.start_workflow`, errors),
    expandInlineJSON: raw.expandInlineJSON === true,
  };
}

/**
 * Conductor's EventHandler body, checked field by field. `active` absent is
 * false, as in Conductor. A `condition` is refused rather than ignored: a
 * handler whose condition went unread would start runs it was meant to skip.
 */
export function validateEventHandler(raw: unknown): Validated<EventHandler> {
  if (!isRecord(raw)) return invalid([{ path: 'body', message: 'must be an EventHandler object: {name, event, actions, active}' }]);
  const errors: FieldError[] = [];
  let name = '';
  if (typeof raw.name === 'string' && raw.name.trim() !== '' && raw.name.trim() === raw.name && !hasControlCharacters(raw.name)) name = raw.name;
  else errors.push({ path: 'name', message: 'must be a non-empty string without white space at either end or control characters' });
  const event = validateEvent(raw.event, errors);
  if (typeof raw.condition === 'string' ? raw.condition.trim() !== '' : raw.condition !== undefined && raw.condition !== null) {
    errors.push({ path: 'condition', message: 'conditions are not supported: every message of the queue runs the actions' });
  }
  const actions: EventHandlerAction[] = [];
  if (!Array.isArray(raw.actions) || raw.actions.length === 0) {
    errors.push({ path: 'actions', message: 'must be a non-empty list of actions' });
  } else {
    raw.actions.forEach((action, index) => {
      const checked = validateAction(action, `actions[${index}]`, errors);
      if (checked !== null) actions.push(checked);
    });
  }
  if (raw.active !== undefined && raw.active !== null && typeof raw.active !== 'boolean') {
    errors.push({ path: 'active', message: 'must be true or false' });
  }
  if (errors.length > 0) return invalid(errors);
  return valid({ name, event, actions, active: raw.active === true });
}

/**
 * What one action of a handler starts for one message: the workflow, its
 * input and correlation id read from the payload, and the map to parse (the
 * action's, else the message's `taskToDomain`, as Conductor's event payloads
 * carry it), with the path its errors are reported under.
 */
export interface EventRunStart {
  name: string;
  version: number | null;
  input: Record<string, unknown>;
  correlationId: string | null;
  taskToDomain: { raw: unknown; path: string };
  startedBy: RunTrigger;
}

/** Conductor adds these to the input of every run an event starts. */
export const EVENT_MESSAGE_ID_INPUT = 'conductor.event.messageId';
export const EVENT_NAME_INPUT = 'conductor.event.name';

export function eventRunStartOf(
  handler: EventHandler,
  actionIndex: number,
  payload: Record<string, unknown>,
  messageId: string | null,
): EventRunStart {
  const action = handler.actions[actionIndex];
  const parameters = action.start_workflow;
  const scope = action.expandInlineJSON ? expandInlineJson(payload) : payload;
  const input = evaluateAgainstPayload(parameters.input, scope) as Record<string, unknown>;
  const correlationId = parameters.correlationId === null ? null : evaluateAgainstPayload(parameters.correlationId, scope);
  return {
    name: parameters.name,
    version: parameters.version,
    input: { ...input, [EVENT_MESSAGE_ID_INPUT]: messageId, [EVENT_NAME_INPUT]: handler.event },
    correlationId: correlationId === null || correlationId === undefined ? null : typeof correlationId === 'string' ? correlationId : JSON.stringify(correlationId),
    taskToDomain:
      parameters.taskToDomain !== null
        ? { raw: parameters.taskToDomain, path: `actions[${actionIndex}].start_workflow.taskToDomain` }
        : { raw: payload.taskToDomain, path: 'message.taskToDomain' },
    startedBy: { eventHandler: handler.name, event: handler.event, messageId },
  };
}
