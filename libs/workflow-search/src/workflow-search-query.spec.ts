import { parseSearchQuery } from './workflow-search-query';

describe('parseSearchQuery', () => {
  it('reads a blank query as no clauses', () => {
    expect(parseSearchQuery(undefined)).toEqual({ ok: true, value: [] });
    expect(parseSearchQuery('   ')).toEqual({ ok: true, value: [] });
  });

  it('reads = , IN and time comparisons joined by AND, in any letter case of the keywords', () => {
    expect(parseSearchQuery('workflowType = hello AND status IN (RUNNING, PAUSED) and startTime > 1700000000000 AND startTime<=1800000000000')).toEqual({
      ok: true,
      value: [
        { field: 'workflowType', anyOf: ['hello'] },
        { field: 'status', anyOf: ['RUNNING', 'PAUSED'] },
        { field: 'startTime', comparison: '>', epochMs: 1700000000000 },
        { field: 'startTime', comparison: '<=', epochMs: 1800000000000 },
      ],
    });
  });

  it('reads quoted values with their spaces, commas and escaped quotes', () => {
    expect(parseSearchQuery(`correlationId = "order 7, \\"rush\\"" AND workflowId IN ('a b', c)`)).toEqual({
      ok: true,
      value: [
        { field: 'correlationId', anyOf: ['order 7, "rush"'] },
        { field: 'workflowId', anyOf: ['a b', 'c'] },
      ],
    });
  });

  it.each([
    ['an unknown field', 'colour = red', '"colour" is not a field search knows'],
    ['an unknown status', 'status = DONE', 'status "DONE" is not one of RUNNING, PAUSED'],
    ['a time that is not epoch ms', 'startTime > yesterday', 'startTime compares with a time in epoch ms, not "yesterday"'],
    ['a comparison of a text field', 'workflowType > a', 'expects = or IN after workflowType at position 14, not ">"'],
    ['= on a time field', 'startTime = 5', 'expects >, <, >= or <= after startTime at position 11, not "="'],
    ['a missing AND', 'workflowType = a status = RUNNING', 'expects AND between clauses at position 18, not "status"'],
    ['an unclosed list', 'status IN (RUNNING', 'ends where it expects , or ) in the list of status'],
    ['an unclosed quote', 'workflowType = "a', 'the value quoted at position 16 has no closing "'],
    ['a trailing AND', 'workflowType = a AND', 'ends where it expects a field name'],
    ['a missing value', 'workflowType =', 'ends where it expects a value for workflowType'],
    ['a symbol for a value', 'status IN (,)', 'expects a value for status at position 12, not ","'],
  ])('refuses %s, naming query', (_case, query, message) => {
    const parsed = parseSearchQuery(query);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors).toEqual([{ path: 'query', message: expect.stringContaining(message) }]);
  });
});
