// One process at a time on this machine, per name: the step that unlocks a stack left locked by a
// dead run of this machine. Two runs of one host that both saw that dead lock must not both remove
// it: the second would remove the lock the first took meanwhile. A listening Unix socket is the
// mutex, so the kernel releases it when its holder dies however it dies (no file left behind).

import { createHash } from "node:crypto";
import { rmSync } from "node:fs";
import { createConnection, createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Where the socket listens: Linux's abstract namespace (no file), else a socket file in the temp folder. */
function address(name: string): string {
  const id = `oci-query-cleanup-${createHash("sha256").update(name).digest("hex").slice(0, 32)}`;
  return process.platform === "linux" ? `\0${id}` : join(tmpdir(), `${id}.sock`);
}

function listen(server: Server, path: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) => (e.code === "EADDRINUSE" ? resolve(false) : reject(e)));
    server.listen(path, () => resolve(true));
  });
}

/** True when nothing answers on a socket file, i.e. it was left by a process that died. */
function abandoned(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createConnection(path);
    probe.once("connect", () => {
      probe.destroy();
      resolve(false);
    });
    probe.once("error", (e: NodeJS.ErrnoException) => resolve(e.code === "ECONNREFUSED"));
  });
}

/** Runs `fn` holding the mutex `name`; returns `{ held: false }` without running it when another process holds it. */
export async function withHostMutex<T>(name: string, fn: () => Promise<T>): Promise<{ held: true; value: T } | { held: false }> {
  const path = address(name);
  let server = createServer();
  let mine = await listen(server, path);
  if (!mine && !path.startsWith("\0") && (await abandoned(path))) {
    rmSync(path, { force: true });
    server = createServer();
    mine = await listen(server, path);
  }
  if (!mine) return { held: false };
  server.unref();
  try {
    return { held: true, value: await fn() };
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
