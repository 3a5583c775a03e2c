// The package as a program installs it: its types, and those of its /emulator export, resolve under
// each moduleResolution a Pulumi TypeScript program may use ("node" is the Pulumi templates'
// default, and ignores the exports map). Reads the compiled dist/, so `npm run build` comes first
// (npm test does that).

import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import * as ts from "typescript";

const repo = resolve(__dirname, "../..");
let program: string;
let dir: string;

beforeAll(() => {
  if (!existsSync(join(repo, "dist/emulator/index.d.ts"))) throw new Error("dist/ is missing: run `npm run build` first (npm test does)");
  dir = mkdtempSync(join(tmpdir(), "package-types-"));
  // What `npm install` of the packed tarball leaves: package.json and dist/, no TypeScript sources.
  const installed = join(dir, "node_modules/pulumi-oci-query-execution-cancellation");
  mkdirSync(installed, { recursive: true });
  copyFileSync(join(repo, "package.json"), join(installed, "package.json"));
  symlinkSync(join(repo, "dist"), join(installed, "dist"));
  program = join(dir, "index.ts");
  writeFileSync(
    program,
    [
      'import { QueryExecutionCancellation, type QueryExecutionCancellationArgs } from "pulumi-oci-query-execution-cancellation";',
      'import { startEmulator, type Emulator } from "pulumi-oci-query-execution-cancellation/emulator";',
      "export const args: QueryExecutionCancellationArgs = { projectId: 'p', queryExecutionId: 'q', auth: 'api_key' };",
      "export const start: (options?: { port?: number }) => Promise<Emulator> = startEmulator;",
      "export const resource = QueryExecutionCancellation;",
    ].join("\n"),
  );
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

test.each([
  ["node", ts.ModuleResolutionKind.Node10, ts.ModuleKind.CommonJS],
  ["node16", ts.ModuleResolutionKind.Node16, ts.ModuleKind.Node16],
  ["nodenext", ts.ModuleResolutionKind.NodeNext, ts.ModuleKind.NodeNext],
  ["bundler", ts.ModuleResolutionKind.Bundler, ts.ModuleKind.ESNext],
])("the package and its /emulator export type-check under moduleResolution %s", (_name, moduleResolution, module) => {
  const options: ts.CompilerOptions = {
    moduleResolution,
    module,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: ["node"],
    typeRoots: [join(repo, "node_modules/@types")],
  };
  const diagnostics = ts.getPreEmitDiagnostics(ts.createProgram([program], options));
  expect(diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"))).toEqual([]);
});
