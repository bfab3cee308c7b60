import { HttpException } from '@nestjs/common';
import { workflowSearchOf } from './workflow-search-request';

function refusal(parameters: Record<string, unknown>): unknown {
  try {
    workflowSearchOf(parameters);
  } catch (error) {
    if (error instanceof HttpException) return error.getResponse();
    throw error;
  }
  throw new Error('not refused');
}

describe('workflowSearchOf', () => {
  it("takes Conductor's defaults: from the first match, 100 at most, freeText * for any run", () => {
    expect(workflowSearchOf({})).toEqual({ clauses: [], freeText: null, domain: null, start: 0, size: 100 });
    expect(workflowSearchOf({ freeText: '*', domain: ' ' })).toMatchObject({ freeText: null, domain: null });
  });

  it('reads start, size, the query, a free-text word and a domain', () => {
    expect(workflowSearchOf({ start: '20', size: '10', query: 'status = FAILED', freeText: ' order-7 ', domain: 'canary' })).toEqual({
      clauses: [{ field: 'status', anyOf: ['FAILED'] }],
      freeText: 'order-7',
      domain: 'canary',
      start: 20,
      size: 10,
    });
  });

  it('refuses with a 400 that names each bad parameter', () => {
    expect(refusal({ start: '-1', size: 'lots', query: 'colour = red', domain: ['a', 'b'] })).toMatchObject({
      status: 400,
      validationErrors: [
        expect.objectContaining({ field: 'start' }),
        expect.objectContaining({ field: 'size' }),
        expect.objectContaining({ field: 'query', reason: expect.stringContaining('"colour" is not a field') }),
        expect.objectContaining({ field: 'domain', reason: 'must be given once' }),
      ],
    });
  });
});
