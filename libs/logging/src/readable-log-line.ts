/** Fields every line has, shown in the line's head rather than after the message. */
const HEAD_FIELDS = new Set(['level', 'time', 'app', 'component', 'msg', 'pid', 'hostname', 'err']);

/**
 * One pino record as a line for people:
 *
 *     12:04:05.123 INFO  router [OutboxRelay] relay active (lock 42) workflowId=… taskId=…
 *
 * The time of day (the date is rarely what one looks for in a terminal), the
 * level, app and component, the message, then the record's other fields as
 * key=value; an error's stack on the lines below.
 */
export function readableLogLine(record: Record<string, unknown>): string {
  const time = typeof record.time === 'string' ? record.time.slice(11, 23) : '';
  const level = String(record.level ?? '').toUpperCase().padEnd(5);
  const component = record.component !== undefined && record.component !== record.app ? ` [${String(record.component)}]` : '';
  const fields = Object.entries(record)
    .filter(([key, value]) => !HEAD_FIELDS.has(key) && value !== undefined)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  const head = [`${time} ${level} ${String(record.app ?? '')}${component}`, String(record.msg ?? ''), ...fields].filter((part) => part !== '').join(' ');
  const error = record.err as { stack?: unknown; message?: unknown } | undefined;
  if (error === undefined) return head;
  return `${head}\n${String(error.stack ?? error.message ?? JSON.stringify(error))}`;
}
