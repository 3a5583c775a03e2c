// The client-wide Retry-After pause, on a fake clock: what pass() waits for, and for how long.

import { RetryAfterGate } from "../../provider/client/retry-after-gate";

function fakeTime() {
  const clock = { now: 1000, slept: [] as number[] };
  const sleep = async (ms: number) => {
    clock.slept.push(ms);
    clock.now += ms;
  };
  return { clock, gate: new RetryAfterGate(() => clock.now, sleep) };
}

describe("RetryAfterGate", () => {
  test("passes at once when no Retry-After was received", async () => {
    const { clock, gate } = fakeTime();
    await gate.pass();
    expect(clock.slept).toEqual([]);
  });

  test("holds every caller until the Retry-After has passed, then lets them through", async () => {
    const { clock, gate } = fakeTime();
    gate.hold(1000);
    clock.now += 400;
    await gate.pass();
    expect(clock.slept).toEqual([600]);
    await gate.pass();
    expect(clock.slept).toEqual([600]);
  });

  test("keeps the later of two Retry-Afters, not the last received", async () => {
    const { clock, gate } = fakeTime();
    gate.hold(2000);
    gate.hold(500);
    await gate.pass();
    expect(clock.slept).toEqual([2000]);
  });

  test("waits again when a new Retry-After arrives while it sleeps", async () => {
    const clock = { now: 0, slept: [] as number[] };
    const gate: RetryAfterGate = new RetryAfterGate(
      () => clock.now,
      async (ms) => {
        clock.slept.push(ms);
        clock.now += ms;
        if (clock.slept.length === 1) gate.hold(300); // another call's 429 during the wait
      },
    );
    gate.hold(100);
    await gate.pass();
    expect(clock.slept).toEqual([100, 300]);
  });
});
