/**
 * Runs `tick` now and again after each run ends (never two at once): `intervalMs`
 * later, or as many ms as `tick` answers when it answers a number. `tick` answers
 * false to stop. Returns `{ stop, now }`: `now()` runs it again at once (after the
 * run in flight, if any), also after it stopped itself, but not after `stop()`.
 */
export function refreshing(intervalMs, tick) {
  let stopped = false;
  let running = false;
  let again = false;
  let timer;
  const run = async () => {
    if (stopped) return;
    clearTimeout(timer);
    running = true;
    again = false;
    let next = intervalMs;
    try {
      const answer = await tick();
      next = answer === false ? null : typeof answer === 'number' ? answer : intervalMs;
    } catch (error) {
      console.error(error);
    }
    running = false;
    if (stopped) return;
    if (again) run();
    else if (next !== null) timer = setTimeout(run, next);
  };
  run();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
    now() {
      if (running) again = true;
      else run();
    },
  };
}

/** `refreshing` for views that only need to stop it: returns the function that stops it. */
export function every(intervalMs, tick) {
  return refreshing(intervalMs, tick).stop;
}
