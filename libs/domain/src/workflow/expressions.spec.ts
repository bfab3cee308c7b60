import fc from 'fast-check';
import { type ExpressionScope, evaluate, evaluateParameters } from './expressions';

const scope: ExpressionScope = {
  workflow: { workflowId: 'wf-1', input: { userId: 42, ratio: 0.5, active: false, nothing: null, tags: ['a', 'b'], profile: { city: 'Oslo', zip: '0150' } } },
  tasks: { user: { input: { id: 42 }, output: { name: 'Ada', age: 36, roles: [{ name: 'admin' }, { name: 'dev' }], address: { city: 'London' } } } },
};

describe('parameter expressions', () => {
  describe('a value that is exactly one expression keeps the type of what it references', () => {
    it.each([
      ['${workflow.input.userId}', 42],
      ['${workflow.input.ratio}', 0.5],
      ['${workflow.input.active}', false],
      ['${user.output.name}', 'Ada'],
      ['${user.output.age}', 36],
    ])('%s is %p', (template, value) => {
      expect(evaluate(template, scope)).toBe(value);
    });

    it('keeps an object as an object', () => {
      expect(evaluate('${workflow.input.profile}', scope)).toEqual({ city: 'Oslo', zip: '0150' });
    });

    it('keeps an array as an array', () => {
      expect(evaluate('${workflow.input.tags}', scope)).toEqual(['a', 'b']);
    });

    it('gives the whole workflow input', () => {
      expect(evaluate('${workflow.input}', scope)).toEqual(scope.workflow.input);
    });

    it('tolerates spaces inside the braces', () => {
      expect(evaluate('${ workflow.input.userId }', scope)).toBe(42);
    });
  });

  describe('expressions inside a longer string are interpolated', () => {
    it('as text', () => {
      expect(evaluate('Hello ${user.output.name} from ${workflow.input.profile.city}', scope)).toBe('Hello Ada from Oslo');
    });

    it('numbers and booleans as their text', () => {
      expect(evaluate('id=${workflow.input.userId}, active=${workflow.input.active}', scope)).toBe('id=42, active=false');
    });

    it('objects and arrays as JSON', () => {
      expect(evaluate('tags: ${workflow.input.tags}', scope)).toBe('tags: ["a","b"]');
      expect(evaluate('at ${user.output.address}', scope)).toBe('at {"city":"London"}');
    });

    it('two expressions side by side, not one', () => {
      expect(evaluate('${user.output.name}${workflow.input.userId}', scope)).toBe('Ada42');
    });
  });

  describe('paths', () => {
    it('follow nested fields', () => {
      expect(evaluate('${workflow.input.profile.city}', scope)).toBe('Oslo');
    });

    it('follow [n] indices, and fields after them', () => {
      expect(evaluate('${workflow.input.tags[0]}', scope)).toBe('a');
      expect(evaluate('${workflow.input.tags[1]}', scope)).toBe('b');
      expect(evaluate('${user.output.roles[0].name}', scope)).toBe('admin');
      expect(evaluate('${user.output.roles[1].name}', scope)).toBe('dev');
    });

    it("reach a task's input as well as its output", () => {
      expect(evaluate('${user.input.id}', scope)).toBe(42);
    });

    it('know the workflow id', () => {
      expect(evaluate('${workflow.workflowId}', scope)).toBe('wf-1');
      expect(evaluate('run ${workflow.workflowId}', scope)).toBe('run wf-1');
    });
  });

  describe('what does not resolve is null, as in Conductor', () => {
    it.each([
      '${missing.output.x}',
      '${workflow.input.nope}',
      '${workflow.input.nope.deeper}',
      '${workflow.input.userId.deeper}',
      '${workflow.input.tags[5]}',
      '${user.output.roles[9].name}',
      '${user.elsewhere}',
      '${workflow.input.nothing}',
    ])('%s is null', (template) => {
      expect(evaluate(template, scope)).toBeNull();
    });

    it('reads a field that is present but undefined as null', () => {
      const withUndefined: ExpressionScope = { workflow: { workflowId: 'wf-1', input: { u: undefined } }, tasks: {} };
      expect(evaluate('${workflow.input.u}', withUndefined)).toBeNull();
    });

    it('is empty text inside a longer string', () => {
      expect(evaluate('x${missing.output.x}y', scope)).toBe('xy');
      expect(evaluate('x${workflow.input.nothing}y', scope)).toBe('xy');
    });

    it.each([
      '${workflow.input.constructor}',
      '${workflow.input.toString}',
      '${workflow.input.__proto__}',
      '${workflow.input.profile.hasOwnProperty}',
      '${user.output.name.length}',
      '${constructor}',
      '${toString.output}',
      '${__proto__.output}',
    ])('%s is null: what the object inherits is not data', (template) => {
      expect(evaluate(template, scope)).toBeNull();
    });

    it('does not interpolate inherited functions as text', () => {
      expect(evaluate('x${workflow.input.toString}y', scope)).toBe('xy');
    });
  });

  describe('values that are not strings', () => {
    it.each([[7], [true], [false], [null], [undefined]])('pass %p through unchanged', (value) => {
      expect(evaluate(value, scope)).toBe(value);
    });

    it('leave strings without expressions alone, "$" and braces included', () => {
      expect(evaluate('plain $5 {not} an expression', scope)).toBe('plain $5 {not} an expression');
    });

    it('recurse into objects and arrays', () => {
      expect(
        evaluate({ id: '${workflow.workflowId}', n: 1, flag: true, none: null, list: ['${user.input.id}', 'plain', { deep: ['${user.output.roles[0]}'] }] }, scope),
      ).toEqual({ id: 'wf-1', n: 1, flag: true, none: null, list: [42, 'plain', { deep: [{ name: 'admin' }] }] });
    });

    it('evaluateParameters evaluates every parameter', () => {
      expect(evaluateParameters({ user: '${workflow.input.userId}', greeting: 'Hi ${user.output.name}' }, scope)).toEqual({ user: 42, greeting: 'Hi Ada' });
    });
  });

  it('leaves any JSON without "${" unchanged', () => {
    const noExpression = fc.jsonValue().filter((value) => !JSON.stringify(value).includes('${'));
    fc.assert(fc.property(noExpression, (value) => expect(evaluate(value, scope)).toEqual(value)));
  });

  it('does not change the parameters it is given', () => {
    const parameters = { a: '${workflow.input.userId}', b: ['${user.output.name}'] };
    const copy = structuredClone(parameters);
    evaluateParameters(parameters, scope);
    expect(parameters).toEqual(copy);
  });
});
