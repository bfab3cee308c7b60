import fc from 'fast-check';
import { taskQueueName } from './names';
import { type RoutingDecision, resolveDomain } from './resolve-domain';
import { parseTaskToDomain } from './task-to-domain';
import { PresenceSnapshot, type WorkerPresence } from './worker-presence';

const NOW = 1_700_000_000_000;
const TIMEOUT = 10_000;

/** Presence where the listed (taskType, domain) pairs have a worker seen `ago` ms before NOW. */
function presenceOf(sightings: Array<[taskType: string, domain: string | null, ago: number]>): WorkerPresence {
  const snapshot = new PresenceSnapshot();
  sightings.forEach(([taskType, domain, ago], i) => snapshot.apply({ taskType, domain, workerId: `w${i}`, seenAt: NOW - ago, gone: false }));
  return snapshot;
}

function route(taskType: string, map: Record<string, string> | undefined, presence: WorkerPresence): RoutingDecision {
  const parsed = parseTaskToDomain(map);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return resolveDomain({ taskType, taskToDomain: parsed.value, presence, now: NOW, activeWorkerTimeoutMs: TIMEOUT });
}

describe('resolveDomain', () => {
  describe("Conductor's documented example: workers alive for mydomain, none for abc", () => {
    const map = {
      '*': 'mydomain',
      'task-a': 'NO_DOMAIN',
      'task-b': 'abc, NO_DOMAIN',
      'task-c': 'someInactiveDomain1, someInactiveDomain2',
    };
    const presence = presenceOf(['task-a', 'task-b', 'task-c', 'task-x'].map((taskType) => [taskType, 'mydomain', 1_000] as [string, string, number]));

    it.each([
      ['task-a', null, 'task-a', 'NO_DOMAIN_FALLBACK', 'task-a'],
      ['task-b', null, 'task-b', 'NO_DOMAIN_FALLBACK', 'task-b'],
      ['task-c', 'someInactiveDomain2', 'task-c@someInactiveDomain2', 'LAST_INACTIVE', 'task-c'],
      ['task-x', 'mydomain', 'task-x@mydomain', 'FIRST_ACTIVE', '*'],
    ])('%s goes to domain %s, queue %s (%s, rule %s)', (taskType, domain, queueName, rule, ruleKey) => {
      const decision = route(taskType, map, presence);
      expect(decision).toMatchObject({ domain, queueName });
      expect(decision.reason).toMatchObject({ rule, ruleKey, ruleValue: map[ruleKey as keyof typeof map] });
    });

    it('task-b checked abc and found it inactive before falling back', () => {
      expect(route('task-b', map, presence).reason.candidates).toEqual([{ domain: 'abc', active: false, lastSeenAt: null }]);
    });

    it('task-c checked both inactive domains before waiting in the last one', () => {
      expect(route('task-c', map, presence).reason.candidates).toEqual([
        { domain: 'someInactiveDomain1', active: false, lastSeenAt: null },
        { domain: 'someInactiveDomain2', active: false, lastSeenAt: null },
      ]);
    });
  });

  describe('no rule', () => {
    it('sends every task to the default queue when the workflow has no map', () => {
      const decision = route('hello_world', undefined, presenceOf([['hello_world', 'doug', 0]]));
      expect(decision).toEqual({
        domain: null,
        queueName: 'hello_world',
        reason: {
          rule: 'NO_RULE',
          ruleKey: null,
          ruleValue: null,
          candidates: [],
          activeWorkerTimeoutMs: TIMEOUT,
          summary: expect.stringContaining('no taskToDomain rule for "hello_world"'),
        },
      });
    });

    it('sends a task to the default queue when the map names other task types only and has no `*`', () => {
      const decision = route('hello_world', { other: 'doug' }, presenceOf([['hello_world', 'doug', 0]]));
      expect(decision).toMatchObject({ domain: null, queueName: 'hello_world', reason: { rule: 'NO_RULE', ruleKey: null } });
    });
  });

  describe('the canary story: "canary,stable,NO_DOMAIN"', () => {
    const map = { task_x: 'canary,stable,NO_DOMAIN' };

    it('runs on canary while it is alive', () => {
      const decision = route('task_x', map, presenceOf([['task_x', 'canary', 0], ['task_x', 'stable', 0]]));
      expect(decision).toMatchObject({ domain: 'canary', queueName: 'task_x@canary', reason: { rule: 'FIRST_ACTIVE' } });
    });

    it('runs on stable when canary is down', () => {
      const decision = route('task_x', map, presenceOf([['task_x', 'canary', TIMEOUT + 1], ['task_x', 'stable', 0]]));
      expect(decision).toMatchObject({ domain: 'stable', queueName: 'task_x@stable', reason: { rule: 'FIRST_ACTIVE' } });
      expect(decision.reason.candidates).toEqual([
        { domain: 'canary', active: false, lastSeenAt: NOW - TIMEOUT - 1 },
        { domain: 'stable', active: true, lastSeenAt: NOW },
      ]);
    });

    it('runs on the default pool when both are down', () => {
      const decision = route('task_x', map, presenceOf([]));
      expect(decision).toMatchObject({ domain: null, queueName: 'task_x', reason: { rule: 'NO_DOMAIN_FALLBACK' } });
      expect(decision.reason.candidates).toEqual([
        { domain: 'canary', active: false, lastSeenAt: null },
        { domain: 'stable', active: false, lastSeenAt: null },
      ]);
      expect(decision.reason.summary).toContain('ends in NO_DOMAIN: default queue');
    });
  });

  describe('what counts as active', () => {
    it('counts a worker seen exactly activeWorkerTimeoutMs ago as active', () => {
      const decision = route('t', { t: 'd' }, presenceOf([['t', 'd', TIMEOUT]]));
      expect(decision).toMatchObject({ domain: 'd', reason: { rule: 'FIRST_ACTIVE' } });
    });

    it('does not count a worker seen one ms longer ago', () => {
      const decision = route('t', { t: 'd,NO_DOMAIN' }, presenceOf([['t', 'd', TIMEOUT + 1]]));
      expect(decision).toMatchObject({ domain: null, reason: { rule: 'NO_DOMAIN_FALLBACK' } });
      expect(decision.reason.candidates).toEqual([{ domain: 'd', active: false, lastSeenAt: NOW - TIMEOUT - 1 }]);
    });

    it('uses the timeout it is given', () => {
      const parsed = parseTaskToDomain({ t: 'd,NO_DOMAIN' });
      if (!parsed.ok) throw new Error('bad map');
      const at = (activeWorkerTimeoutMs: number) =>
        resolveDomain({ taskType: 't', taskToDomain: parsed.value, presence: presenceOf([['t', 'd', 3_000]]), now: NOW, activeWorkerTimeoutMs }).domain;
      expect(at(3_000)).toBe('d');
      expect(at(2_999)).toBeNull();
    });

    it('does not count a worker of another task type in the same domain', () => {
      const decision = route('t', { t: 'd,NO_DOMAIN' }, presenceOf([['other', 'd', 0]]));
      expect(decision).toMatchObject({ domain: null, reason: { rule: 'NO_DOMAIN_FALLBACK' } });
    });

    it('does not count a worker of the default queue as a worker of a domain', () => {
      const decision = route('t', { t: 'd,NO_DOMAIN' }, presenceOf([['t', null, 0]]));
      expect(decision.domain).toBeNull();
      expect(decision.reason.candidates).toEqual([{ domain: 'd', active: false, lastSeenAt: null }]);
    });
  });

  it('records the rule, the key, the value, the candidates up to the winner, and a sentence', () => {
    const decision = route('t', { '*': 'a, b, c' }, presenceOf([['t', 'b', 500], ['t', 'c', 0]]));
    expect(decision.reason).toEqual({
      rule: 'FIRST_ACTIVE',
      ruleKey: '*',
      ruleValue: 'a, b, c',
      activeWorkerTimeoutMs: TIMEOUT,
      candidates: [
        { domain: 'a', active: false, lastSeenAt: null },
        { domain: 'b', active: true, lastSeenAt: NOW - 500 },
      ],
      summary: expect.stringContaining('"b" is the first active domain of "a, b, c" (rule "*"; a worker was seen 500ms ago)'),
    });
  });

  it('explains a task left waiting for the last inactive domain', () => {
    const decision = route('t', { t: 'a,b' }, presenceOf([]));
    expect(decision.reason).toMatchObject({ rule: 'LAST_INACTIVE', ruleKey: 't', ruleValue: 'a,b' });
    expect(decision.reason.summary).toContain('waits for workers of the last domain "b"');
  });
});

describe('resolveDomain properties', () => {
  // A few shared names make collisions (and repeats in a list) likely; arbitrary ones keep it honest.
  const domainName = fc.oneof(
    fc.constantFrom('a', 'b', 'c', 'd'),
    fc.stringMatching(/^[a-z][a-z0-9_-]{0,8}$/).filter((d) => d.toUpperCase() !== 'NO_DOMAIN'),
  );
  const listing = fc.record({
    domains: fc.array(domainName, { minLength: 1, maxLength: 5 }),
    endsInNoDomain: fc.boolean(),
  });
  type Listing = { domains: string[]; endsInNoDomain: boolean };
  const valueOf = (list: Listing) => [...list.domains, ...(list.endsInNoDomain ? ['NO_DOMAIN'] : [])].join(',');

  // How long ago a worker was last seen; around the timeout, and a little in the future (clock skew).
  const ago = fc.oneof(fc.constantFrom(0, TIMEOUT, TIMEOUT + 1), fc.integer({ min: -1_000, max: 3 * TIMEOUT }));
  type Seen = Array<[taskType: string, domain: string | null, ago: number]>;
  /** Sightings of workers of "t" in some domains, and of other task types or no domain (which must not count). */
  const sightings: fc.Arbitrary<Seen> = fc.array(
    fc.tuple(fc.constantFrom('t', 't', 't', 'other'), fc.option(domainName, { freq: 5 }), ago),
    { maxLength: 12 },
  );

  /** WorkerPresence as a plain object over the raw data: the freshest sighting per (task type, domain). */
  function plainPresence(seen: Seen): WorkerPresence {
    return {
      lastSeenAt(taskType, domain) {
        const times = seen.filter(([t, d]) => t === taskType && d === domain).map(([, , a]) => NOW - a);
        return times.length === 0 ? undefined : Math.max(...times);
      },
    };
  }
  const isActive = (seen: Seen, domain: string) => seen.some(([t, d, a]) => t === 't' && d === domain && a <= TIMEOUT);

  const decide = (map: Record<string, string> | undefined, seen: Seen) => route('t', map, plainPresence(seen));

  it('(a) chooses one of the listed domains, or none only when the list ends in NO_DOMAIN or there is no rule', () => {
    const mapOf = fc.record({ star: fc.option(listing), own: fc.option(listing) });
    fc.assert(
      fc.property(mapOf, sightings, ({ star, own }, seen) => {
        const raw: Record<string, string> = {};
        if (star !== null) raw['*'] = valueOf(star);
        if (own !== null) raw.t = valueOf(own);
        const rule = own ?? star;
        const decision = decide(raw, seen);
        if (rule === null) expect(decision.domain).toBeNull();
        else if (decision.domain === null) expect(rule.endsInNoDomain).toBe(true);
        else expect(rule.domains).toContain(decision.domain);
      }),
    );
  });

  it('(b) always answers the queue taskQueueName(taskType, domain)', () => {
    fc.assert(
      fc.property(fc.option(listing), sightings, (list, seen) => {
        const decision = decide(list === null ? undefined : { t: valueOf(list) }, seen);
        expect(decision.queueName).toBe(taskQueueName('t', decision.domain));
      }),
    );
  });

  it('(c) lets the first listed active domain win, having checked exactly the domains before it', () => {
    fc.assert(
      fc.property(listing, sightings, (list, seen) => {
        const winner = list.domains.findIndex((domain) => isActive(seen, domain));
        fc.pre(winner >= 0);
        const decision = decide({ t: valueOf(list) }, seen);
        expect(decision).toMatchObject({ domain: list.domains[winner], reason: { rule: 'FIRST_ACTIVE' } });
        expect(decision.reason.candidates.map((candidate) => candidate.domain)).toEqual(list.domains.slice(0, winner + 1));
        expect(decision.reason.candidates.map((candidate) => candidate.active)).toEqual(list.domains.slice(0, winner + 1).map((_, i) => i === winner));
      }),
    );
  });

  it('(d) does not depend on the presence of the domains listed after the first active one', () => {
    fc.assert(
      fc.property(listing, sightings, sightings, (list, seen, noise) => {
        const winner = list.domains.findIndex((domain) => isActive(seen, domain));
        fc.pre(winner >= 0);
        const decided = new Set(list.domains.slice(0, winner + 1));
        // Keep what is known of the domains checked up to the winner; make up anything about the others.
        const varied: Seen = [
          ...seen.filter(([t, d]) => t === 't' && d !== null && decided.has(d)),
          ...noise.filter(([t, d]) => !(t === 't' && d !== null && decided.has(d))),
        ];
        expect(decide({ t: valueOf(list) }, varied)).toEqual(decide({ t: valueOf(list) }, seen));
      }),
    );
  });

  it('(e) with no active domain and no NO_DOMAIN, chooses the last listed domain', () => {
    fc.assert(
      fc.property(listing, sightings, (list, seen) => {
        fc.pre(!list.domains.some((domain) => isActive(seen, domain)));
        const decision = decide({ t: list.domains.join(',') }, seen);
        expect(decision).toMatchObject({ domain: list.domains[list.domains.length - 1], reason: { rule: 'LAST_INACTIVE' } });
        expect(decision.reason.candidates.map((candidate) => candidate.domain)).toEqual(list.domains);
      }),
    );
  });

  it('(e′) with no active domain and a final NO_DOMAIN, chooses the default queue', () => {
    fc.assert(
      fc.property(listing, sightings, (list, seen) => {
        fc.pre(!list.domains.some((domain) => isActive(seen, domain)));
        const decision = decide({ t: `${list.domains.join(',')},NO_DOMAIN` }, seen);
        expect(decision).toMatchObject({ domain: null, queueName: 't', reason: { rule: 'NO_DOMAIN_FALLBACK' } });
      }),
    );
  });

  it('(f) lets a rule for the task type override `*`', () => {
    fc.assert(
      fc.property(listing, listing, sightings, (own, star, seen) => {
        const withStar = decide({ '*': valueOf(star), t: valueOf(own) }, seen);
        const alone = decide({ t: valueOf(own) }, seen);
        expect(withStar).toEqual(alone);
        expect(withStar.reason.ruleKey).toBe('t');
      }),
    );
  });

  it('decides the same with a PresenceSnapshot as with the plain presence built from the same sightings', () => {
    fc.assert(
      fc.property(listing, sightings, (list, seen) => {
        expect(route('t', { t: valueOf(list) }, presenceOf(seen))).toEqual(decide({ t: valueOf(list) }, seen));
      }),
    );
  });
});
