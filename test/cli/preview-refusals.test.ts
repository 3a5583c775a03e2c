// What `pulumi preview` refuses or warns of before anything is sent, through the real CLI against
// the emulator: the engine's own printing of a check failure, and the program's own errors.

import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Emulator, EmulatorCredentials } from "../../emulator/index";
import { withEmulator } from "../helpers/with-emulator";
import { CliStack, succeeded } from "./helpers/cli-stack";

jest.setTimeout(300_000);

async function withProgram(
  config: (emu: Emulator, creds: EmulatorCredentials) => Record<string, string>,
  fn: (stack: CliStack, emu: Emulator) => Promise<void>,
): Promise<void> {
  await withEmulator(async (emu, creds) => {
    const { projectId, id } = emu.store.addExecution({ lifecycleState: "IN_PROGRESS" });
    const stack = await CliStack.init("test/cli/programs/preview-refusals", {
      "queryservice:endpoint": emu.url,
      projectId,
      queryExecutionId: id,
      ...config(emu, creds),
    });
    try {
      await fn(stack, emu);
    } finally {
      stack.dispose();
    }
  });
}

test("a named pipe as OCI_CONFIG_FILE is refused at once, against the resource, naming the variable", async () => {
  const dir = mkdtempSync(join(tmpdir(), "preview-refusals-"));
  try {
    const pipe = join(dir, "config");
    execFileSync("mkfifo", [pipe]);
    await withProgram(
      () => ({}),
      async (stack, emu) => {
        stack.env.OCI_CONFIG_FILE = pipe;
        // Without the rule the plugin blocks reading the pipe for ever; the run is then killed, and the code is not 1.
        const preview = await stack.preview();
        expect(preview.code).toBe(1);
        expect(preview.output).toContain(
          `resource 'c' has a problem: OCI config file ${pipe} (from OCI_CONFIG_FILE) cannot be used: it is a named pipe (FIFO), not a regular file;`,
        );
        expect(preview.output).not.toContain("property OCI_CONFIG_FILE");
        expect(emu.requests()).toEqual([]);
      },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a Date in triggers stops the program, naming triggers[0], instead of passing as {}", async () => {
  await withProgram(
    (_emu, creds) => ({ "queryservice:configFile": creds.configFile, triggers: "date" }),
    async (stack, emu) => {
      const preview = await stack.preview("--diff");
      expect(preview.code).toBe(1);
      expect(preview.output).toContain('error: QueryExecutionCancellation "c": triggers[0] is a Date, not a JSON value.');
      expect(preview.output).not.toMatch(/\[0\]: \{\}/);
      expect(emu.requests()).toEqual([]);
    },
  );
});

test("a projectId that is not an OCID passes preview with a warning naming it", async () => {
  await withProgram(
    (_emu, creds) => ({ "queryservice:configFile": creds.configFile, projectId: "my-project" }),
    async (stack, emu) => {
      const preview = await stack.preview();
      succeeded(preview);
      expect(preview.output).toContain('warning: QueryExecutionCancellation "c": projectId "my-project" is not an OCID');
      expect(emu.requests()).toEqual([]);
    },
  );
});
