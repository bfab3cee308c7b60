import { MicroBatcher } from './micro-batcher';

describe('MicroBatcher', () => {
  it('sends the first item at once and groups what arrives while a flush is under way', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const firstFlushHeld = new Promise<void>((resolve) => (release = resolve));
    const batcher = new MicroBatcher<number, number>(async (items) => {
      batches.push(items);
      if (batches.length === 1) await firstFlushHeld;
      return items.map((item) => item * 10);
    });
    const first = batcher.submit(1);
    const rest = [batcher.submit(2), batcher.submit(3), batcher.submit(4)];
    release();
    expect(await Promise.all([first, ...rest])).toEqual([10, 20, 30, 40]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('rejects only the items answered with an error, and every item of a failed flush', async () => {
    const picky = new MicroBatcher<number, number>(async (items) => items.map((item) => (item % 2 === 0 ? new Error(`even ${item}`) : item)));
    const outcomes = await Promise.allSettled([picky.submit(1), picky.submit(2)]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected']);

    const broken = new MicroBatcher<number, number>(async () => {
      throw new Error('database gone');
    });
    await expect(broken.submit(1)).rejects.toThrow('database gone');
    // The batcher keeps working after a failed flush.
    const healthy = await Promise.allSettled([broken.submit(2)]);
    expect(healthy[0].status).toBe('rejected');
  });

  it('never puts more than maxBatch items in one flush', async () => {
    const sizes: number[] = [];
    const batcher = new MicroBatcher<number, number>(async (items) => {
      sizes.push(items.length);
      return items;
    }, 3);
    await Promise.all(Array.from({ length: 10 }, (_, i) => batcher.submit(i)));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(3);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(10);
  });
});
