import { laterCheckpoint } from './stored-event';

describe('laterCheckpoint', () => {
  it('orders by transaction id first, then position, exactly beyond 2^53', () => {
    const early = { transactionId: '9007199254740993', globalPosition: '9007199254740999' };
    const late = { transactionId: '9007199254740994', globalPosition: '5' };
    expect(laterCheckpoint(early, late)).toBe(late);
    expect(laterCheckpoint(late, early)).toBe(late);
    const samePositionLater = { transactionId: late.transactionId, globalPosition: '9007199254740993' };
    expect(laterCheckpoint(samePositionLater, late)).toBe(samePositionLater);
    expect(laterCheckpoint(late, samePositionLater)).toBe(samePositionLater);
  });
});
