/**
 * A bounded window of work in flight: at most `limit` items are being handled at once, the next item is
 * taken only when one finishes, and none is taken after `signal` aborted. Memory is bounded by the window,
 * not by the number of items (no promise or closure per item is created up front).
 */

/**
 * Calls `fn` for each item of `items`, at most `limit` at a time. Stops taking items once `signal` aborts
 * or an `fn` throws; the calls in flight always finish before it returns.
 * @throws the first error thrown by `fn`
 */
export async function forEachBounded<T>(items: Iterable<T>, limit: number, fn: (item: T) => Promise<void>, signal?: AbortSignal): Promise<void> {
  const iterator = items[Symbol.iterator]();
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && !signal?.aborted) {
      const next = iterator.next();
      if (next.done) return;
      try {
        await fn(next.value);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.floor(limit)) }, worker));
  if (failure) throw failure.error;
}
