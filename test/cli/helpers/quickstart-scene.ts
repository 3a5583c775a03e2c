// The quick start (examples/quickstart) against the emulator behind a proxy that can hold answers:
// the scene of every test that interrupts `pulumi up` at a chosen moment.

import type { Emulator } from "../../../emulator/index";
import { withEmulator } from "../../helpers/with-emulator";
import { CliStack } from "./cli-stack";
import { startHoldingProxy, type HoldingProxy } from "./holding-proxy";

export interface Scene {
  stack: CliStack;
  emu: Emulator;
  proxy: HoldingProxy;
  /** The IN_PROGRESS execution named "stuck-report" the stack cancels. */
  id: string;
  projectId: string;
}

export interface SceneOptions {
  /** How long the emulator keeps a cancelled execution CANCELING. */
  cancelDelayMs?: number;
  /** More stack config, e.g. waitForTerminalState. */
  config?: Record<string, string>;
}

export async function withQuickstartScene(fn: (scene: Scene) => Promise<void>, options: SceneOptions = {}): Promise<void> {
  await withEmulator(
    async (emu, creds) => {
      const proxy = await startHoldingProxy(emu.url);
      const { projectId, id } = emu.store.addExecution({ lifecycleState: "IN_PROGRESS", name: "stuck-report" });
      const stack = await CliStack.init("examples/quickstart", {
        "queryservice:endpoint": proxy.url,
        "queryservice:configFile": creds.configFile,
        projectId,
        queryExecutionId: id,
        ...options.config,
      });
      try {
        await fn({ stack, emu, proxy, id, projectId });
      } finally {
        stack.dispose();
        await proxy.close();
      }
    },
    { cancelDelayMs: options.cancelDelayMs },
  );
}

/** `pulumi up` as the quick start's user runs it, started in the background. */
export function startUp(stack: CliStack): ReturnType<CliStack["start"]> {
  return stack.start(["up", ...stack.stackArgs(), "--yes", "--non-interactive", "--skip-preview"]);
}
