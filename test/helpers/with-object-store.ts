// A real S3-compatible object store for the tests: the versitygw the set-up built (or found),
// serving a temp folder on an ephemeral loopback port, with a known access key pair. Its objects
// are plain files under `root/<bucket>/<key>`, so a test can read what the backend holds directly.

import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createConnection, createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { findObjectStore } from "../../dev/pulumi/object-store";

export interface ObjectStore {
  /** http://127.0.0.1:PORT */
  endpoint: string;
  /** The folder it serves: each subfolder is a bucket. */
  root: string;
  /** The standard AWS variables any S3 client (here the Pulumi CLI) reads the credentials from. */
  env: { AWS_ACCESS_KEY_ID: string; AWS_SECRET_ACCESS_KEY: string; AWS_EC2_METADATA_DISABLED: string };
  /** Creates a bucket and returns the Pulumi backend URL of `prefix` in it. */
  bucket(name: string, prefix: string): string;
  /** SIGKILLs the gateway (a crash, a lost node); its folder stays. */
  stop(): Promise<void>;
  /** Starts it again on the same port and folder. */
  start(): Promise<void>;
  close(): Promise<void>;
}

const ACCESS_KEY = "cleanup-test-access";
const SECRET_KEY = "cleanup-test-secret-not-a-real-one";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

export async function startObjectStore(): Promise<ObjectStore> {
  const binary = findObjectStore();
  const dir = mkdtempSync(path.join(tmpdir(), "qec-object-store-"));
  const root = path.join(dir, "root");
  mkdirSync(root);
  const port = await freePort();
  let child: ChildProcess | undefined;
  let output = "";

  const start = async () => {
    output = "";
    child = spawn(binary.file, ["--port", `127.0.0.1:${port}`, "--quiet", "posix", root], {
      env: { PATH: process.env.PATH, ROOT_ACCESS_KEY_ID: ACCESS_KEY, ROOT_SECRET_ACCESS_KEY: SECRET_KEY },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout!.on("data", (c: Buffer) => (output += c.toString()));
    child.stderr!.on("data", (c: Buffer) => (output += c.toString()));
    const started = child;
    for (let i = 0; i < 200; i++) {
      if (started.exitCode !== null) throw new Error(`versitygw exited (${started.exitCode}): ${output.slice(-2000)}`);
      if (await accepts(port)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`versitygw did not listen on 127.0.0.1:${port} within 20 s: ${output.slice(-2000)}`);
  };
  const stop = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once("exit", resolve));
    running.kill("SIGKILL");
    await exited;
  };

  await start();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    root,
    env: { AWS_ACCESS_KEY_ID: ACCESS_KEY, AWS_SECRET_ACCESS_KEY: SECRET_KEY, AWS_EC2_METADATA_DISABLED: "true" },
    bucket(name, prefix) {
      // The posix backend's buckets are the root's folders.
      mkdirSync(path.join(root, name), { recursive: true });
      const query = new URLSearchParams({ endpoint, use_path_style: "true", region: "us-east-1" });
      return `s3://${name}/${prefix}?${query}`;
    },
    stop,
    start,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
