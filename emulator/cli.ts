#!/usr/bin/env node
// `oci-query-service-emulator`: runs the emulator in the foreground for offline rehearsals.

import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { banner } from "./banner.js";
import { startEmulator } from "./server.js";
import { DEFAULT_PROJECT_ID } from "./store.js";

const HELP = `Usage: oci-query-service-emulator [options]

A local Oracle Cloud Query Service (API 20210831) for offline rehearsals: same paths, etags,
error bodies, retry-token memory and request-signature checks as the real service.

Options:
  --port N              Port to listen on (default 8787; 0 picks a free one)
  --host HOST           Address to listen on (default 127.0.0.1)
  --https               Serve HTTPS with a self-signed certificate (written as ca.pem)
  --executions N        Start with N running executions in the project (default 0)
  --project-id ID       Project of the seeded executions (default ${DEFAULT_PROJECT_ID})
  --cancel-delay-ms N   CANCELING -> CANCELED after N ms (default 2000)
  --request-log-size N  Requests /_emulator/requests keeps, oldest forgotten first (default 10000)
  --credentials-dir DIR Where the key and OCI config file go (default: a temp dir removed on exit).
                        Give one to keep them: an existing DIR's key and config are reused, so
                        OCI_CONFIG_FILE=DIR/config stays valid across restarts
  --no-auth             Accept unsigned requests (signatures are checked by default)
  -h, --help            Show this help

Stop it with Ctrl-C (SIGINT) or SIGTERM.`;

function fail(message: string): never {
  process.stderr.write(`oci-query-service-emulator: ${message}\nTry --help.\n`);
  process.exit(2);
}

function integer(name: string, text: string | undefined, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < min) fail(`--${name} expects an integer >= ${min}; got ${JSON.stringify(text)}`);
  return Number(text);
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        port: { type: "string" },
        host: { type: "string" },
        https: { type: "boolean" },
        executions: { type: "string" },
        "project-id": { type: "string" },
        "cancel-delay-ms": { type: "string" },
        "request-log-size": { type: "string" },
        "credentials-dir": { type: "string" },
        "no-auth": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (e) {
    fail((e as Error).message);
  }
  const v = parsed.values;
  if (v.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const port = integer("port", v.port, 8787, 0);
  if (port > 65535) fail(`--port expects 0..65535; got ${port}`);
  const count = integer("executions", v.executions, 0, 0);
  if (count > 1000) fail(`--executions expects at most 1000; got ${count}`);
  const projectId = v["project-id"] ?? DEFAULT_PROJECT_ID;

  const emu = await startEmulator({
    port,
    host: v.host ?? "127.0.0.1",
    https: v.https ?? false,
    cancelDelayMs: integer("cancel-delay-ms", v["cancel-delay-ms"], 2000, 0),
    requestLogSize: integer("request-log-size", v["request-log-size"], 10_000, 0),
    auth: v["no-auth"] ? "off" : "on",
    log: (line) => process.stdout.write(`${new Date().toISOString()} ${line}\n`),
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`Received ${signal}; stopping.\n`);
    emu.close().then(
      () => process.exit(0),
      (e: unknown) => {
        process.stderr.write(`Failed to stop cleanly: ${(e as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));

  const dir = v["credentials-dir"];
  const creds = await emu.writeCredentials(dir, dir ? { reuse: true } : {});
  const executions: Array<{ id: string; name: string }> = [];
  for (let i = 0; i < count; i++) {
    const { id } = emu.store.addExecution({ projectId });
    executions.push({ id, name: emu.store.get(projectId, id)!.name });
  }
  let caFile: string | undefined;
  if (emu.ca) {
    caFile = join(creds.configFile, "..", "ca.pem");
    await writeFile(caFile, emu.ca);
  }
  const { configFile, profile } = creds;
  process.stdout.write(
    banner({ url: emu.url, auth: !v["no-auth"], configFile, profile, credentialsDir: dir, projectId, executions, caFile, env: process.env }),
  );
}

main().catch((e: unknown) => {
  const { code, host, port } = (e ?? {}) as { code?: string; host?: string; port?: number };
  const message =
    code === "EADDRINUSE"
      ? `port ${port} on ${host} is already in use (another emulator?); start with --port N for another port, or --port 0 for any free one.`
      : ((e as Error)?.message ?? String(e));
  process.stderr.write(`oci-query-service-emulator: ${message}\n`);
  process.exit(1);
});
