// What a cleanup stack declares, as pure logic: the plan from the matches, and the names.

import type { QueryExecutionSummary } from "../../provider/client/types";
import { cancellationName, splitByState } from "../../provider/cleanup";

const item = (id: string, lifecycleState: string): QueryExecutionSummary => ({ id, lifecycleState });
const MATCHES = [
  item("a", "IN_PROGRESS"),
  item("b", "ACCEPTED"),
  item("c", "CANCELING"),
  item("d", "CANCELED"),
  item("e", "SUCCEEDED"),
  item("f", "IN_PROGRESS"),
];
const ids = (list: QueryExecutionSummary[]) => list.map((e) => e.id);

describe("splitByState", () => {
  test("cancels the ACCEPTED and IN_PROGRESS matches by default and keeps the cancelled ones declared", () => {
    const plan = splitByState(MATCHES, {});
    expect([ids(plan.toCancel), ids(plan.alreadyCancelled)]).toEqual([
      ["a", "b", "f"],
      ["c", "d"],
    ]);
  });

  test("cancels at most maxResults new ones, and still keeps every cancelled one", () => {
    const plan = splitByState(MATCHES, { maxResults: 1 });
    expect([ids(plan.toCancel), ids(plan.alreadyCancelled)]).toEqual([["a"], ["c", "d"]]);
  });

  test("takes the states to cancel from lifecycleStates, and never keeps a wanted state as already cancelled", () => {
    const plan = splitByState(MATCHES, { lifecycleStates: ["SUCCEEDED", "CANCELING"] });
    expect([ids(plan.toCancel), ids(plan.alreadyCancelled)]).toEqual([["c", "e"], ["d"]]);
  });
});

describe("cancellationName", () => {
  test("is the prefix and the id when the id is URN-safe", () => {
    expect(cancellationName("cleanup", "ocid1.queryexecution.oc1.iad.aaaa_1-2")).toBe("cleanup-ocid1.queryexecution.oc1.iad.aaaa_1-2");
  });

  test.each([
    ["a slash", "a/b"],
    ["a space", "a b"],
    ["more than 100 characters", "x".repeat(101)],
  ])("is the prefix and 16 hex digits of the id's SHA-256 for an id with %s, the same on every run", (_what, id) => {
    const name = cancellationName("cleanup", id);
    expect(name).toMatch(/^cleanup-[0-9a-f]{16}$/);
    expect(cancellationName("cleanup", id)).toBe(name);
    expect(cancellationName("cleanup", `${id}2`)).not.toBe(name);
  });
});
