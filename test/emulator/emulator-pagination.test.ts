// ListQueryExecutions: filters, sort orders, page tokens and parameter checks.

import { signedRequest, withEmulator, type SignedResponse } from "../helpers/with-emulator.js";
import type { Emulator, EmulatorCredentials } from "../../emulator/index.js";

const list = (projectId: string) => `/20210831/projects/${encodeURIComponent(projectId)}/queryExecutions`;

/** Follows opc-next-page to the end; returns every page's names. */
async function allPages(emu: Emulator, creds: EmulatorCredentials, projectId: string, params: Record<string, string>): Promise<string[][]> {
  const pages: string[][] = [];
  let page: string | undefined;
  do {
    const q = new URLSearchParams({ ...params, ...(page ? { page } : {}) });
    const res: SignedResponse = await signedRequest(emu, creds, { path: `${list(projectId)}?${q}` });
    expect(res.status).toBe(200);
    pages.push(res.json().items.map((i: { name: string }) => i.name));
    page = res.headers["opc-next-page"];
  } while (page);
  return pages;
}

/** Five executions created a second apart, named out of creation order. */
function seedFive(emu: Emulator): void {
  const names = ["delta", "alpha", "echo", "charlie", "bravo"];
  names.forEach((name, i) => emu.store.addExecution({ projectId: "p1", name, timeCreated: Date.UTC(2026, 0, 1, 0, 0, i) }));
}

describe("ListQueryExecutions", () => {
  test("pages through every item by timeCreated ASC and DESC, with opc-next-page only while more exist", async () => {
    await withEmulator(async (emu, creds) => {
      seedFive(emu);
      expect(await allPages(emu, creds, "p1", { limit: "2", sortBy: "timeCreated", sortOrder: "ASC" })).toEqual([
        ["delta", "alpha"],
        ["echo", "charlie"],
        ["bravo"],
      ]);
      expect(await allPages(emu, creds, "p1", { limit: "2", sortBy: "timeCreated", sortOrder: "DESC" })).toEqual([
        ["bravo", "charlie"],
        ["echo", "alpha"],
        ["delta"],
      ]);
      expect(await allPages(emu, creds, "p1", { limit: "5" })).toEqual([["delta", "alpha", "echo", "charlie", "bravo"]]);
    });
  });

  test("sorts by name for sortBy=displayName, both ways", async () => {
    await withEmulator(async (emu, creds) => {
      seedFive(emu);
      expect((await allPages(emu, creds, "p1", { limit: "3", sortBy: "displayName", sortOrder: "ASC" })).flat()).toEqual([
        "alpha",
        "bravo",
        "charlie",
        "delta",
        "echo",
      ]);
      expect((await allPages(emu, creds, "p1", { limit: "3", sortBy: "displayName", sortOrder: "DESC" })).flat()).toEqual([
        "echo",
        "delta",
        "charlie",
        "bravo",
        "alpha",
      ]);
    });
  });

  test("defaults to timeCreated ASC and a limit of 100", async () => {
    await withEmulator(async (emu, creds) => {
      for (let i = 0; i < 101; i++) emu.store.addExecution({ projectId: "p1", name: `n${i}`, timeCreated: 1_000 + i });
      const res = await signedRequest(emu, creds, { path: list("p1") });
      const names = res.json().items.map((i: { name: string }) => i.name);
      expect(names).toHaveLength(100);
      expect(names[0]).toBe("n0");
      expect(res.headers["opc-next-page"]).toBeDefined();
    });
  });

  test("filters by lifecycleState and exact name across pages", async () => {
    await withEmulator(async (emu, creds) => {
      for (let i = 0; i < 6; i++) {
        emu.store.addExecution({
          projectId: "p1",
          name: i % 2 ? "nightly" : "nightly-2",
          lifecycleState: i < 4 ? "IN_PROGRESS" : "SUCCEEDED",
          timeCreated: 1_000 + i,
        });
      }
      expect((await allPages(emu, creds, "p1", { limit: "1", name: "nightly" })).flat()).toEqual(["nightly", "nightly", "nightly"]);
      const running = await allPages(emu, creds, "p1", { limit: "2", lifecycleState: "IN_PROGRESS" });
      expect(running.flat()).toHaveLength(4);
      const both = await signedRequest(emu, creds, { path: `${list("p1")}?lifecycleState=SUCCEEDED&name=nightly` });
      expect(both.json().items).toHaveLength(1);
    });
  });

  test("items are summaries with the execution's fields", async () => {
    await withEmulator(async (emu, creds) => {
      const { id } = emu.store.addExecution({ projectId: "p1", name: "x" });
      const [item] = (await signedRequest(emu, creds, { path: list("p1") })).json().items;
      expect(item).toMatchObject({ id, projectId: "p1", name: "x", lifecycleState: "IN_PROGRESS" });
      expect(Object.keys(item).sort()).toEqual(["id", "lifecycleDetails", "lifecycleState", "name", "projectId", "timeCreated", "timeUpdated"]);
    });
  });

  test("a next page neither skips nor repeats items when listed executions are cancelled between pages", async () => {
    await withEmulator(async (emu, creds) => {
      for (let i = 0; i < 5; i++) emu.store.addExecution({ projectId: "p1", name: `n${i}`, timeCreated: 1_000 + i });
      const seen: string[] = [];
      let page: string | undefined;
      do {
        const q = new URLSearchParams({ limit: "2", lifecycleState: "IN_PROGRESS", ...(page ? { page } : {}) });
        const res = await signedRequest(emu, creds, { path: `${list("p1")}?${q}` });
        for (const item of res.json().items as { id: string; name: string }[]) {
          seen.push(item.name);
          emu.store.setState("p1", item.id, "CANCELING"); // leaves the filter, like a cleanup stack's cancels
        }
        page = res.headers["opc-next-page"];
      } while (page);
      expect(seen).toEqual(["n0", "n1", "n2", "n3", "n4"]);
    });
  });

  test("gives an empty list for an unknown project", async () => {
    await withEmulator(async (emu, creds) => {
      const res = await signedRequest(emu, creds, { path: list("no-such-project") });
      expect(res.status).toBe(200);
      expect(res.json()).toEqual({ items: [] });
      expect(res.headers["opc-next-page"]).toBeUndefined();
    });
  });

  test.each([
    ["limit", "limit=0"],
    ["limit", "limit=1001"],
    ["limit", "limit=ten"],
    ["sortBy", "sortBy=name"],
    ["sortOrder", "sortOrder=asc"],
    ["lifecycleState", "lifecycleState=RUNNING"],
    ["page", "page=not-a-token"],
  ])("answers 400 InvalidParameter naming %s for %s", async (parameter, query) => {
    await withEmulator(async (emu, creds) => {
      const res = await signedRequest(emu, creds, { path: `${list("p1")}?${query}` });
      expect(res.status).toBe(400);
      expect(res.json().code).toBe("InvalidParameter");
      expect(res.json().message).toMatch(new RegExp(`^${parameter}\\b`));
    });
  });

  test("refuses a page token used with another sort order", async () => {
    await withEmulator(async (emu, creds) => {
      seedFive(emu);
      const first = await signedRequest(emu, creds, { path: `${list("p1")}?limit=2&sortOrder=ASC` });
      const page = first.headers["opc-next-page"]!;
      const res = await signedRequest(emu, creds, { path: `${list("p1")}?limit=2&sortOrder=DESC&page=${encodeURIComponent(page)}` });
      expect([res.status, res.json().code]).toEqual([400, "InvalidParameter"]);
    });
  });
});
