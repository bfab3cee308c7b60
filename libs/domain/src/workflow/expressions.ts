/**
 * Conductor-style parameter expressions: `${workflow.input.x}`,
 * `${workflow.workflowId}`, `${refName.output.y}`, `${refName.input.y}`, with
 * dotted paths and `[n]` indices. A value that is exactly one expression keeps
 * the referenced value's type; expressions inside a longer string are
 * interpolated. An unresolved reference is null, as in Conductor.
 */
export interface ExpressionScope {
  /** `variables`: what SET_VARIABLE tasks set (`${workflow.variables.x}`). */
  workflow: { workflowId: string; input: Record<string, unknown>; variables?: Record<string, unknown> };
  /** Per task reference name, the latest attempt's input and output. */
  tasks: Record<string, { input: Record<string, unknown>; output: Record<string, unknown> }>;
}

const WHOLE_EXPRESSION = /^\$\{([^}]+)\}$/;
const EMBEDDED_EXPRESSION = /\$\{([^}]+)\}/g;

function pathSegments(path: string): string[] {
  return path
    .trim()
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter((segment) => segment !== '');
}

function walk(value: unknown, segments: readonly string[]): unknown {
  let current = value;
  for (const segment of segments) {
    // Own fields only: `constructor`, `toString` or `__proto__` are not data and resolve to null.
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, segment)) return null;
    current = (current as Record<string, unknown>)[segment];
  }
  return current === undefined ? null : current;
}

function lookup(path: string, scope: ExpressionScope): unknown {
  const [root, ...rest] = pathSegments(path);
  if (root === undefined) return null;
  if (root === 'workflow') return walk(scope.workflow, rest);
  const task = Object.hasOwn(scope.tasks, root) ? scope.tasks[root] : undefined;
  return task === undefined ? null : walk(task, rest);
}

function asText(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

export function evaluate(template: unknown, scope: ExpressionScope): unknown {
  if (typeof template === 'string') {
    const whole = WHOLE_EXPRESSION.exec(template);
    if (whole) return lookup(whole[1], scope);
    return template.includes('${')
      ? template.replace(EMBEDDED_EXPRESSION, (_match, path: string) => asText(lookup(path, scope)))
      : template;
  }
  if (Array.isArray(template)) return template.map((item) => evaluate(item, scope));
  if (template !== null && typeof template === 'object') {
    return Object.fromEntries(Object.entries(template).map(([key, value]) => [key, evaluate(value, scope)]));
  }
  return template;
}

export function evaluateParameters(parameters: Record<string, unknown>, scope: ExpressionScope): Record<string, unknown> {
  return evaluate(parameters, scope) as Record<string, unknown>;
}
