// jest globalSetup: an incremental `tsc -p tsconfig.json` (a second or two when nothing changed),
// because the engine and CLI tests run the compiled package in dist/, not the sources ts-jest sees.
const { execFileSync } = require("node:child_process");
const path = require("node:path");

module.exports = function buildDist() {
  const root = path.resolve(__dirname, "../..");
  try {
    execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", path.join(root, "tsconfig.json")], { cwd: root, stdio: "pipe" });
  } catch (e) {
    throw new Error(`jest: building dist/ failed, so the engine and CLI tests would run stale code:\n${e.stdout ?? e.message}`);
  }
};
