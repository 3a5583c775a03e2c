// The emulator as both soak modes run it: the whole request log kept (the figures are counted from
// it), throwaway credentials written, and a hook that fires the moment the service has applied the
// cancel of a given execution (its log line comes right after it answered 202): where an
// "after-cancel-applied" kill lands.

import { startEmulator, type Emulator, type EmulatorCredentials } from "../../emulator/index.js";
import { acceptedCancel } from "./soak-plan.js";

export interface SoakEmulator {
  emu: Emulator;
  creds: EmulatorCredentials;
  /** Calls `then` once the cancel of `queryExecutionId` is applied; replaces an earlier hook of the same id. */
  onCancelApplied(queryExecutionId: string, then: () => void): void;
  /** Drops the hook of `queryExecutionId`; true when there was one (it never fired). */
  forget(queryExecutionId: string): boolean;
}

export async function startSoakEmulator(options: { cancelDelayMs?: number } = {}): Promise<SoakEmulator> {
  const hooks = new Map<string, () => void>();
  const emu = await startEmulator({
    requestLogSize: Infinity,
    ...(options.cancelDelayMs === undefined ? {} : { cancelDelayMs: options.cancelDelayMs }),
    log: (line) => {
      if (hooks.size === 0) return;
      const id = acceptedCancel(line);
      if (id !== undefined) hooks.get(id)?.();
    },
  });
  const creds = await emu.writeCredentials();
  return {
    emu,
    creds,
    onCancelApplied: (id, then) => void hooks.set(id, then),
    forget: (id) => hooks.delete(id),
  };
}
