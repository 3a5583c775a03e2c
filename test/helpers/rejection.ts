// Awaits a promise that must reject and returns what it rejected with, checked to be of the
// expected class, so a test can assert on the error's fields and not only on its message.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any constructor, whatever its parameters
export async function rejection<E extends Error>(promise: Promise<unknown>, type: abstract new (...args: any[]) => E): Promise<E> {
  const outcome = await promise.then(
    () => ({ resolved: true as const }),
    (error: unknown) => ({ resolved: false as const, error }),
  );
  if (outcome.resolved) throw new Error(`expected a rejection with ${type.name}, but the promise resolved`);
  expect(outcome.error).toBeInstanceOf(type);
  return outcome.error as E;
}
