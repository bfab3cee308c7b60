/**
 * Runs `tick` now and again `intervalMs` after each run ends (never two at once).
 * `tick` answers false to stop. Returns the function that stops it.
 */
export function every(intervalMs, tick) {
  let stopped = false;
  let timer;
  const run = async () => {
    if (stopped) return;
    let again = true;
    try {
      again = (await tick()) !== false;
    } catch (error) {
      console.error(error);
    }
    if (!stopped && again) timer = setTimeout(run, intervalMs);
  };
  run();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
