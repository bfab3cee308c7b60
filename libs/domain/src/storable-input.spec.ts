import { MAX_INPUT_DEPTH, unstorableInputProblems } from './storable-input';

describe('unstorableInputProblems', () => {
  it('finds nothing in ordinary input, emoji and every other language included', () => {
    expect(unstorableInputProblems({ name: 'hello_world', input: { who: 'Zoë 👋 世界', n: [1, null, true] } })).toEqual([]);
    expect(unstorableInputProblems('plain', 'taskType')).toEqual([]);
  });

  it('names the field holding a NUL or an unpaired surrogate, in a value or a key', () => {
    expect(unstorableInputProblems({ tasks: [{ name: 'a\u0000b' }] })).toEqual([{ path: 'tasks[0].name', message: 'must not contain NUL characters or unpaired surrogates' }]);
    expect(unstorableInputProblems({ input: { x: '\ud800' } })).toEqual([{ path: 'input.x', message: 'must not contain NUL characters or unpaired surrogates' }]);
    expect(unstorableInputProblems({ input: { x: 'a\udfff' } })).toEqual([{ path: 'input.x', message: 'must not contain NUL characters or unpaired surrogates' }]);
    expect(unstorableInputProblems({ input: { 'k\u0000': 1 } })).toEqual([{ path: 'input', message: 'must not have a key with NUL characters or unpaired surrogates' }]);
    expect(unstorableInputProblems('\u0000', 'taskType')).toEqual([{ path: 'taskType', message: 'must not contain NUL characters or unpaired surrogates' }]);
    expect(unstorableInputProblems('\u0000')).toEqual([{ path: 'body', message: 'must not contain NUL characters or unpaired surrogates' }]);
  });

  it(`refuses nesting deeper than ${MAX_INPUT_DEPTH} levels, however deep, without a stack overflow`, () => {
    const nested = (depth: number) => {
      let value: unknown = 1;
      for (let level = 0; level < depth; level += 1) value = [value];
      return value;
    };
    expect(unstorableInputProblems(nested(MAX_INPUT_DEPTH))).toEqual([]);
    expect(unstorableInputProblems(nested(MAX_INPUT_DEPTH + 1))).toEqual([{ path: `body${'[0]'.repeat(MAX_INPUT_DEPTH)}`.replace('body[', '['), message: `is nested more than ${MAX_INPUT_DEPTH} levels deep` }]);
    expect(unstorableInputProblems(nested(200_000))).toHaveLength(1);
  });
});
