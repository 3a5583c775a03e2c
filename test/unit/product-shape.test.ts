// The shape issue 20 asks of the shipped code (provider/, emulator/, automation/): every import
// arrow one-way (DESIGN.md, "Keep each arrow one-way") and each file small enough to hold one thing.
// `npm run check:cycles` shows the same circles from the command line.

import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../..");
const PRODUCT_FOLDERS = ["provider", "emulator", "automation"];
const MAX_LINES = 350;

// madge ships no types; this is the part of its API used here.
type Madge = (paths: string[], config: { baseDir: string; fileExtensions: string[] }) => Promise<{ circular(): string[][] }>;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const madge = require("madge") as Madge;

function productFiles(): string[] {
  return PRODUCT_FOLDERS.flatMap((folder) =>
    readdirSync(path.join(ROOT, folder), { recursive: true, encoding: "utf8" })
      .filter((file) => file.endsWith(".ts"))
      .map((file) => path.join(folder, file)),
  );
}

describe("product modules", () => {
  test("import one another without a circle", async () => {
    const graph = await madge(PRODUCT_FOLDERS, { baseDir: ROOT, fileExtensions: ["ts"] });
    expect(graph.circular()).toEqual([]);
  });

  test(`no file is over ${MAX_LINES} lines`, () => {
    const long = productFiles()
      .map((file) => ({ file, lines: readFileSync(path.join(ROOT, file), "utf8").split("\n").length - 1 }))
      .filter(({ lines }) => lines > MAX_LINES);
    expect(long).toEqual([]);
  });
});
