import { type FieldError, type Validated, type WorkflowStatus, invalid, valid } from '@turnout/domain';

/** Fields a clause may compare with `=` or `IN (…)`. */
export const TEXT_FIELDS = ['workflowId', 'workflowType', 'correlationId', 'status'] as const;
/** Fields a clause may compare with `>`, `<`, `>=`, `<=` (epoch ms). */
export const TIME_FIELDS = ['startTime', 'updateTime', 'endTime'] as const;

export type TextField = (typeof TEXT_FIELDS)[number];
export type TimeField = (typeof TIME_FIELDS)[number];
export type TimeComparison = '>' | '<' | '>=' | '<=';

/** A clause over some vocabulary of fields (the workflow search's by default; the task search has its own). */
export type SearchClauseOver<T extends string, M extends string> =
  | { field: T; anyOf: readonly string[] }
  | { field: M; comparison: TimeComparison; epochMs: number };

export type SearchClause = SearchClauseOver<TextField, TimeField>;

/** The fields a search knows, and the only values some text fields may take (a status). */
export interface SearchVocabulary<T extends string, M extends string> {
  textFields: readonly T[];
  timeFields: readonly M[];
  allowedValues: Partial<Record<T, readonly string[]>>;
}

const WORKFLOW_STATUSES: readonly WorkflowStatus[] = ['RUNNING', 'PAUSED', 'COMPLETED', 'FAILED', 'TIMED_OUT', 'TERMINATED'];

const WORKFLOW_VOCABULARY: SearchVocabulary<TextField, TimeField> = {
  textFields: TEXT_FIELDS,
  timeFields: TIME_FIELDS,
  allowedValues: { status: WORKFLOW_STATUSES },
};

type Token =
  | { kind: 'word'; text: string; at: number }
  | { kind: 'quoted'; text: string; at: number }
  | { kind: 'symbol'; text: '=' | '>' | '<' | '>=' | '<=' | '(' | ')' | ','; at: number };

class QueryProblem extends Error {}

const isComparison = (text: string): text is TimeComparison => text === '>' || text === '<' || text === '>=' || text === '<=';

function tokensOf(query: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < query.length) {
    const char = query[at];
    if (/\s/.test(char)) {
      at += 1;
    } else if (char === '>' || char === '<') {
      const text = query[at + 1] === '=' ? (`${char}=` as const) : char;
      tokens.push({ kind: 'symbol', text, at });
      at += text.length;
    } else if (char === '=' || char === '(' || char === ')' || char === ',') {
      tokens.push({ kind: 'symbol', text: char, at });
      at += 1;
    } else if (char === '"' || char === "'") {
      // Quoted as the UI and Conductor's clients write them: a backslash escapes the next character.
      let text = '';
      let end = at + 1;
      while (end < query.length && query[end] !== char) {
        if (query[end] === '\\' && end + 1 < query.length) end += 1;
        text += query[end];
        end += 1;
      }
      if (end >= query.length) throw new QueryProblem(`the value quoted at position ${at + 1} has no closing ${char}`);
      tokens.push({ kind: 'quoted', text, at });
      at = end + 1;
    } else {
      const word = /^[^\s=<>(),"']+/.exec(query.slice(at))![0];
      tokens.push({ kind: 'word', text: word, at });
      at += word.length;
    }
  }
  return tokens;
}

/** Reads tokens front to back; every complaint says what it expected and where. */
class Clauses<T extends string, M extends string> {
  private next = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly vocabulary: SearchVocabulary<T, M>,
  ) {}

  parse(): Array<SearchClauseOver<T, M>> {
    const clauses = [this.clause()];
    while (this.next < this.tokens.length) {
      const joiner = this.take('AND');
      if (joiner.kind !== 'word' || joiner.text.toUpperCase() !== 'AND') throw this.unexpected(joiner, 'AND between clauses');
      clauses.push(this.clause());
    }
    return clauses;
  }

  private clause(): SearchClauseOver<T, M> {
    const field = this.take('a field name');
    if (field.kind !== 'word') throw this.unexpected(field, 'a field name');
    const { textFields, timeFields } = this.vocabulary;
    const textField = textFields.find((name) => name === field.text);
    if (textField !== undefined) return this.textClause(textField);
    const timeField = timeFields.find((name) => name === field.text);
    if (timeField !== undefined) return this.timeClause(timeField);
    throw new QueryProblem(`"${field.text}" is not a field search knows (${[...textFields, ...timeFields].join(', ')})`);
  }

  private textClause(field: T): SearchClauseOver<T, M> {
    const operator = this.take(`= or IN after ${field}`);
    let values: string[];
    if (operator.kind === 'symbol' && operator.text === '=') {
      values = [this.value(field)];
    } else if (operator.kind === 'word' && operator.text.toUpperCase() === 'IN') {
      values = this.list(field);
    } else {
      throw this.unexpected(operator, `= or IN after ${field}`);
    }
    const allowed = this.vocabulary.allowedValues[field];
    if (allowed !== undefined) {
      const unknown = values.find((value) => !allowed.includes(value));
      if (unknown !== undefined) throw new QueryProblem(`${field} "${unknown}" is not one of ${allowed.join(', ')}`);
    }
    return { field, anyOf: values };
  }

  private timeClause(field: M): SearchClauseOver<T, M> {
    const operator = this.take(`>, <, >= or <= after ${field}`);
    if (operator.kind !== 'symbol' || !isComparison(operator.text)) throw this.unexpected(operator, `>, <, >= or <= after ${field}`);
    const value = this.value(field);
    const epochMs = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(epochMs)) throw new QueryProblem(`${field} compares with a time in epoch ms, not "${value}"`);
    return { field, comparison: operator.text, epochMs };
  }

  private list(field: T): string[] {
    const open = this.take(`( after ${field} IN`);
    if (open.kind !== 'symbol' || open.text !== '(') throw this.unexpected(open, `( after ${field} IN`);
    const values = [this.value(field)];
    for (;;) {
      const separator = this.take(`, or ) in the list of ${field}`);
      if (separator.kind === 'symbol' && separator.text === ')') return values;
      if (separator.kind !== 'symbol' || separator.text !== ',') throw this.unexpected(separator, `, or ) in the list of ${field}`);
      values.push(this.value(field));
    }
  }

  private value(field: string): string {
    const token = this.take(`a value for ${field}`);
    if (token.kind === 'symbol') throw this.unexpected(token, `a value for ${field}`);
    return token.text;
  }

  private take(expected: string): Token {
    const token = this.tokens[this.next];
    if (token === undefined) throw new QueryProblem(`ends where it expects ${expected}`);
    this.next += 1;
    return token;
  }

  private unexpected(token: Token, expected: string): QueryProblem {
    return new QueryProblem(`expects ${expected} at position ${token.at + 1}, not "${token.text}"`);
  }
}

/**
 * Conductor's search query, the part Turnout serves: clauses joined by AND,
 * each `field = value`, `field IN (a,b)` or `timeField > epochMs` (also <, >=, <=).
 * Values are bare words or quoted ('…' or "…"). A blank query has no clauses.
 */
export function parseSearchQuery(query: string | null | undefined, path = 'query'): Validated<SearchClause[]> {
  return parseSearchQueryOver(query, WORKFLOW_VOCABULARY, path);
}

/** The same query language over another vocabulary of fields. */
export function parseSearchQueryOver<T extends string, M extends string>(
  query: string | null | undefined,
  vocabulary: SearchVocabulary<T, M>,
  path = 'query',
): Validated<Array<SearchClauseOver<T, M>>> {
  if (query === null || query === undefined || query.trim() === '') return valid([]);
  try {
    return valid(new Clauses(tokensOf(query), vocabulary).parse());
  } catch (error) {
    if (!(error instanceof QueryProblem)) throw error;
    const problem: FieldError = { path, message: error.message };
    return invalid([problem]);
  }
}
