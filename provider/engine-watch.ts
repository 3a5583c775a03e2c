// The dynamic-provider plugin serves the engine until the engine stops it. When the engine is
// killed (`kill -9` of `pulumi`, a lost terminal) nobody stops it, and the SDK's plugin would run
// for ever. This watch notices that the engine is gone, lets the calls in flight finish (a cancel
// under way still lands), then ends the process. Knows nothing of the service.

import { connect } from "node:net";

/** What one look at the engine found. */
export interface EngineFacts {
  /** The plugin's parent now; the engine (or the shim it ran) at start. */
  parentPid: number;
  startParentPid: number;
  /** The engine's address refused a connection: nothing listens there any more. */
  refused: boolean;
}

/**
 * Gone when the plugin was re-parented (its parent, the engine, died: the kernel hands orphans
 * to init or a subreaper) or when nothing listens at the engine's address any more (covers a
 * shim that runs node as a child of its own shell, which outlives the engine).
 */
export function engineIsGone(facts: EngineFacts): boolean {
  return facts.parentPid !== facts.startParentPid || facts.refused;
}

/** The engine's address, the plugin's first argument, when it names a real port ("127.0.0.1:0" does not). */
export function engineAddress(argv: readonly string[]): { host: string; port: number } | undefined {
  const match = /^(.+):(\d{1,5})$/.exec(argv[0] ?? "");
  const port = Number(match?.[2]);
  return match && port > 0 && port < 65536 ? { host: match[1]!, port } : undefined;
}

/** Resolves true only on ECONNREFUSED: a slow or busy engine is never taken for a dead one. */
function refusesConnections(address: { host: string; port: number }, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(address);
    const done = (refused: boolean) => {
      socket.destroy();
      resolve(refused);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(false));
    socket.once("error", (e: NodeJS.ErrnoException) => done(e.code === "ECONNREFUSED"));
  });
}

export interface EngineWatchOptions {
  /** The engine's address, or none (then only the parent is watched). */
  address?: { host: string; port: number };
  /** @default () => process.ppid (live: Node asks the kernel on every read) */
  parentPid?: () => number;
  /** @default a TCP connect that reports ECONNREFUSED */
  refused?: (address: { host: string; port: number }) => Promise<boolean>;
  /** How often to look. @default 1000 */
  intervalMs?: number;
  /** Ends the process once the engine is gone and no call is in flight. @default process.exit(0) */
  exit?: () => void;
}

/** Watches the engine from inside the plugin; `track` each call so none is cut short. */
export class EngineWatch {
  private inFlight = 0;
  private goneNow = false;
  private readonly onGone: Array<() => void> = [];
  private readonly timer: NodeJS.Timeout;

  constructor(options: EngineWatchOptions = {}) {
    const parentPid = options.parentPid ?? (() => process.ppid);
    const refused = options.refused ?? ((address) => refusesConnections(address, 2000));
    const exit = options.exit ?? (() => process.exit(0));
    const startParentPid = parentPid();
    let looking = false;
    this.timer = setInterval(() => {
      if (this.goneNow) {
        // One tick after the last call ended, so its answer is written before the process ends.
        if (this.inFlight === 0) {
          clearInterval(this.timer);
          exit();
        }
        return;
      }
      if (looking) return;
      looking = true;
      const probe = options.address ? refused(options.address) : Promise.resolve(false);
      void probe
        .then((isRefused) => {
          if (engineIsGone({ parentPid: parentPid(), startParentPid, refused: isRefused })) this.markGone();
        })
        .finally(() => (looking = false));
    }, options.intervalMs ?? 1000);
    // The watch alone never keeps the plugin alive.
    this.timer.unref();
  }

  /** True once the engine that started the plugin is gone. */
  get gone(): boolean {
    return this.goneNow;
  }

  /** Runs one call of the engine's, counting it as in flight until it settles. */
  async track<T>(call: () => Promise<T>): Promise<T> {
    this.inFlight += 1;
    try {
      return await call();
    } finally {
      this.inFlight -= 1;
    }
  }

  /** Sleeps `ms`, or rejects as soon as the engine is gone: for waits whose only reader is the engine. */
  sleep(ms: number, reason: () => Error): Promise<void> {
    if (this.goneNow) return Promise.reject(reason());
    return new Promise((resolve, reject) => {
      const wake = () => {
        clearTimeout(timer);
        reject(reason());
      };
      const timer = setTimeout(() => {
        const waiting = this.onGone.indexOf(wake);
        if (waiting >= 0) this.onGone.splice(waiting, 1);
        resolve();
      }, ms);
      this.onGone.push(wake);
    });
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private markGone(): void {
    this.goneNow = true;
    for (const wake of this.onGone.splice(0)) wake();
  }
}
