// Which versitygw the setup picks (dev/pulumi/object-store.ts), with stand-in binaries in temp
// folders: nothing is built and nothing real is run.

import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { ensureObjectStore, findObjectStore, objectStoreStamp, pinnedObjectStoreVersion } from "../../dev/pulumi/object-store";

let dir: string;
const saved = process.env.PATH;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "object-store-"));
  process.env.PATH = path.join(dir, "empty"); // no versitygw, no go: only what a test puts there
});

afterEach(() => {
  process.env.PATH = saved;
  rmSync(dir, { recursive: true, force: true });
});

/** A folder with a `versitygw` that reports `version` as the real one does. */
function fakeGateway(folder: string, version: string): string {
  const bin = path.join(dir, folder);
  mkdirSync(bin, { recursive: true });
  writeFileSync(path.join(bin, "versitygw"), `#!/bin/sh\necho "Version  : v${version}"\necho "Build    : norev"\n`);
  chmodSync(path.join(bin, "versitygw"), 0o755);
  return bin;
}

describe("findObjectStore", () => {
  test("reuses a build whose stamp matches tools/versitygw's go.mod and go.sum", () => {
    const built = fakeGateway("built", pinnedObjectStoreVersion());
    writeFileSync(path.join(built, "build.json"), objectStoreStamp());
    expect(findObjectStore(built)).toEqual({ file: path.join(built, "versitygw"), version: pinnedObjectStoreVersion(), source: "built earlier" });
  });

  test("does not reuse a build made from other module files, and says how to get one", () => {
    const built = fakeGateway("built", pinnedObjectStoreVersion());
    writeFileSync(path.join(built, "build.json"), JSON.stringify({ version: pinnedObjectStoreVersion(), inputs: "an older go.sum" }));
    expect(() => findObjectStore(built)).toThrow(`No versitygw ${pinnedObjectStoreVersion()} is set up. Run \`npm run setup:pulumi\``);
  });

  test("uses a versitygw on PATH only at the pinned version", () => {
    process.env.PATH = fakeGateway("other", "1.0.0");
    expect(() => findObjectStore(path.join(dir, "built"))).toThrow("No versitygw");
    const pinned = fakeGateway("pinned", pinnedObjectStoreVersion());
    process.env.PATH = pinned;
    expect(findObjectStore(path.join(dir, "built")).source).toBe("installed");
  });
});

test("ensureObjectStore without Go or a gateway says what to install", async () => {
  await expect(ensureObjectStore(() => {}, path.join(dir, "built"))).rejects.toThrow(
    /^No versitygw \d+\.\d+\.\d+ was found, and Go is not installed to build one\. Install Go 1\.25 or newer/,
  );
});
