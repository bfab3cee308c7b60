/** A JSON object (not null, not an array): what every body and event's data must be. */
export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** What a caught value says, for a log line or a reason: an Error's message, or the value itself. */
export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
