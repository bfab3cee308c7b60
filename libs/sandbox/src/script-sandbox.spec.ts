import { ScriptSandbox } from './script-sandbox';

// A second: time enough for a trivial script on a loaded machine, soon enough for the endless ones.
const LIMITS = { timeLimitMs: 1_000, memoryLimitMb: 32 };

describe('ScriptSandbox', () => {
  let sandbox: ScriptSandbox;
  beforeAll(async () => {
    sandbox = await ScriptSandbox.load(LIMITS);
  });
  afterAll(() => sandbox.close());

  /** The reason an evaluation failed; fails the test when it did not. */
  const reasonOf = (outcome: { ok: true } | { ok: false; reason: string }): string => {
    if (outcome.ok) throw new Error('expected the evaluation to fail');
    return outcome.reason;
  };

  /** The event loop is never held longer than the limit (and a margin for a thread's restart). */
  const withinLimit = <T>(evaluation: () => T): T => {
    const started = Date.now();
    const outcome = evaluation();
    expect(Date.now() - started).toBeLessThan(LIMITS.timeLimitMs * 2 + 500);
    return outcome;
  };

  describe('javascript', () => {
    it('gives the value of the script, with $ bound to the input', () => {
      expect(sandbox.javascript('$.value * 2', { value: 21 })).toEqual({ ok: true, value: 42 });
      expect(sandbox.javascript('function e() { return { sum: $.a + $.b, list: [$.a] }; } e();', { a: 1, b: 2 })).toEqual({ ok: true, value: { sum: 3, list: [1] } });
      expect(sandbox.javascript('undefined', {})).toEqual({ ok: true, value: null });
    });

    it('fails a script whose value holds text PostgreSQL cannot store, saying where', () => {
      expect(reasonOf(sandbox.javascript('({ note: "a" + String.fromCharCode(0) })', {}))).toBe(
        'its result cannot be stored: result.note: must not contain NUL characters or unpaired surrogates',
      );
      expect(reasonOf(sandbox.jq('[.a, "\\u0000"]', { a: 1 }))).toBe('its result cannot be stored: result[0][1]: must not contain NUL characters or unpaired surrogates');
    });

    it('says what a script threw', () => {
      expect(reasonOf(sandbox.javascript('throw new TypeError("no such thing")', {}))).toBe('TypeError: no such thing');
      expect(reasonOf(sandbox.javascript('$.a.b.c', {}))).toMatch(/^TypeError: cannot read property/);
      expect(reasonOf(sandbox.javascript('if (', {}))).toMatch(/^SyntaxError/);
    });

    it('stops an endless loop at the time limit, and goes on serving', () => {
      expect(reasonOf(withinLimit(() => sandbox.javascript('while (true) {}', {})))).toBe('it did not finish within 1000 ms (SANDBOX_TIME_LIMIT_MS)');
      expect(reasonOf(withinLimit(() => sandbox.javascript('/(a+)+$/.test("a".repeat(40) + "b")', {})))).toContain('did not finish within 1000 ms');
      expect(sandbox.javascript('1 + 1', {})).toEqual({ ok: true, value: 2 });
    });

    it('stops a huge allocation at the memory limit', () => {
      expect(reasonOf(withinLimit(() => sandbox.javascript("'x'.repeat(1e9)", {})))).toBe('it ran out of memory (SANDBOX_MEMORY_LIMIT_MB: 32)');
      expect(reasonOf(withinLimit(() => sandbox.javascript('const a = []; while (true) a.push("grow" + a.length);', {})))).toMatch(/out of memory|did not finish/);
      expect(sandbox.javascript('"still here"', {})).toEqual({ ok: true, value: 'still here' });
    });

    it('survives an endless recursion (a fresh engine after it)', () => {
      expect(reasonOf(withinLimit(() => sandbox.javascript('function f() { return f(); } f()', {})))).toMatch(/RangeError|InternalError|stack/);
      expect(sandbox.javascript('$.n', { n: 7 })).toEqual({ ok: true, value: 7 });
    });

    it('gives no access to the process, modules, files or network', () => {
      expect(reasonOf(sandbox.javascript('process.env', {}))).toBe("ReferenceError: 'process' is not defined");
      expect(reasonOf(sandbox.javascript('require("fs")', {}))).toBe("ReferenceError: 'require' is not defined");
      expect(reasonOf(sandbox.javascript('import fs from "fs"; fs', {}))).toMatch(/SyntaxError|ReferenceError/);
      expect(reasonOf(sandbox.javascript('fetch("http://127.0.0.1")', {}))).toBe("ReferenceError: 'fetch' is not defined");
      expect(sandbox.javascript('typeof globalThis.process + typeof globalThis.require + typeof globalThis.XMLHttpRequest', {})).toEqual({
        ok: true,
        value: 'undefinedundefinedundefined',
      });
    });

    it('keeps nothing of one evaluation for the next', () => {
      expect(sandbox.javascript('globalThis.leak = 1; 0', {})).toEqual({ ok: true, value: 0 });
      expect(sandbox.javascript('typeof leak', {})).toEqual({ ok: true, value: 'undefined' });
    });
  });

  describe('jq', () => {
    it('gives every output of the query', () => {
      expect(sandbox.jq('.a', { a: 1 })).toEqual({ ok: true, value: [1] });
      expect(sandbox.jq('.a, .b', { a: 1, b: { c: 'x\ny' } })).toEqual({ ok: true, value: [1, { c: 'x\ny' }] });
      expect(sandbox.jq('.key1.value1 + .key2.value2', { key1: { value1: ['a'] }, key2: { value2: ['b'] } })).toEqual({ ok: true, value: [['a', 'b']] });
      expect(sandbox.jq('empty', {})).toEqual({ ok: true, value: [] });
    });

    it('says why a query fails', () => {
      expect(reasonOf(sandbox.jq('error("boom")', {}))).toBe('jq: error: boom');
      expect(reasonOf(sandbox.jq('.a |', {}))).toMatch(/^jq: error: syntax error/);
    });

    it('refuses the environment, more input and the module path', () => {
      expect(reasonOf(sandbox.jq('$ENV', {}))).toBe('$ENV is not available in the sandbox');
      expect(reasonOf(sandbox.jq('$ENV.PATH', {}))).toBe('$ENV is not available in the sandbox');
      expect(reasonOf(sandbox.jq('env', {}))).toBe('jq: error: env is not available in the sandbox');
      expect(reasonOf(sandbox.jq('env.HOME', {}))).toBe('jq: error: env is not available in the sandbox');
      expect(reasonOf(sandbox.jq('input', {}))).toBe('jq: error: input is not available in the sandbox');
      expect(reasonOf(sandbox.jq('[inputs]', {}))).toBe('jq: error: inputs is not available in the sandbox');
      expect(reasonOf(sandbox.jq('get_jq_origin', {}))).toBe('jq: error: get_jq_origin is not available in the sandbox');
      expect(reasonOf(sandbox.jq('import "a" as a; .', {}))).toMatch(/^jq: error/);
    });

    it('stops an endless query at the time limit, and goes on serving', () => {
      expect(reasonOf(withinLimit(() => sandbox.jq('repeat(.)', {})))).toBe('it did not finish within 1000 ms (SANDBOX_TIME_LIMIT_MS)');
      expect(reasonOf(withinLimit(() => sandbox.jq('range(1e18)', {})))).toBe('it did not finish within 1000 ms (SANDBOX_TIME_LIMIT_MS)');
      // A third stop in a row may find the spare thread still loading: it waits no longer than the limit for it.
      expect(reasonOf(withinLimit(() => sandbox.jq('last(range(1e18))', {})))).toMatch(/did not finish within 1000 ms|sandbox is restarting/);
      // The thread that was stopped is replaced: within the limit, the next evaluation is answered.
      const deadline = Date.now() + 10_000;
      let outcome = sandbox.jq('.ok', { ok: true });
      while (!outcome.ok && Date.now() < deadline) outcome = sandbox.jq('.ok', { ok: true });
      expect(outcome).toEqual({ ok: true, value: [true] });
      expect(sandbox.javascript('"js too"', {})).toEqual({ ok: true, value: 'js too' });
    });

    it('stops a huge allocation', () => {
      expect(reasonOf(withinLimit(() => sandbox.jq('[range(1e9)] | length', {})))).toMatch(/ran out of memory|did not finish/);
      const deadline = Date.now() + 10_000;
      let outcome = sandbox.jq('.n + 1', { n: 1 });
      while (!outcome.ok && Date.now() < deadline) outcome = sandbox.jq('.n + 1', { n: 1 });
      expect(outcome).toEqual({ ok: true, value: [2] });
    });
  });
});
