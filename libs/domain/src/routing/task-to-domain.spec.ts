import fc from 'fast-check';
import { ALL_TASKS_KEY, parseTaskToDomain, ruleFor, taskToDomainAsRecord } from './task-to-domain';

function parsed(raw: unknown, taskTypes: string[] = []) {
  const result = parseTaskToDomain(raw, taskTypes);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.value;
}

function errorsOf(raw: unknown, taskTypes: string[] = []) {
  const result = parseTaskToDomain(raw, taskTypes);
  if (result.ok) throw new Error('expected the map to be refused');
  return result.errors;
}

describe('parseTaskToDomain', () => {
  describe('no map', () => {
    it.each([undefined, null])('reads %p as an empty map', (raw) => {
      expect(Object.keys(parsed(raw))).toHaveLength(0);
    });

    it('reads {} as an empty map', () => {
      expect(Object.keys(parsed({}))).toHaveLength(0);
    });
  });

  describe('well-formed values', () => {
    it('trims tokens: "abc, NO_DOMAIN"', () => {
      expect(parsed({ 'task-b': 'abc, NO_DOMAIN' })['task-b']).toEqual({
        key: 'task-b',
        value: 'abc, NO_DOMAIN',
        domains: ['abc'],
        fallsBackToNoDomain: true,
      });
    });

    it('trims spaces around every token', () => {
      expect(parsed({ t: '  a ,b  ,   c ' }).t?.domains).toEqual(['a', 'b', 'c']);
    });

    it.each(['NO_DOMAIN', 'no_domain', 'No_Domain', 'nO_DoMaIn'])('reads %j in any letter case as NO_DOMAIN', (token) => {
      expect(parsed({ t: `abc,${token}` }).t).toMatchObject({ domains: ['abc'], fallsBackToNoDomain: true });
    });

    it('accepts NO_DOMAIN alone: no domain to try, the default queue', () => {
      expect(parsed({ t: 'NO_DOMAIN' }).t).toMatchObject({ domains: [], fallsBackToNoDomain: true });
    });

    it('keeps the order of the domains, without NO_DOMAIN at the end', () => {
      expect(parsed({ t: 'canary,stable' }).t).toMatchObject({ domains: ['canary', 'stable'], fallsBackToNoDomain: false });
    });

    it('accepts the `*` key', () => {
      expect(parsed({ '*': 'mydomain' })[ALL_TASKS_KEY]).toMatchObject({ key: '*', domains: ['mydomain'] });
    });
  });

  describe('refused values, each naming the field taskToDomain.<key>', () => {
    it.each([
      [{ t: 'a,NO_DOMAIN,b' }, 'taskToDomain.t', 'NO_DOMAIN may only be the last'],
      [{ t: 'no_domain,a' }, 'taskToDomain.t', 'NO_DOMAIN may only be the last'],
      [{ '*': 'NO_DOMAIN,NO_DOMAIN' }, 'taskToDomain.*', 'NO_DOMAIN may only be the last'],
      [{ t: '' }, 'taskToDomain.t', 'at least one domain'],
      [{ t: '   ' }, 'taskToDomain.t', 'at least one domain'],
      [{ t: 'a,,b' }, 'taskToDomain.t', 'domain #2 of "a,,b" is empty'],
      [{ t: 'a,' }, 'taskToDomain.t', 'domain #2 of "a," is empty'],
      [{ t: ',a' }, 'taskToDomain.t', 'domain #1 of ",a" is empty'],
      [{ t: 'a, ,b' }, 'taskToDomain.t', 'domain #2 of "a, ,b" is empty'],
      [{ t: 'a@b' }, 'taskToDomain.t', 'domain "a@b" must not contain "@"'],
      [{ t: 'a\u0000b' }, 'taskToDomain.t', 'control characters'],
      [{ t: 'a\nb' }, 'taskToDomain.t', 'control characters'],
      [{ t: 'ok,a\u007fb' }, 'taskToDomain.t', 'control characters'],
      [{ 't@x': 'a' }, 'taskToDomain.t@x', 'task type must not contain "@"'],
      [{ 't,x': 'a' }, 'taskToDomain.t,x', 'task type must not contain ","'],
      [{ '': 'a' }, 'taskToDomain.', 'task type must not be empty'],
      [{ ' t': 'a' }, 'taskToDomain. t', 'task type must not start or end with white space'],
      [{ t: 7 }, 'taskToDomain.t', 'must be a string'],
      [{ t: null }, 'taskToDomain.t', 'must be a string'],
      [{ t: ['a', 'b'] }, 'taskToDomain.t', 'must be a string'],
    ])('refuses %j at %s: %s', (raw, field, reason) => {
      expect(errorsOf(raw)).toEqual([{ path: field, message: expect.stringContaining(reason) }]);
    });

    it.each([[['a']], ['a:b'], [42], [true]])('refuses a map that is not an object: %j', (raw) => {
      expect(errorsOf(raw)).toEqual([{ path: 'taskToDomain', message: expect.stringContaining('must be an object') }]);
    });

    it('names the field under the prefix it is given', () => {
      const result = parseTaskToDomain({ t: '' }, [], 'body.taskToDomain');
      expect(result).toEqual({ ok: false, errors: [{ path: 'body.taskToDomain.t', message: expect.any(String) }] });
    });

    it('lists every bad entry, not only the first', () => {
      const errors = errorsOf({ a: '', b: 'NO_DOMAIN,x', c: 'fine', 'd@': 'x', e: 'x@y' });
      expect(errors.map((error) => error.path)).toEqual(['taskToDomain.a', 'taskToDomain.b', 'taskToDomain.d@', 'taskToDomain.e']);
    });

    it('lists every bad token of one value', () => {
      const errors = errorsOf({ t: 'a@b,,NO_DOMAIN,c\u0001' });
      expect(errors.map((error) => error.message)).toEqual([
        expect.stringContaining('domain "a@b"'),
        expect.stringContaining('domain #2'),
        expect.stringContaining('NO_DOMAIN may only be the last'),
        expect.stringContaining('control characters'),
      ]);
      expect(errors.every((error) => error.path === 'taskToDomain.t')).toBe(true);
    });
  });

  describe("queue names of the workflow's task types", () => {
    // "task@" + 250 bytes = 255 bytes, the most AMQP allows.
    const fits = 'd'.repeat(250);
    const tooLong = 'd'.repeat(251);

    it('accepts a domain whose queue name is exactly 255 bytes for a task type', () => {
      expect(parseTaskToDomain({ task: fits }, ['task']).ok).toBe(true);
    });

    it('refuses a domain whose queue name is 256 bytes for a task type with its own key', () => {
      expect(errorsOf({ task: tooLong }, ['task'])).toEqual([{ path: 'taskToDomain.task', message: expect.stringContaining('256 bytes') }]);
    });

    it('refuses a `*` domain too long for one of the task types it applies to', () => {
      expect(parseTaskToDomain({ '*': fits }, ['task']).ok).toBe(true);
      expect(errorsOf({ '*': fits }, ['task', 'longer_task'])).toEqual([
        { path: 'taskToDomain.*', message: expect.stringContaining('RabbitMQ allows 255') },
      ]);
    });

    it('does not hold `*` against a task type that has its own rule', () => {
      expect(parseTaskToDomain({ '*': fits, longer_task: 'short' }, ['task', 'longer_task']).ok).toBe(true);
    });

    it('checks every listed domain, not only the first', () => {
      expect(errorsOf({ task: `short,${tooLong},NO_DOMAIN` }, ['task'])).toEqual([
        { path: 'taskToDomain.task', message: expect.stringContaining('256 bytes') },
      ]);
    });

    it('counts multi-byte characters in bytes', () => {
      // "task@" + 125 × "é" = 5 + 250 bytes: fits; one more byte does not.
      expect(parseTaskToDomain({ task: 'é'.repeat(125) }, ['task']).ok).toBe(true);
      expect(parseTaskToDomain({ task: `${'é'.repeat(125)}x` }, ['task']).ok).toBe(false);
    });

    it('only checks when the task types are known', () => {
      expect(parseTaskToDomain({ task: tooLong }).ok).toBe(true);
    });
  });

  it('never throws, whatever it is given', () => {
    fc.assert(
      fc.property(fc.anything(), (raw) => {
        const result = parseTaskToDomain(raw);
        expect(typeof result.ok).toBe('boolean');
      }),
    );
  });

  it('accepts every well-formed list, and parses back exactly its domains', () => {
    const domain = fc.stringMatching(/^[a-z][a-z0-9_-]{0,10}$/).filter((d) => d.toUpperCase() !== 'NO_DOMAIN');
    const separator = fc.constantFrom(',', ', ', ' , ', ',  ');
    fc.assert(
      fc.property(fc.array(domain, { minLength: 1, maxLength: 5 }), fc.boolean(), separator, (domains, noDomain, sep) => {
        const value = [...domains, ...(noDomain ? ['NO_DOMAIN'] : [])].join(sep);
        expect(parsed({ t: value }).t).toEqual({ key: 't', value, domains, fallsBackToNoDomain: noDomain });
      }),
    );
  });
});

describe('ruleFor', () => {
  const map = parsed({ '*': 'mydomain', 'task-a': 'NO_DOMAIN' });

  it('uses the rule of the task type when it has one, over `*`', () => {
    expect(ruleFor(map, 'task-a')).toMatchObject({ key: 'task-a', value: 'NO_DOMAIN' });
  });

  it('falls back to `*` for any other task type', () => {
    expect(ruleFor(map, 'other')).toMatchObject({ key: '*', value: 'mydomain' });
  });

  it('has no rule for a task type without a key when there is no `*`', () => {
    expect(ruleFor(parsed({ 'task-a': 'x' }), 'other')).toBeUndefined();
  });

  it('has no rule in an empty map', () => {
    expect(ruleFor(parsed(undefined), 'task-a')).toBeUndefined();
  });
});

describe('taskToDomainAsRecord', () => {
  it('gives the map back as the client wrote it, spaces and letter case included', () => {
    const raw = { '*': 'a, b', t: 'no_domain', u: ' x ,NO_DOMAIN' };
    expect(taskToDomainAsRecord(parsed(raw))).toEqual(raw);
  });

  it('gives back an empty record for no map', () => {
    expect(taskToDomainAsRecord(parsed(null))).toEqual({});
  });

  it('round-trips: parsing the record again gives the same rules', () => {
    const domain = fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/).filter((d) => d.toUpperCase() !== 'NO_DOMAIN');
    const value = fc
      .tuple(fc.array(domain, { minLength: 1, maxLength: 4 }), fc.boolean())
      .map(([domains, noDomain]) => [...domains, ...(noDomain ? ['no_domain'] : [])].join(' , '));
    const key = fc.oneof(fc.constant('*'), fc.stringMatching(/^[a-z_]{1,8}$/));
    fc.assert(
      fc.property(fc.dictionary(key, value), (raw) => {
        const once = parsed(raw);
        const record = taskToDomainAsRecord(once);
        expect(record).toEqual(raw);
        expect(parsed(record)).toEqual(once);
      }),
    );
  });
});

describe('parseTaskToDomain with a refused rule of its own', () => {
  it('does not also blame `*` for a task type whose own rule is refused', () => {
    const result = parseTaskToDomain({ '*': 'd'.repeat(250), short: '' }, ['short']);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.map((error) => error.path)).toEqual(['taskToDomain.short']);
  });
});
