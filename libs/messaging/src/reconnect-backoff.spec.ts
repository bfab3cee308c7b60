import { reconnectDelayMs } from './reconnect-backoff';

describe('reconnectDelayMs', () => {
  const policy = { initialDelayMs: 100, maxDelayMs: 1_000 };

  it('doubles from the initial delay up to the maximum, drawn from the upper half', () => {
    expect([1, 2, 3, 4, 5, 10].map((attempt) => reconnectDelayMs(attempt, policy, () => 1))).toEqual([100, 200, 400, 800, 1_000, 1_000]);
    expect([1, 2, 3, 4, 5, 10].map((attempt) => reconnectDelayMs(attempt, policy, () => 0))).toEqual([50, 100, 200, 400, 500, 500]);
  });
});
