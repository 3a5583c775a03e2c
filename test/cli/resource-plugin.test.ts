// The ociqueryservice provider plugin through the real CLI: packed by `npm run package:plugin`'s
// script, installed with `pulumi plugin install --file` into the stack's fresh PULUMI_HOME, and
// driven by a YAML program against the emulator with a file backend. The API key is given as
// `ociqueryservice:privateKey` with `config set --secret`.

import { withEmulator } from "../helpers/with-emulator";
import { changeSummary, CliStack, succeeded } from "./helpers/cli-stack";
import { installPlugin } from "./helpers/plugin-tarball";

jest.setTimeout(600_000);

const TOKEN = "ociqueryservice:index:QueryExecutionCancellation";

test("a YAML program: preview sends nothing, up cancels once, re-runs and destroy send no cancel, import adopts, the key stays secret", async () => {
  await withEmulator(async (emu, creds) => {
    const { projectId, id } = emu.store.addExecution({ lifecycleState: "IN_PROGRESS" });
    const keyBody = creds.privateKeyPem.split("\n")[1]!;
    const stack = await CliStack.init(
      "test/cli/programs/plugin-yaml",
      {
        "ociqueryservice:endpoint": emu.url,
        "ociqueryservice:tenancyOcid": creds.tenancy,
        "ociqueryservice:userOcid": creds.user,
        "ociqueryservice:fingerprint": creds.fingerprint,
        projectId,
        queryExecutionId: id,
      },
      { "ociqueryservice:privateKey": creds.privateKeyPem },
    );
    const cancelsSince = (before: number) => emu.requests("CancelQueryExecution").length - before;
    try {
      await installPlugin(stack);

      const preview = await stack.preview();
      succeeded(preview);
      expect(emu.requests()).toHaveLength(0);

      const up = await stack.up();
      succeeded(up);
      expect(changeSummary(up.output)).toEqual(["+ 2 created"]);
      expect(emu.effectiveCancels(id)).toBe(1);
      // The plugin's log line is attached to the resource, not to the stack.
      expect(up.output).toMatch(/QueryExecutionCancellation \(cancel\):\n\s+Cancel of query execution \S+ \(project \S+\) accepted/);
      const [created] = await stack.resources();
      expect(created!.type).toBe(TOKEN);
      expect(created!.outputs).toMatchObject({ outcome: "CANCEL_REQUESTED", projectId, queryExecutionId: id });
      expect(created!.inputs).not.toHaveProperty("__provider");
      const firstToken = created!.outputs!.retryToken;

      const seen = emu.requests().length;
      const again = await stack.up();
      succeeded(again);
      expect(changeSummary(again.output)).toEqual(["2 unchanged"]);
      expect(emu.requests().length).toBe(seen);

      emu.store.setState(projectId, id, "CANCELED");
      succeeded(await stack.refresh());
      const [refreshed] = await stack.resources();
      expect(refreshed!.outputs).toMatchObject({ lifecycleState: "CANCELED", etag: emu.store.get(projectId, id)!.etag });

      // Active again and asked for again: one more cancel, with a new token.
      emu.store.setState(projectId, id, "IN_PROGRESS");
      const cancels = emu.requests("CancelQueryExecution").length;
      await stack.ok(["config", "set", ...stack.stackArgs(), "trigger", "2"]);
      const retrigger = await stack.up();
      succeeded(retrigger);
      expect(cancelsSince(cancels)).toBe(1);
      const [replaced] = await stack.resources();
      expect(replaced!.outputs!.retryToken).not.toBe(firstToken);

      // Import an execution someone else cancelled: adopted with no cancel.
      const other = emu.store.addExecution({ lifecycleState: "CANCELING" });
      const beforeImport = emu.requests("CancelQueryExecution").length;
      succeeded(
        await stack.run(["import", TOKEN, "adopted", `${other.projectId}/${other.id}`, ...stack.stackArgs(), "--protect=false", "--yes", "--non-interactive"]),
      );
      expect(cancelsSince(beforeImport)).toBe(0);
      const adopted = (await stack.resources()).find((r) => r.urn.endsWith("::adopted"));
      expect(adopted!.outputs).toMatchObject({ queryExecutionId: other.id, lifecycleState: "CANCELING" });

      const state = JSON.stringify(await stack.exportState());
      expect(state).not.toContain("__provider");
      expect(state + up.output + retrigger.output).not.toContain(keyBody);
      // The YAML host adds its own Go stack trace to each resource (about 1 KB); the rest is the cancellation's.
      const bytes = Buffer.byteLength(JSON.stringify(replaced));
      const { stackTrace: _trace, sourcePosition: _position, ...own } = replaced as unknown as Record<string, unknown>;
      const ownBytes = Buffer.byteLength(JSON.stringify(own));
      process.stdout.write(`state bytes per cancellation (YAML, plugin): ${bytes} all in, ${ownBytes} without the YAML host's stack trace\n`);
      expect(ownBytes).toBeLessThan(2048);

      const beforeDestroy = emu.requests().length;
      succeeded(await stack.destroy());
      expect(emu.requests().length).toBe(beforeDestroy);
    } finally {
      stack.dispose();
    }
  });
});
