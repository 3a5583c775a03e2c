// The plugin's watch on the engine that started it: pure decision, then the watch with its facts injected.

import { createServer, type Server } from "node:net";
import { engineAddress, engineIsGone, EngineWatch } from "../../provider/engine-watch";

// A few intervals of 5 ms: enough for a watch to look several times.
const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `check` holds (bounded generously: the machine is shared). */
async function eventually(check: () => boolean, ms = 10_000): Promise<void> {
  for (const deadline = Date.now() + ms; !check(); await settle(5)) {
    if (Date.now() > deadline) throw new Error("condition not reached");
  }
}

describe("engineIsGone", () => {
  test("is false while the parent is the one that started the plugin and the engine answers", () => {
    expect(engineIsGone({ parentPid: 10, startParentPid: 10, refused: false })).toBe(false);
  });

  test("is true once the plugin was re-parented (the engine died)", () => {
    expect(engineIsGone({ parentPid: 1, startParentPid: 10, refused: false })).toBe(true);
  });

  test("is true when the engine's address refuses connections (a shell shim outlived it)", () => {
    expect(engineIsGone({ parentPid: 10, startParentPid: 10, refused: true })).toBe(true);
  });
});

describe("engineAddress", () => {
  test("reads the plugin's first argument", () => {
    expect(engineAddress(["127.0.0.1:45059"])).toEqual({ host: "127.0.0.1", port: 45059 });
  });

  test.each([[[]], [["127.0.0.1:0"]], [["not-an-address"]], [["127.0.0.1:70000"]]])("is none for %j: nothing to probe", (argv) => {
    expect(engineAddress(argv)).toBeUndefined();
  });
});

describe("EngineWatch", () => {
  let parent = 10;
  let exits = 0;
  let watch: EngineWatch | undefined;
  const start = (refused: () => Promise<boolean> = async () => false) =>
    (watch = new EngineWatch({ parentPid: () => parent, refused, address: { host: "127.0.0.1", port: 1 }, intervalMs: 5, exit: () => (exits += 1) }));

  beforeEach(() => ((parent = 10), (exits = 0)));
  afterEach(() => watch?.stop());

  test("does not end the plugin while the engine is there", async () => {
    start();
    await settle(50);
    expect({ gone: watch!.gone, exits }).toEqual({ gone: false, exits: 0 });
  });

  test("ends the plugin once re-parented and idle", async () => {
    start();
    parent = 1;
    await eventually(() => exits === 1);
    expect(watch!.gone).toBe(true);
  });

  test("lets a call in flight finish, then ends the plugin", async () => {
    const w = start();
    let finish!: (v: string) => void;
    const call = w.track(() => new Promise<string>((resolve) => (finish = resolve)));
    parent = 1;
    await eventually(() => w.gone);
    await settle(50);
    expect(exits).toBe(0);
    finish("created");
    await expect(call).resolves.toBe("created");
    await eventually(() => exits === 1);
  });

  test("ends the plugin when the engine's port refuses connections", async () => {
    start(async () => true);
    await eventually(() => exits === 1);
  });

  test("cuts a sleep short, with the given reason, when the engine goes", async () => {
    const w = start();
    const sleeping = w.sleep(60_000, () => new Error("engine gone"));
    parent = 1;
    await expect(sleeping).rejects.toThrow("engine gone");
  });

  test("a sleep ends normally while the engine is there", async () => {
    await expect(start().sleep(10, () => new Error("engine gone"))).resolves.toBeUndefined();
  });
});

describe("the default probe", () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  test("takes a listening engine for alive and a closed port for gone", async () => {
    server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    let exits = 0;
    const watch = new EngineWatch({ parentPid: () => 10, address: { host: "127.0.0.1", port }, intervalMs: 5, exit: () => (exits += 1) });
    try {
      await settle(50);
      expect(watch.gone).toBe(false);
      await new Promise((resolve) => server!.close(resolve));
      server = undefined;
      await eventually(() => exits === 1);
      expect(watch.gone).toBe(true);
    } finally {
      watch.stop();
    }
  });
});
