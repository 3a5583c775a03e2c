// One dynamic-provider plugin at a time, as the engine runs one per provider, that can be killed
// like a crashed `pulumi up` and replaced by a fresh one on the next call.

import { resolve } from "node:path";
import { startPlugin, type Plugin } from "./index.js";

/** The repository root: the plugin runs here, so the trampoline's require() finds dist/ by package name. */
export const REPO_ROOT = resolve(__dirname, "..", "..", "..");

export interface PluginLease {
  plugin: Plugin;
  /** Which plugin process this is; a kill names it so a late kill cannot hit its successor. */
  generation: number;
}

export class PluginHost {
  private generation = 0;
  private current: Promise<Plugin> | undefined;
  /** Milliseconds from spawn to the first Configure answer, per plugin started. */
  readonly startMs: number[] = [];
  kills = 0;

  constructor(
    private readonly project = "bench",
    /** Extra environment for each plugin, e.g. NODE_OPTIONS. */
    private readonly env: Record<string, string> = {},
  ) {}

  /** The live plugin, started (and configured with empty stack config) when there is none. */
  async acquire(): Promise<PluginLease> {
    if (this.current === undefined) {
      const starting = this.start();
      this.current = starting;
      // A failed start is not kept: the next acquire tries again.
      starting.catch(() => {
        if (this.current === starting) this.current = undefined;
      });
    }
    const generation = this.generation;
    return { plugin: await this.current, generation };
  }

  /** The live generation number (changes on every kill). */
  get liveGeneration(): number {
    return this.generation;
  }

  /**
   * SIGKILLs the plugin's whole process group, as a crash would, when `generation` is still the
   * live one. Calls in flight fail; the next acquire() starts a new plugin.
   */
  async kill(generation: number): Promise<boolean> {
    if (generation !== this.generation || this.current === undefined) return false;
    const dying = this.current;
    this.current = undefined;
    this.generation += 1;
    this.kills += 1;
    const plugin = await dying.catch(() => undefined);
    if (!plugin) return true;
    try {
      process.kill(-plugin.pid, "SIGKILL");
    } catch {
      // already gone
    }
    await plugin.stop();
    return true;
  }

  async close(): Promise<void> {
    const plugin = await this.current?.catch(() => undefined);
    this.current = undefined;
    await plugin?.stop();
  }

  private async start(): Promise<Plugin> {
    const started = performance.now();
    const plugin = await startPlugin({ cwd: REPO_ROOT, project: this.project, env: this.env });
    try {
      await plugin.configure({});
    } catch (e) {
      await plugin.stop();
      throw e;
    }
    this.startMs.push(Math.round(performance.now() - started));
    return plugin;
  }
}
