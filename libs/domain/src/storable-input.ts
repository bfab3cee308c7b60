import type { FieldError } from './field-error';

/** Deeper than any definition or payload needs; a deeper one would only tie up the recursive code that reads it. */
export const MAX_INPUT_DEPTH = 64;

/** NUL and unpaired UTF-16 surrogates: PostgreSQL stores neither, in text or in jsonb. */
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const childPath = (path: string, key: string | number): string =>
  typeof key === 'number' ? `${path}[${key}]` : path === '' ? key : `${path}.${key}`;

/**
 * What in an input (a parsed JSON body, a query, a path parameter) could not
 * be stored or walked: text with NUL or an unpaired surrogate (in a value or a
 * key), and nesting deeper than MAX_INPUT_DEPTH. Walked without recursion, so
 * any depth is only counted. `root` names the input as a whole ('' for a
 * body, whose fields are named from its top: `tasks[0].name`), and `whole`
 * is the name of a problem with the input itself when `root` is ''.
 */
export function unstorableInputProblems(input: unknown, root = '', whole = 'body'): FieldError[] {
  const problems: FieldError[] = [];
  const pending: Array<{ value: unknown; path: string; depth: number }> = [{ value: input, path: root, depth: 0 }];
  while (pending.length > 0 && problems.length < 10) {
    const { value, path, depth } = pending.pop()!;
    if (typeof value === 'string') {
      if (UNSTORABLE.test(value)) problems.push({ path: path === '' ? whole : path, message: 'must not contain NUL characters or unpaired surrogates' });
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_INPUT_DEPTH) {
      problems.push({ path: path === '' ? whole : path, message: `is nested more than ${MAX_INPUT_DEPTH} levels deep` });
      continue;
    }
    const entries: Array<[string | number, unknown]> = Array.isArray(value) ? value.map((item, index) => [index, item]) : Object.entries(value);
    for (const [key, item] of entries) {
      if (typeof key === 'string' && UNSTORABLE.test(key)) {
        problems.push({ path: path === '' ? whole : path, message: 'must not have a key with NUL characters or unpaired surrogates' });
        continue;
      }
      pending.push({ value: item, path: childPath(path, key), depth: depth + 1 });
    }
  }
  return problems;
}
