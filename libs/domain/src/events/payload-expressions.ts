/**
 * Conductor's `${...}` expressions of an event handler's action, read against
 * the message's payload (Conductor reads them as JSONPath on the payload:
 * `${orderId}`, `${$.order.lines[0].sku}`). A value that is exactly one
 * expression keeps the referenced value's type; expressions inside a longer
 * string are interpolated; an unresolved reference is null, as in Conductor.
 *
 * Not the run's `evaluate` (workflow/expressions.ts): that one resolves
 * `workflow.*` and task reference names against a run; here the only scope
 * is the payload, and paths may start with JSONPath's `$`.
 */

const WHOLE_EXPRESSION = /^\$\{([^}]+)\}$/;
const EMBEDDED_EXPRESSION = /\$\{([^}]+)\}/g;

function pathSegments(path: string): string[] {
  return path
    .trim()
    .replace(/^\$\.?/, '')
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter((segment) => segment !== '');
}

function lookup(path: string, payload: unknown): unknown {
  let current = payload;
  for (const segment of pathSegments(path)) {
    // Own fields only: `constructor` or `__proto__` are not data and resolve to null.
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, segment)) return null;
    current = (current as Record<string, unknown>)[segment];
  }
  return current === undefined ? null : current;
}

function asText(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** The template with every `${path}` replaced by what the payload holds there. */
export function evaluateAgainstPayload(template: unknown, payload: unknown): unknown {
  if (typeof template === 'string') {
    const whole = WHOLE_EXPRESSION.exec(template);
    if (whole) return lookup(whole[1], payload);
    return template.includes('${')
      ? template.replace(EMBEDDED_EXPRESSION, (_match, path: string) => asText(lookup(path, payload)))
      : template;
  }
  if (Array.isArray(template)) return template.map((item) => evaluateAgainstPayload(item, payload));
  if (template !== null && typeof template === 'object') {
    return Object.fromEntries(Object.entries(template).map(([key, value]) => [key, evaluateAgainstPayload(value, payload)]));
  }
  return template;
}

/**
 * Conductor's `expandInlineJSON`: string values that hold a JSON object or
 * array (a payload that carries JSON as text) become that JSON, at any depth,
 * so that expressions can reach inside them. Other strings stay as they are.
 */
export function expandInlineJson(value: unknown): unknown {
  if (typeof value === 'string') {
    const text = value.trim();
    if (!(text.startsWith('{') || text.startsWith('['))) return value;
    try {
      return expandInlineJson(JSON.parse(text));
    } catch {
      return value;
    }
  }
  if (Array.isArray(value)) return value.map(expandInlineJson);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, expandInlineJson(inner)]));
  }
  return value;
}
