// Runs tasks with a fixed number in flight, like `pulumi up --parallel N` does with resources.

/** Calls `task(i)` for i in [0, count) with at most `concurrency` running; resolves when all are done. */
export async function runPool(count: number, concurrency: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/** Milliseconds since `start` (performance.now), rounded to 0.1 ms. */
export function since(start: number): number {
  return Math.round((performance.now() - start) * 10) / 10;
}
