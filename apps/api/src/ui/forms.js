/** What the UI's forms share: reading a JSON object from a text box, and listing what is wrong with the input. */
import { h } from './dom.js';

/** The text as a JSON object; `empty` when blank; otherwise records a problem ({ field, reason, control }). */
export function parseObject(text, field, control, problems, empty) {
  if (text.trim() === '') return empty;
  try {
    const value = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value;
    problems.push({ field, reason: 'must be a JSON object, like {"key": "value"}', control });
  } catch (error) {
    problems.push({ field, reason: `is not valid JSON (${error.message})`, control });
  }
  return undefined;
}

/** One item per problem, `li[data-field]` with the field in code, then the reason. */
export function fieldErrorList(problems) {
  return h('ul', {}, problems.map(({ field, reason }) => h('li', { dataset: { field } }, field === '' ? '' : [h('code', {}, field), ' '], reason)));
}
