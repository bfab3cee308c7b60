import { SupersededTasks } from './superseded-tasks';

describe('SupersededTasks: what a worker remembers of superseded attempts', () => {
  let now = 1_000_000;
  const clock = () => now;

  it('knows an attempt and why, once', () => {
    const tasks = new SupersededTasks({ maxEntries: 10, retentionMs: 60_000 }, clock);
    expect(tasks.add('t1', 'poll timeout', now)).toBe(true);
    expect(tasks.add('t1', 'poll timeout', now)).toBe(false);
    expect([tasks.reasonFor('t1'), tasks.reasonFor('t2')]).toEqual(['poll timeout', null]);
  });

  it('keeps no more than its bound: the oldest go first', () => {
    const tasks = new SupersededTasks({ maxEntries: 2, retentionMs: 60_000 }, clock);
    for (const taskId of ['t1', 't2', 't3']) tasks.add(taskId, 'rerouted', now);
    expect([tasks.size, tasks.reasonFor('t1'), tasks.reasonFor('t2'), tasks.reasonFor('t3')]).toEqual([2, null, 'rerouted', 'rerouted']);
  });

  it('forgets an attempt once its retention has passed, and takes none that is older', () => {
    const tasks = new SupersededTasks({ maxEntries: 10, retentionMs: 60_000 }, clock);
    tasks.add('t1', 'response timeout', now);
    expect(tasks.add('t0', 'response timeout', now - 60_001)).toBe(false);
    now += 60_001;
    expect(tasks.reasonFor('t1')).toBeNull();
    tasks.add('t2', 'task timeout', now);
    expect(tasks.size).toBe(1);
  });
});
