import { evaluateAgainstPayload, expandInlineJson } from './payload-expressions';

describe('evaluateAgainstPayload', () => {
  const payload = { orderId: 42, customer: { name: 'Ada', tags: ['vip', 'eu'] }, note: null };

  it('keeps the type of a value that is one whole expression', () => {
    expect(evaluateAgainstPayload({ id: '${orderId}', who: '${customer}', first: '${customer.tags[0]}' }, payload)).toEqual({
      id: 42,
      who: { name: 'Ada', tags: ['vip', 'eu'] },
      first: 'vip',
    });
  });

  it("reads JSONPath's `$.` form as Conductor does", () => {
    expect(evaluateAgainstPayload('${$.customer.name}', payload)).toBe('Ada');
    expect(evaluateAgainstPayload('${$.customer.tags[1]}', payload)).toBe('eu');
  });

  it('interpolates expressions inside a longer string, unresolved ones as empty text', () => {
    expect(evaluateAgainstPayload('order ${orderId} for ${customer.name}${missing}', payload)).toBe('order 42 for Ada');
  });

  it('answers null for what the payload does not hold, inherited fields included', () => {
    expect(evaluateAgainstPayload({ a: '${missing.deeper}', b: '${note}', c: '${constructor}', d: '${orderId.toString}' }, payload)).toEqual({
      a: null,
      b: null,
      c: null,
      d: null,
    });
  });

  it('walks lists and nested objects, and leaves plain values alone', () => {
    expect(evaluateAgainstPayload({ list: ['${orderId}', 7, true, null], nested: { x: 'plain' } }, payload)).toEqual({
      list: [42, 7, true, null],
      nested: { x: 'plain' },
    });
  });
});

describe('expandInlineJson', () => {
  it('reads strings that hold JSON objects or lists, at any depth', () => {
    expect(expandInlineJson({ body: '{"order":{"id":7,"lines":"[1,2]"}}', keep: 'text' })).toEqual({ body: { order: { id: 7, lines: [1, 2] } }, keep: 'text' });
  });

  it('leaves a string that only looks like JSON as it is', () => {
    expect(expandInlineJson({ broken: '{not json', number: '12' })).toEqual({ broken: '{not json', number: '12' });
  });
});
