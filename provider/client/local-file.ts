// Reading the small local files credentials live in (OCI config file, key file, security token
// file). oci-common reads them synchronously, so a named pipe, a device or a huge file given as
// one would block or flood the whole process: only regular files, and only so many bytes.

import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from "node:fs";

/** The most a config, key or token file may hold. Real ones are a few KiB; this keeps a mistake from filling memory. */
export const MAX_LOCAL_FILE_BYTES = 1024 * 1024;

/** A local file that cannot be used; `reason` is a phrase ("it is a named pipe (FIFO), not a regular file"). */
export class LocalFileError extends Error {
  override readonly name = "LocalFileError";
  constructor(
    readonly path: string,
    readonly code: "ENOENT" | "NOT_REGULAR" | "TOO_LARGE" | string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
  }
}

function kindOf(stats: Stats): string {
  if (stats.isFIFO()) return "a named pipe (FIFO)";
  if (stats.isDirectory()) return "a directory";
  if (stats.isCharacterDevice()) return "a character device";
  if (stats.isBlockDevice()) return "a block device";
  if (stats.isSocket()) return "a socket";
  return "not a regular file";
}

/**
 * Reads a regular file (after following links) of at most `maxBytes` as UTF-8. Opens without
 * blocking and checks the opened file itself, so a FIFO is refused at once and a file swapped
 * after a check cannot slip through. Throws LocalFileError.
 */
export function readLocalFile(path: string, maxBytes = MAX_LOCAL_FILE_BYTES): string {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "EIO";
    // Opening a Unix socket fails with ENXIO.
    const reason = code === "ENOENT" ? "it does not exist" : code === "ENXIO" ? "it is a socket, not a regular file" : `it cannot be read (${code})`;
    throw new LocalFileError(path, code, reason);
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) {
      const kind = kindOf(stats);
      throw new LocalFileError(path, "NOT_REGULAR", `it is ${kind}${kind.startsWith("not ") ? "" : ", not a regular file"}`);
    }
    // Read until the end rather than trust the size: a file can grow while it is read.
    const chunks: Buffer[] = [];
    // Sized to the file, but not below 4 KiB: files under /proc say 0 bytes and hold more.
    const chunk = Buffer.allocUnsafe(Math.min(64 * 1024, Math.max(4096, stats.size + 1)));
    let length = 0;
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(Buffer.from(chunk.subarray(0, n)));
      length += n;
      if (length > maxBytes) throw new LocalFileError(path, "TOO_LARGE", `it is larger than ${maxBytes} bytes, too large for a credentials file`);
    }
    return Buffer.concat(chunks).toString("utf8");
  } catch (e) {
    if (e instanceof LocalFileError) throw e;
    const code = (e as NodeJS.ErrnoException).code ?? "EIO";
    throw new LocalFileError(path, code, `it cannot be read (${code})`);
  } finally {
    closeSync(fd);
  }
}
