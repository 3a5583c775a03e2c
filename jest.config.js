/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  modulePathIgnorePatterns: ["<rootDir>/dist/"],
  // Sources import "./x.js" (nodenext); under ts-jest the file is x.ts.
  moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
  // Type errors are caught by `npm run typecheck`; here each file is transpiled on its own.
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.check.json", diagnostics: false }] },
  testTimeout: 60000,
  // The plugin and CLI layers run the compiled package (dist/): bring it up to date first, so a
  // single test file run after an edit tests the edited code.
  globalSetup: "<rootDir>/test/helpers/build-dist.js",
  reporters: ["default", "<rootDir>/test/helpers/summary-reporter.js"],
};
