// The parent's side of emulator-child.ts: fork it, send commands, await answers.

import { fork, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import type { RateLimitSpec } from "../../emulator/index.js";
import type { Command, StartAnswer, Summary } from "./emulator-child.js";

export class EmulatorProcess {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(private readonly child: ChildProcess) {
    child.on("message", (m: { id: number; ok: boolean; value?: unknown; error?: string }) => {
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (m.ok) w.resolve(m.value);
      else w.reject(new Error(m.error));
    });
    child.on("exit", (code) => {
      for (const w of this.waiting.values()) w.reject(new Error(`the emulator process exited (code ${code})`));
      this.waiting.clear();
    });
  }

  static async start(latencyMs: number): Promise<{ emulator: EmulatorProcess; service: StartAnswer }> {
    const child = fork(join(__dirname, "emulator-child.js"), [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    await new Promise<void>((resolve, reject) => {
      child.once("message", () => resolve());
      child.once("exit", (code) => reject(new Error(`the emulator process exited before it was ready (code ${code})`)));
    });
    const emulator = new EmulatorProcess(child);
    const service = (await emulator.send({ cmd: "start", latencyMs })) as StartAnswer;
    return { emulator, service };
  }

  get pid(): number {
    return this.child.pid!;
  }

  seed(count: number): Promise<Array<{ projectId: string; id: string; etag: string }>> {
    return this.send({ cmd: "seed", count }) as Promise<Array<{ projectId: string; id: string; etag: string }>>;
  }

  reset(): Promise<unknown> {
    return this.send({ cmd: "reset" });
  }

  rateLimit(spec: RateLimitSpec | null): Promise<unknown> {
    return this.send({ cmd: "rateLimit", spec });
  }

  summary(ids: string[]): Promise<Summary> {
    return this.send({ cmd: "summary", ids }) as Promise<Summary>;
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || !this.child.connected) return;
    const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    this.child.disconnect();
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
    if (this.child.exitCode === null) this.child.kill("SIGKILL");
  }

  private send(command: Command): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.child.send({ id, command });
    });
  }
}
