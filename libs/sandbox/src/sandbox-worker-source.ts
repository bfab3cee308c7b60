/**
 * The code of the sandbox's worker thread, run with `eval: true` (so it runs
 * the same from the sources under Jest and from dist/). It loads QuickJS and
 * jq (both WebAssembly) once, then answers one request at a time on the
 * MessageChannel port it is given, counting each answer in `signal[0]` (the
 * main thread waits on it with Atomics.wait); `signal[1]` becomes 1 once both
 * engines are loaded, `signal[2]` once the thread is about to exit. No WebAssembly memory of the thread may grow past the
 * limit (a refused grow is an allocation failure inside the engine).
 *
 * A request that leaves an engine in doubt (an abort: out of memory or stack)
 * is answered, then the thread exits: the main thread starts a fresh one.
 */
export const SANDBOX_WORKER_SOURCE = String.raw`
'use strict';
const { workerData } = require('node:worker_threads');
const { signal, port, quickjsCorePath, quickjsVariantPath, jqPath, timeLimitMs, memoryLimitBytes } = workerData;
const counter = new Int32Array(signal);

const grow = WebAssembly.Memory.prototype.grow;
// Room for an engine's own start-up memory above what a script may allocate.
const wasmMemoryCap = memoryLimitBytes + 64 * 1024 * 1024;
WebAssembly.Memory.prototype.grow = function (pages) {
  if (this.buffer.byteLength + pages * 65536 > wasmMemoryCap) throw new RangeError('sandbox memory limit');
  return grow.call(this, pages);
};

// Capabilities a jq query could reach (the environment, more input, stderr) fail with a reason.
const REFUSED = [['env', 'env'], ['input', 'input'], ['inputs', 'inputs'], ['input_filename', 'input_filename'], ['input_line_number', 'input_line_number'],
  ['debug', 'debug'], ['debug(message)', 'debug'], ['stderr', 'stderr'], ['halt', 'halt'], ['halt_error', 'halt_error'], ['halt_error(code)', 'halt_error'], ['get_search_list', 'get_search_list'],
  ['get_jq_origin', 'get_jq_origin'], ['get_prog_origin', 'get_prog_origin']];
const JQ_PRELUDE = REFUSED.map(([definition, name]) => 'def ' + definition + ': error("' + name + ' is not available in the sandbox");').join(' ');

let recycle = false;
const reply = (message) => {
  // Said before the answer: the main thread replaces this thread as soon as it reads it.
  if (recycle) Atomics.store(counter, 2, 1);
  port.postMessage(message);
  Atomics.add(counter, 0, 1);
  Atomics.notify(counter, 0);
  if (recycle) process.exit(0);
};

const messageOf = (error) => (error instanceof Error ? error.message : String(error));

function javascript(quickjs, shouldInterruptAfterDeadline, expression, input) {
  const runtime = quickjs.newRuntime();
  runtime.setMemoryLimit(memoryLimitBytes);
  runtime.setInterruptHandler(shouldInterruptAfterDeadline(Date.now() + timeLimitMs));
  const vm = runtime.newContext();
  let outcome;
  const handles = [];
  const keep = (handle) => (handles.push(handle), handle);
  try {
    const json = keep(vm.getProp(vm.global, 'JSON'));
    const parsed = vm.callFunction(keep(vm.getProp(json, 'parse')), vm.undefined, keep(vm.newString(JSON.stringify(input))));
    vm.setProp(vm.global, '$', keep(vm.unwrapResult(parsed)));
    const evaluated = vm.evalCode(expression, 'expression.js');
    if (evaluated.error) {
      outcome = { ok: false, reason: errorText(vm, keep(evaluated.error)) };
    } else {
      const text = vm.callFunction(keep(vm.getProp(json, 'stringify')), vm.undefined, keep(evaluated.value));
      if (text.error) outcome = { ok: false, reason: 'its value is not JSON: ' + errorText(vm, keep(text.error)) };
      else {
        const written = vm.typeof(keep(text.value)) === 'string' ? vm.getString(text.value) : undefined;
        // undefined (or a function) has no JSON: it is null, as a missing value is.
        outcome = { ok: true, value: written === undefined ? null : JSON.parse(written) };
      }
    }
  } catch (error) {
    outcome = { ok: false, reason: 'the sandbox failed: ' + messageOf(error) };
    recycle = true;
  }
  try {
    for (const handle of handles.reverse()) if (handle.alive) handle.dispose();
    vm.dispose();
    runtime.dispose();
  } catch {
    // QuickJS cannot always free a runtime after a stack overflow: this thread's engine is not trusted again.
    recycle = true;
  }
  return outcome;
}

function errorText(vm, handle) {
  const describe = (name) => {
    const property = vm.getProp(handle, name);
    const text = vm.typeof(property) === 'string' ? vm.getString(property) : undefined;
    property.dispose();
    return text;
  };
  const name = describe('name');
  const message = describe('message');
  if (message === 'interrupted') return 'it did not finish within ' + timeLimitMs + ' ms (SANDBOX_TIME_LIMIT_MS)';
  if (message === 'out of memory') return 'it ran out of memory (SANDBOX_MEMORY_LIMIT_MB: ' + Math.round(memoryLimitBytes / 1048576) + ')';
  if (message === undefined) return 'it threw ' + (vm.typeof(handle) === 'string' ? JSON.stringify(vm.getString(handle)) : 'a ' + vm.typeof(handle));
  return (name === undefined ? 'Error' : name) + ': ' + message;
}

async function jq(engine, query, input) {
  if (/\$ENV\b|\$__prog_args\b/.test(query)) return { ok: false, reason: '$ENV is not available in the sandbox' };
  try {
    // One line: jq's messages keep the query's line numbers.
    const written = await engine.raw(JSON.stringify(input), JQ_PRELUDE + ' ' + query, ['-c']);
    const lines = written === '' ? [] : written.split('\n');
    return { ok: true, value: lines.filter((line) => line !== '').map((line) => JSON.parse(line)) };
  } catch (error) {
    const message = messageOf(error).trim();
    if (message.startsWith('Aborted')) {
      recycle = true;
      return { ok: false, reason: 'jq ran out of memory or stack (SANDBOX_MEMORY_LIMIT_MB: ' + Math.round(memoryLimitBytes / 1048576) + ')' };
    }
    return { ok: false, reason: message.replace(/\s+/g, ' ').replace(' (at /dev/stdin:0)', '') };
  }
}

(async () => {
  const core = require(quickjsCorePath);
  const variantModule = require(quickjsVariantPath);
  const quickjs = await core.newQuickJSWASMModuleFromVariant(variantModule.default ?? variantModule);
  const jqEngine = await require(jqPath)({ thisProgram: 'jq' });
  // Warmed up before it says it is ready: a first evaluation costs no compilation against its time limit.
  javascript(quickjs, core.shouldInterruptAfterDeadline, '[$.a].map((x) => x + 1)', { a: 1 });
  await jq(jqEngine, '[.a] | map(. + 1)', { a: 1 });
  port.on('message', async (request) => {
    try {
      if (request.kind === 'javascript') reply(javascript(quickjs, core.shouldInterruptAfterDeadline, request.expression, request.input));
      else reply(await jq(jqEngine, request.query, request.input));
    } catch (error) {
      recycle = true;
      reply({ ok: false, reason: 'the sandbox failed: ' + messageOf(error) });
    }
  });
  Atomics.store(counter, 1, 1);
  Atomics.notify(counter, 1);
})();
`;
