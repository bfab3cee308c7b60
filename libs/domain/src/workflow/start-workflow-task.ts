import { type FieldError, type Validated, invalid, valid } from '../field-error';
import { isRecord } from '../plain-values';
import { checkName } from '../routing/names';
import { type TaskToDomain, parseTaskToDomain, taskToDomainAsRecord } from '../routing/task-to-domain';

/**
 * What a START_WORKFLOW attempt starts, from its evaluated
 * `inputParameters.startWorkflow` (Conductor's StartWorkflowRequest): frozen
 * into its TaskScheduled, the map as written (the request's, or the run's own
 * when the request gives none), parsed against the started workflow's task
 * types when it starts.
 */
export interface StartWorkflowRequest {
  name: string;
  /** Null: the latest version when it starts. */
  version: number | null;
  input: Record<string, unknown>;
  correlationId: string | null;
  taskToDomain: Record<string, string>;
}

/** A value written as it is, not an expression evaluated when the task runs: only those are checked at registration. */
const isLiteral = (value: unknown): boolean => !(typeof value === 'string' && value.includes('${'));

/** The checks of a START_WORKFLOW request; `literalOnly` skips what an expression may still make right when the task runs. */
function checkRequest(raw: unknown, path: string, literalOnly: boolean): FieldError[] {
  if (literalOnly && !isLiteral(raw)) return [];
  if (!isRecord(raw)) return [{ path, message: 'must be an object: the workflow to start (name, optionally version, input, correlationId, taskToDomain)' }];
  const check = (value: unknown) => !literalOnly || isLiteral(value);
  const errors: FieldError[] = [];
  if (check(raw.name)) errors.push(...checkName(`${path}.name`, raw.name));
  const { version, input, correlationId, taskToDomain } = raw;
  if (version !== undefined && version !== null && check(version) && !(Number.isInteger(version) && (version as number) >= 1)) {
    errors.push({ path: `${path}.version`, message: 'must be a whole number, 1 or more' });
  }
  if (input !== undefined && input !== null && check(input) && !isRecord(input)) errors.push({ path: `${path}.input`, message: 'must be an object' });
  if (correlationId !== undefined && correlationId !== null && check(correlationId) && typeof correlationId !== 'string') {
    errors.push({ path: `${path}.correlationId`, message: 'must be a string' });
  }
  if (taskToDomain !== undefined && taskToDomain !== null && check(taskToDomain)) {
    // Its form here; against the started workflow's task types when it starts.
    const parsed = parseTaskToDomain(taskToDomain, [], `${path}.taskToDomain`);
    if (!parsed.ok) errors.push(...parsed.errors);
  }
  return errors;
}

/** A definition's START_WORKFLOW inputParameters: what is written as it is (expressions are checked when the task runs). */
export function checkStartWorkflowDef(inputParameters: unknown, path: string): FieldError[] {
  const request = isRecord(inputParameters) ? inputParameters.startWorkflow : undefined;
  if (request === undefined || request === null) return [{ path: `${path}.startWorkflow`, message: 'is required: the workflow to start (name, optionally version, input, correlationId, taskToDomain)' }];
  return checkRequest(request, `${path}.startWorkflow`, true);
}

/**
 * The request an attempt's evaluated input makes, or why it is refused. With
 * no taskToDomain of its own the started run gets `runMap`, the starting
 * run's, as Conductor gives it.
 */
export function startWorkflowRequestOf(inputData: Record<string, unknown>, runMap: TaskToDomain): Validated<StartWorkflowRequest> {
  const raw = inputData.startWorkflow;
  const errors = checkRequest(raw, 'startWorkflow', false);
  if (errors.length > 0 || !isRecord(raw)) return invalid(errors);
  const { version, input, correlationId, taskToDomain } = raw;
  return valid({
    name: raw.name as string,
    version: (version as number | null | undefined) ?? null,
    input: (input as Record<string, unknown> | null | undefined) ?? {},
    correlationId: (correlationId as string | null | undefined) ?? null,
    taskToDomain: (taskToDomain as Record<string, string> | null | undefined) ?? taskToDomainAsRecord(runMap),
  });
}
