// Everything `oci-query-cleanup` can check before it sends a request or starts an update: the
// backend, the passphrase, the connection and credentials, the Pulumi CLI, and that the engine's
// dynamic-provider plugin will find this package. A problem is a ConfigurationProblem (exit 2).

import { PulumiCommand } from "@pulumi/pulumi/automation";
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { ConfigurationError } from "../provider/client/errors.js";
import { QueryServiceClient } from "../provider/client/query-service-client.js";
import { resolveConnection } from "../provider/connection.js";
import { PACKAGE_NAME, PACKAGE_ROOT } from "../provider/package-info.js";
import { passphraseProblem, resolveBackend, type Backend } from "./backend.js";
import { FLAG_OF_INPUT, type CleanupOptions } from "./flags.js";

/** Bad configuration found before anything was sent; the message names the setting. */
export class ConfigurationProblem extends Error {
  override readonly name = "ConfigurationProblem";
}

export interface Prepared {
  backend: Backend;
  pulumi: PulumiCommand;
  /** The package's own folder: the plugin resolves the package by name from there. */
  programDir: string;
}

export async function prepare(options: CleanupOptions, env: NodeJS.ProcessEnv, home: string, cwd: string): Promise<Prepared> {
  let backend: Backend;
  try {
    backend = resolveBackend(options.backendUrl, env, home, cwd);
  } catch (e) {
    throw new ConfigurationProblem((e as Error).message);
  }
  const passphrase = passphraseProblem(backend, env);
  if (passphrase) throw new ConfigurationProblem(passphrase);
  await checkConnection(options, env);
  const programDir = packageFolder();
  const pulumi = await pulumiOnPath();
  if (backend.folder) {
    try {
      mkdirSync(backend.folder, { recursive: true });
    } catch (e) {
      throw new ConfigurationProblem(`${backend.source}: cannot create the backend folder ${backend.folder} (${(e as NodeJS.ErrnoException).code}).`);
    }
  }
  return { backend, pulumi, programDir };
}

/**
 * Resolves the connection as the provider will (flags as resource inputs, then the environment)
 * and reads file-based credentials, sending nothing. Messages name the flags.
 */
async function checkConnection(options: CleanupOptions, env: NodeJS.ProcessEnv): Promise<void> {
  try {
    const connection = resolveConnection(options.connection, {}, env);
    // What the user set as a flag is named as the flag in the client's messages.
    const names: Record<string, string> = connection.names ?? {};
    for (const [setting, name] of Object.entries(names)) if (FLAG_OF_INPUT[name]) names[setting] = FLAG_OF_INPUT[name];
    const client = new QueryServiceClient(connection);
    try {
      await client.checkCredentialsOffline();
    } finally {
      client.close();
    }
  } catch (e) {
    if (!(e instanceof ConfigurationError)) throw e;
    // Named "endpoint" with neither flag given: none was set anywhere. The provider's message speaks of inputs and stack config.
    if (e.setting === "endpoint" && !options.connection.endpoint && !options.connection.region) {
      throw new ConfigurationProblem(
        "--endpoint or --region: one is needed (or OCI_QUERY_SERVICE_ENDPOINT or OCI_REGION in the environment, or region= in the OCI config profile), e.g. --region us-ashburn-1.",
      );
    }
    throw new ConfigurationProblem(e.message);
  }
}

/**
 * The engine starts the dynamic-provider plugin in the project's `main` folder, and the
 * serialized provider require()s this package by name from there (provider/provider.ts). This
 * package's own folder always works: Node resolves a package's own name inside it (through
 * `exports`), and @pulumi/pulumi from it as this very process did.
 */
function packageFolder(): string {
  const folder = PACKAGE_ROOT;
  const from = createRequire(join(folder, "/"));
  for (const [name, fix] of [
    [`${PACKAGE_NAME}/implementation`, "reinstall the package"],
    ["@pulumi/pulumi/cmd/dynamic-provider/index.js", "install @pulumi/pulumi next to it (npm install @pulumi/pulumi)"],
  ] as const) {
    try {
      from.resolve(name);
    } catch {
      throw new ConfigurationProblem(`the dynamic-provider plugin could not load ${name} from ${folder}: ${fix}.`);
    }
  }
  return folder;
}

async function pulumiOnPath(): Promise<PulumiCommand> {
  try {
    return await PulumiCommand.get();
  } catch (e) {
    const why = String((e as Error).message ?? e);
    if (/ENOENT|not found/i.test(why)) {
      throw new ConfigurationProblem(
        "pulumi: not found on PATH. Install the Pulumi CLI (https://www.pulumi.com/docs/install/) and put it on PATH, with pulumi-language-nodejs and pulumi-resource-pulumi-nodejs beside it.",
      );
    }
    throw new ConfigurationProblem(`pulumi: ${why.split("\n").find((l) => l.trim()) ?? why}`);
  }
}
