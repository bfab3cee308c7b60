import fc from 'fast-check';
import {
  MAX_QUEUE_NAME_BYTES,
  MAX_WORKER_ID_BYTES,
  NO_DOMAIN,
  checkName,
  isNoDomain,
  nameProblem,
  queueNameBytesProblem,
  queueNameProblem,
  taskQueueName,
  workerIdProblem,
} from './names';

const bytesOf = (text: string) => Buffer.byteLength(text, 'utf8');

describe('taskQueueName', () => {
  it('is the bare task type for the default queue (no domain)', () => {
    expect(taskQueueName('hello_world', null)).toBe('hello_world');
  });

  it('puts the domain after an "@"', () => {
    expect(taskQueueName('hello_world', 'doug')).toBe('hello_world@doug');
  });
});

describe('isNoDomain', () => {
  it.each(['NO_DOMAIN', 'no_domain', 'No_Domain', 'nO_dOmAiN'])('reads %j as NO_DOMAIN', (token) => {
    expect(isNoDomain(token)).toBe(true);
  });

  it.each(['NO_DOMAINS', 'NODOMAIN', 'NO DOMAIN', '', 'doug'])('does not read %j as NO_DOMAIN', (token) => {
    expect(isNoDomain(token)).toBe(false);
  });

  it('is the NO_DOMAIN constant', () => {
    expect(NO_DOMAIN).toBe('NO_DOMAIN');
  });
});

describe('nameProblem', () => {
  it.each(['hello_world', 'doug', 'task-a', 'canary.v2', 'ünïcode', 'with inner space'])('accepts %j', (name) => {
    expect(nameProblem(name)).toBeNull();
  });

  it.each([
    ['', 'must not be empty'],
    [' doug', 'white space'],
    ['doug ', 'white space'],
    ['\tdoug', 'white space'],
    ['   ', 'white space'],
    ['a@b', '"@"'],
    ['@', '"@"'],
    ['a,b', '","'],
    [',', '","'],
    ['a\u0000b', 'control characters'],
    ['a\u0007b', 'control characters'],
    ['a\nb', 'control characters'],
    ['a\u001fb', 'control characters'],
    ['a\u007fb', 'control characters'],
    ['a\u0085b', 'control characters'],
    ['a\u009fb', 'control characters'],
  ])('refuses %j: %s', (name, reason) => {
    expect(nameProblem(name)).toContain(reason);
  });

  it('accepts any name made of printable, non-separator characters without outer spaces', () => {
    const printable = fc.stringMatching(/^[A-Za-z0-9_.:\-]{1,30}$/);
    fc.assert(fc.property(printable, (name) => expect(nameProblem(name)).toBeNull()));
  });

  it('refuses any name that contains "@" or ","', () => {
    const around = fc.stringMatching(/^[a-z]{0,5}$/);
    fc.assert(
      fc.property(around, fc.constantFrom('@', ','), around, (before, separator, after) => {
        expect(nameProblem(`${before}${separator}${after}`)).not.toBeNull();
      }),
    );
  });
});

describe('queueNameProblem', () => {
  it('allows 255 bytes', () => {
    expect(MAX_QUEUE_NAME_BYTES).toBe(255);
    const domain = 'd'.repeat(253); // "t" + "@" + 253
    expect(bytesOf(taskQueueName('t', domain))).toBe(255);
    expect(queueNameProblem('t', domain)).toBeNull();
  });

  it('refuses 256 bytes, saying how many and what the limit is', () => {
    const domain = 'd'.repeat(254);
    expect(queueNameProblem('t', domain)).toContain('256 bytes');
    expect(queueNameProblem('t', domain)).toContain('RabbitMQ allows 255');
  });

  it('measures a queue with no domain: the task type alone', () => {
    expect(queueNameProblem('t'.repeat(255), null)).toBeNull();
    expect(queueNameProblem('t'.repeat(256), null)).toContain('256 bytes');
  });

  it('counts multi-byte UTF-8 characters in bytes, not characters', () => {
    // "t@" + 126 × "é" (2 bytes each) + "x" = 2 + 252 + 1 = 255 bytes, 129 characters.
    expect(queueNameProblem('t', `${'é'.repeat(126)}x`)).toBeNull();
    // "t@" + 127 × "é" = 256 bytes, only 129 characters.
    expect(queueNameProblem('t', 'é'.repeat(127))).toContain('256 bytes');
    // 4-byte characters: "t@" + 63 × "🚀" = 2 + 252 = 254 bytes, 128 UTF-16 units.
    expect(queueNameProblem('t', '🚀'.repeat(63))).toBeNull();
    expect(queueNameProblem('t', '🚀'.repeat(64))).toContain('258 bytes');
  });

  it('refuses exactly the names over 255 UTF-8 bytes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 20 }), fc.string({ unit: 'grapheme', maxLength: 200 }), (taskType, domain) => {
        const tooLong = bytesOf(`${taskType}@${domain}`) > 255;
        expect(queueNameProblem(taskType, domain) !== null).toBe(tooLong);
      }),
    );
  });
});

describe('checkName', () => {
  it('accepts a good name', () => {
    expect(checkName('name', 'hello_world')).toEqual([]);
  });

  it('refuses something that is not a string, naming the field', () => {
    expect(checkName('tasks[0].name', 42)).toEqual([{ path: 'tasks[0].name', message: 'must be a string' }]);
    expect(checkName('name', undefined)).toEqual([{ path: 'name', message: 'must be a string' }]);
  });

  it('refuses a bad name, naming the field', () => {
    expect(checkName('name', 'a@b')).toEqual([{ path: 'name', message: expect.stringContaining('"@"') }]);
  });

  it('refuses a task type whose own queue name would pass 255 bytes', () => {
    expect(checkName('name', 'x'.repeat(255))).toEqual([]);
    expect(checkName('name', 'x'.repeat(256))).toEqual([{ path: 'name', message: expect.stringContaining('256 bytes') }]);
  });
});

describe('queueNameBytesProblem', () => {
  it('measures any queue name (an event queue may hold "@" or ",") against 255 UTF-8 bytes', () => {
    expect(queueNameBytesProblem(`orders@eu,${'q'.repeat(245)}`)).toBeNull();
    expect(queueNameBytesProblem('é'.repeat(128))).toBe(`queue name "${'é'.repeat(40)}…" is 256 bytes; RabbitMQ allows 255`);
  });
});

describe('workerIdProblem', () => {
  it.each(['worker-1', 'host.example.com:4711', 'w@host', 'pool a, replica 2'])('accepts %j (a worker id names no queue: "@" and "," are fine)', (workerId) => {
    expect(workerIdProblem(workerId)).toBeNull();
  });

  it('accepts 255 bytes and refuses 256, saying how many', () => {
    expect(MAX_WORKER_ID_BYTES).toBe(255);
    expect(workerIdProblem('w'.repeat(255))).toBeNull();
    expect(workerIdProblem('é'.repeat(128))).toBe('is 256 bytes; a worker id may have 255');
  });

  it.each([
    ['', 'must not be blank'],
    ['  ', 'must not be blank'],
    ['w\u0000', 'must not contain control characters'],
    ['w\n1', 'must not contain control characters'],
  ])('refuses %j: %s', (workerId, reason) => {
    expect(workerIdProblem(workerId)).toBe(reason);
  });
});
