// The READMEs a newcomer follows say what is true of this package: how to install it (it is not
// on the npm registry) and which Node.js it needs (package.json `engines`, one statement).

import { readFileSync } from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../..");
const read = (file: string) => readFileSync(path.join(ROOT, file), "utf8");
const pkg = JSON.parse(read("package.json")) as { name: string; version: string; engines: { node: string } };
const READMES = ["README.md", "examples/quickstart/README.md"];

/** "22.12" from ">=22.12". */
const minimumNode = /^>=\s*(\d+(?:\.\d+)*)$/.exec(pkg.engines.node)?.[1];

describe("the Node.js requirement", () => {
  test("package.json states a minimum", () => {
    expect(minimumNode).toBeDefined();
  });

  test.each(READMES)("%s states the engines minimum, and no other", (file) => {
    const stated = [...read(file).matchAll(/Node\.js\s+(?:>=\s*(\d+(?:\.\d+)*)|(\d+(?:\.\d+)*)(?:\+|\s+or\s+later))/g)].map((m) => m[1] ?? m[2]);
    expect(stated.length).toBeGreaterThan(0);
    expect(new Set(stated)).toEqual(new Set([minimumNode]));
  });

  test("the README names the EBADENGINE warning npm prints on an older Node, and what to install", () => {
    const readme = read("README.md");
    expect({ namesTheWarning: readme.includes("EBADENGINE"), saysWhatToInstall: /Install Node\.js \d+/.test(readme) }).toEqual({
      namesTheWarning: true,
      saysWhatToInstall: true,
    });
  });
});

describe("installing the package", () => {
  test.each(READMES)("%s installs it from the npm pack tarball, never by name from the registry", (file) => {
    const installs = read(file)
      .split("\n")
      .filter((line) => /^\s*(?:-\s*run:\s*)?npm (?:install|i) /.test(line) && line.includes(pkg.name));
    expect(installs.length).toBeGreaterThan(0);
    for (const line of installs) expect(line).toContain(`${pkg.name}-${pkg.version}.tgz`);
  });
});
