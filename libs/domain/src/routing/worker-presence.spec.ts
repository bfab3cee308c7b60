import fc from 'fast-check';
import { PresenceSnapshot, type WorkerSighting } from './worker-presence';

const sighting = (workerId: string, seenAt: number, gone = false, domain: string | null = 'doug'): WorkerSighting => ({
  taskType: 'hello_world',
  domain,
  workerId,
  seenAt,
  gone,
});

function snapshotOf(...sightings: WorkerSighting[]): PresenceSnapshot {
  const snapshot = new PresenceSnapshot();
  sightings.forEach((s) => snapshot.apply(s));
  return snapshot;
}

const arbitrarySighting = fc.record({
  taskType: fc.constantFrom('a', 'b'),
  domain: fc.constantFrom(null, 'x', 'y'),
  workerId: fc.constantFrom('w1', 'w2', 'w3'),
  seenAt: fc.integer({ min: 0, max: 1000 }),
  gone: fc.boolean(),
});
const KEYS: Array<[string, string | null]> = ['a', 'b'].flatMap((taskType) => [null, 'x', 'y'].map((domain): [string, string | null] => [taskType, domain]));
const view = (snapshot: PresenceSnapshot) => ({
  lastSeen: KEYS.map(([taskType, domain]) => snapshot.lastSeenAt(taskType, domain)),
  workerCount: snapshot.workerCount,
});

describe('PresenceSnapshot', () => {
  it('knows nothing at first', () => {
    const snapshot = new PresenceSnapshot();
    expect(snapshot.lastSeenAt('hello_world', 'doug')).toBeUndefined();
    expect(snapshot.workerCount).toBe(0);
  });

  it('answers the latest sighting of the freshest live worker of the task type and domain', () => {
    const snapshot = snapshotOf(sighting('w1', 100), sighting('w2', 300), sighting('w1', 200));
    expect(snapshot.lastSeenAt('hello_world', 'doug')).toBe(300);
    expect(snapshot.workerCount).toBe(2);
  });

  it('lets a worker’s newer sighting replace its older one', () => {
    const snapshot = snapshotOf(sighting('w1', 100), sighting('w1', 700));
    expect(snapshot.lastSeenAt('hello_world', 'doug')).toBe(700);
    expect(snapshot.workerCount).toBe(1);
  });

  it('changes nothing for a sighting older than the one it has (a reordered message)', () => {
    const snapshot = snapshotOf(sighting('w1', 200), sighting('w1', 100));
    expect(snapshot.lastSeenAt('hello_world', 'doug')).toBe(200);
    expect(snapshot.workerCount).toBe(1);
  });

  it('does not let an older sighting lower what a later gone is compared with', () => {
    // w1's stale heartbeat at 300 arrives after the one at 500; its gone at 400 is then older than what it last said.
    const snapshot = snapshotOf(sighting('w1', 500), sighting('w1', 300), sighting('w1', 400, true));
    expect(snapshot.lastSeenAt('hello_world', 'doug')).toBe(500);
    expect(snapshot.workerCount).toBe(1);
  });

  it('keeps the freshest time of the remaining workers when another one leaves, stale sightings notwithstanding', () => {
    const snapshot = snapshotOf(sighting('w1', 200), sighting('w1', 150), sighting('w2', 100), sighting('w2', 120, true));
    expect(snapshot.lastSeenAt('hello_world', 'doug')).toBe(200);
  });

  it('answers nothing for another task type or another domain', () => {
    const snapshot = snapshotOf(sighting('w1', 100));
    expect(snapshot.lastSeenAt('other', 'doug')).toBeUndefined();
    expect(snapshot.lastSeenAt('hello_world', 'other')).toBeUndefined();
  });

  it('keeps no domain (null) apart from a domain', () => {
    const snapshot = snapshotOf(sighting('w1', 100, false, null), sighting('w2', 900, false, 'doug'));
    expect(snapshot.lastSeenAt('hello_world', null)).toBe(100);
    expect(snapshot.lastSeenAt('hello_world', 'doug')).toBe(900);
    expect(snapshotOf(sighting('w1', 100, false, null)).lastSeenAt('hello_world', 'doug')).toBeUndefined();
    expect(snapshotOf(sighting('w1', 100, false, 'doug')).lastSeenAt('hello_world', null)).toBeUndefined();
  });

  it('keeps no domain apart from a domain that happens to be named "null"', () => {
    const snapshot = snapshotOf(sighting('w1', 100, false, 'null'));
    expect(snapshot.lastSeenAt('hello_world', 'null')).toBe(100);
    expect(snapshot.lastSeenAt('hello_world', null)).toBeUndefined();
  });

  describe('a worker that says it is gone', () => {
    it('is forgotten, and only that worker: the others of the same task type and domain still count', () => {
      const snapshot = snapshotOf(sighting('w1', 100), sighting('w2', 300), sighting('w2', 400, true));
      expect(snapshot.lastSeenAt('hello_world', 'doug')).toBe(100);
      expect(snapshot.workerCount).toBe(1);
    });

    it('leaves no worker once the last one is gone', () => {
      const snapshot = snapshotOf(sighting('w1', 100), sighting('w1', 150, true));
      expect(snapshot.lastSeenAt('hello_world', 'doug')).toBeUndefined();
      expect(snapshot.workerCount).toBe(0);
    });

    it('is forgotten when the gone carries the time of its last heartbeat', () => {
      expect(snapshotOf(sighting('w1', 100), sighting('w1', 100, true)).lastSeenAt('hello_world', 'doug')).toBeUndefined();
    });

    it('does not take away workers of other domains or task types', () => {
      const snapshot = snapshotOf(sighting('w1', 100, false, 'doug'), sighting('w1', 200, false, null), sighting('w1', 300, true, 'doug'));
      expect(snapshot.lastSeenAt('hello_world', 'doug')).toBeUndefined();
      expect(snapshot.lastSeenAt('hello_world', null)).toBe(200);
    });

    it('is ignored when older than the last heartbeat (a reordered message)', () => {
      const snapshot = snapshotOf(sighting('w1', 500), sighting('w1', 400, true));
      expect(snapshot.lastSeenAt('hello_world', 'doug')).toBe(500);
      expect(snapshot.workerCount).toBe(1);
    });

    it('changes nothing for a worker never seen', () => {
      const snapshot = snapshotOf(sighting('w1', 100), sighting('w9', 200, true));
      expect(snapshot.lastSeenAt('hello_world', 'doug')).toBe(100);
      expect(snapshot.workerCount).toBe(1);
    });
  });

  describe('properties', () => {
    it('ends in the same state when every sighting is delivered twice in a row', () => {
      fc.assert(
        fc.property(fc.array(arbitrarySighting, { maxLength: 30 }), (sightings) => {
          const once = new PresenceSnapshot();
          const twice = new PresenceSnapshot();
          for (const s of sightings) {
            once.apply(s);
            twice.apply(s);
            twice.apply({ ...s });
          }
          expect(view(twice)).toEqual(view(once));
        }),
      );
    });

    it('with heartbeats only, answers the latest sighting per task type and domain, in whatever order they come', () => {
      const heartbeat = arbitrarySighting.map((s) => ({ ...s, gone: false }));
      fc.assert(
        fc.property(fc.array(heartbeat, { maxLength: 30 }).chain((list) => fc.tuple(fc.constant(list), fc.shuffledSubarray(list, { minLength: list.length }))), ([sightings, shuffled]) => {
          const snapshot = snapshotOf(...shuffled);
          for (const [taskType, domain] of KEYS) {
            const times = sightings.filter((s) => s.taskType === taskType && s.domain === domain).map((s) => s.seenAt);
            expect(snapshot.lastSeenAt(taskType, domain)).toBe(times.length === 0 ? undefined : Math.max(...times));
          }
          expect(view(snapshot)).toEqual(view(snapshotOf(...sightings)));
        }),
      );
    });

    it("answers the freshest live worker's time, and nothing once all are gone, when each worker's sightings come in the order it sent them", () => {
      /** Same interleaving of workers, but each worker's own sightings in time order (a heartbeat before a gone of the same time). */
      const inSendingOrder = (sightings: WorkerSighting[]): WorkerSighting[] => {
        const keyOf = (s: WorkerSighting) => `${s.taskType}/${s.domain}/${s.workerId}`;
        const queues = new Map<string, WorkerSighting[]>();
        for (const s of sightings) queues.set(keyOf(s), [...(queues.get(keyOf(s)) ?? []), s]);
        for (const queue of queues.values()) queue.sort((p, q) => p.seenAt - q.seenAt || Number(p.gone) - Number(q.gone));
        return sightings.map((s) => queues.get(keyOf(s))!.shift()!);
      };
      fc.assert(
        fc.property(fc.array(arbitrarySighting, { maxLength: 30 }).map(inSendingOrder), (sightings) => {
          const snapshot = snapshotOf(...sightings);
          // Each worker's last word is its last sighting: it is live unless that says gone.
          const lastWord = new Map<string, WorkerSighting>();
          for (const s of sightings) lastWord.set(`${s.taskType}/${s.domain}/${s.workerId}`, s);
          const live = [...lastWord.values()].filter((s) => !s.gone);
          for (const [taskType, domain] of KEYS) {
            const times = live.filter((s) => s.taskType === taskType && s.domain === domain).map((s) => s.seenAt);
            expect(snapshot.lastSeenAt(taskType, domain)).toBe(times.length === 0 ? undefined : Math.max(...times));
          }
          expect(snapshot.workerCount).toBe(live.length);
        }),
      );
    });
  });
});

describe('PresenceSnapshot after a worker left', () => {
  it('does not bring back a worker by a heartbeat older than its goodbye (late delivery)', () => {
    const snapshot = new PresenceSnapshot();
    snapshot.apply({ taskType: 't', domain: 'd', workerId: 'w', seenAt: 100, gone: false });
    snapshot.apply({ taskType: 't', domain: 'd', workerId: 'w', seenAt: 200, gone: true });
    snapshot.apply({ taskType: 't', domain: 'd', workerId: 'w', seenAt: 150, gone: false });
    expect(snapshot.lastSeenAt('t', 'd')).toBeUndefined();
  });

  it('takes the worker back when it heartbeats after its goodbye (a restart)', () => {
    const snapshot = new PresenceSnapshot();
    snapshot.apply({ taskType: 't', domain: 'd', workerId: 'w', seenAt: 200, gone: true });
    snapshot.apply({ taskType: 't', domain: 'd', workerId: 'w', seenAt: 300, gone: false });
    expect(snapshot.lastSeenAt('t', 'd')).toBe(300);
  });
});

describe('PresenceSnapshot sighting a worker by its task result', () => {
  it('refreshes a worker it knows', () => {
    const snapshot = snapshotOf(sighting('w1', 100));
    snapshot.applyByResult(sighting('w1', 200));
    expect(snapshot.lastSeenAt('hello_world', 'doug')).toBe(200);
  });

  it('adds no worker it does not know', () => {
    const snapshot = new PresenceSnapshot();
    snapshot.applyByResult(sighting('w1', 200));
    expect(snapshot.lastSeenAt('hello_world', 'doug')).toBeUndefined();
    expect(snapshot.workerCount).toBe(0);
  });

  it('does not bring back a worker that said it is gone, though the result was received after the goodbye', () => {
    const snapshot = snapshotOf(sighting('w1', 100), sighting('w1', 200, true));
    snapshot.applyByResult(sighting('w1', 300));
    expect(snapshot.lastSeenAt('hello_world', 'doug')).toBeUndefined();
    expect(snapshot.workerCount).toBe(0);
  });

  it('changes nothing when older than what the worker last said', () => {
    const snapshot = snapshotOf(sighting('w1', 300));
    snapshot.applyByResult(sighting('w1', 200));
    expect(snapshot.lastSeenAt('hello_world', 'doug')).toBe(300);
  });
});
