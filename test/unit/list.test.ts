// The listing's filters as pure logic: selectExecutions over a fake paged source, no service.

import type { ListQueryExecutionsFilters, QueryExecutionSummary } from "../../provider/client/types";
import { selectExecutions } from "../../provider/list";

const NOW = Date.parse("2026-11-05T12:00:00Z");
const minutesAgo = (m: number) => new Date(NOW - m * 60_000).toISOString();
const item = (id: string, lifecycleState: string, name: string, ageMinutes: number): QueryExecutionSummary => ({
  id,
  lifecycleState,
  name,
  timeCreated: minutesAgo(ageMinutes),
});

const ALL = [
  item("a", "IN_PROGRESS", "adhoc-1", 200),
  item("b", "ACCEPTED", "nightly", 300),
  item("c", "IN_PROGRESS", "adhoc-2", 5),
  item("d", "CANCELED", "adhoc-3", 500),
  { id: "e", lifecycleState: "IN_PROGRESS", name: "adhoc-4" } as QueryExecutionSummary, // no timeCreated
];

/** A source that filters by state and exact name as the service does, and records each listing's filters. */
function source(items = ALL) {
  const listings: ListQueryExecutionsFilters[] = [];
  const list = async function* (filters: ListQueryExecutionsFilters) {
    listings.push(filters);
    yield* items.filter((i) => (!filters.lifecycleState || i.lifecycleState === filters.lifecycleState) && (!filters.name || i.name === filters.name));
  };
  return { list, listings };
}

const ids = (found: QueryExecutionSummary[]) => found.map((e) => e.id);

describe("selectExecutions", () => {
  test.each<[string, Parameters<typeof selectExecutions>[1], string[]]>([
    ["every execution when no filter is given", {}, ["a", "b", "c", "d", "e"]],
    ["those whose name matches a RegExp", { name: /^adhoc-/ }, ["a", "c", "d", "e"]],
    ["the one with an exact name", { name: "nightly" }, ["b"]],
    ["those created more than olderThanMinutes ago, skipping any without a time", { olderThanMinutes: 120 }, ["a", "b", "d"]],
    ["those in any of the states, state by state", { lifecycleStates: ["ACCEPTED", "CANCELED"] }, ["b", "d"]],
    ["at most maxResults", { name: /^adhoc-/, maxResults: 2 }, ["a", "c"]],
    ["the intersection of every filter", { lifecycleStates: ["IN_PROGRESS"], name: /^adhoc-/, olderThanMinutes: 60 }, ["a"]],
  ])("keeps %s", async (_what, filters, expected) => {
    expect(ids(await selectExecutions(source().list, filters, NOW))).toEqual(expected);
  });

  test("leaves state and exact name to the service, one listing per state, newest first unless asked", async () => {
    const { list, listings } = source();
    await selectExecutions(list, { lifecycleStates: ["ACCEPTED", "IN_PROGRESS"], name: "nightly" }, NOW);
    expect(listings).toEqual([
      { sortOrder: "DESC", lifecycleState: "ACCEPTED", name: "nightly" },
      { sortOrder: "DESC", lifecycleState: "IN_PROGRESS", name: "nightly" },
    ]);
    const asc = source();
    await selectExecutions(asc.list, { name: /x/, sortOrder: "ASC" }, NOW);
    expect(asc.listings).toEqual([{ sortOrder: "ASC" }]);
  });

  test("keeps an execution listed twice once", async () => {
    const twice = [ALL[0]!, ALL[0]!, ALL[1]!];
    expect(ids(await selectExecutions(source(twice).list, {}, NOW))).toEqual(["a", "b"]);
  });

  test("stops listing once maxResults are found", async () => {
    const { list, listings } = source();
    await selectExecutions(list, { lifecycleStates: ["IN_PROGRESS", "ACCEPTED"], maxResults: 1 }, NOW);
    expect(listings).toHaveLength(1);
  });
});
