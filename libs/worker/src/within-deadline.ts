/**
 * Settles as `work` does, or rejects with `timedOut()` once `ms` have passed,
 * whichever comes first. `work` is not cancelled: the caller cleans up after it.
 */
export function withinDeadline<T>(work: Promise<T>, ms: number, timedOut: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timedOut()), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
