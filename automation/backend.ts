// Where the cleanup stacks keep their record: `--backend-url`, then PULUMI_BACKEND_URL, then a
// local file backend in ~/.oci-query-cleanup. Any backend the Pulumi CLI supports works unchanged.

import { isAbsolute, join, resolve } from "node:path";

export interface Backend {
  /** What the CLI gets as PULUMI_BACKEND_URL. */
  url: string;
  /** The URL without any user name or password, for messages. */
  shown: string;
  /** The absolute folder of a file:// backend (stack locks are files there), else undefined. */
  folder?: string;
  /** Where the URL came from, for messages. */
  source: "--backend-url" | "PULUMI_BACKEND_URL" | "default";
}

/** The default backend's folder, named in the README. */
function defaultBackendFolder(home: string): string {
  return join(home, ".oci-query-cleanup");
}

/**
 * Throws a RangeError naming the setting when the URL has no scheme Pulumi could use. A relative
 * file:// URL is made absolute from `cwd`: the CLI runs in a temporary folder, where it would
 * mean somewhere else.
 */
export function resolveBackend(flag: string | undefined, env: NodeJS.ProcessEnv, home: string, cwd: string): Backend {
  const [url, source] =
    flag !== undefined
      ? [flag, "--backend-url" as const]
      : env.PULUMI_BACKEND_URL
        ? [env.PULUMI_BACKEND_URL, "PULUMI_BACKEND_URL" as const]
        : // metadata=skip: no .attrs files beside the checkpoint, which a kill mid-write can leave empty
          // and the CLI then cannot load ("failed to load checkpoint: EOF"; README "If pulumi up was interrupted").
          [`file://${defaultBackendFolder(home)}?metadata=skip`, "default" as const];
  if (!/^[a-z][a-z0-9+.-]*:\/\/./i.test(url)) {
    throw new RangeError(
      `${source}: a backend URL such as file:///var/lib/oci-query-cleanup, s3://bucket/prefix or https://api.pulumi.com expected; got ${JSON.stringify(url)}`,
    );
  }
  const folder = fileFolder(url, home, cwd);
  const absolute = folder === undefined ? url : `file://${folder}${url.includes("?") ? url.slice(url.indexOf("?")) : ""}`;
  return { url: absolute, shown: withoutCredentials(absolute), folder, source };
}

/**
 * Why the run cannot keep its secrets encrypted, or undefined. Backends other than the Pulumi
 * Cloud service (http/https) use the passphrase secrets provider, which needs the passphrase in the
 * environment: without it the CLI would stop half-way with a prompt it cannot show.
 */
export function passphraseProblem(backend: Backend, env: NodeJS.ProcessEnv): string | undefined {
  if (/^https?:\/\//i.test(backend.url)) return undefined;
  if (env.PULUMI_CONFIG_PASSPHRASE !== undefined || env.PULUMI_CONFIG_PASSPHRASE_FILE) return undefined;
  return (
    `PULUMI_CONFIG_PASSPHRASE: not set. The backend ${backend.shown} keeps secrets encrypted with a passphrase: ` +
    "set PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) to the same value on every run and machine."
  );
}

function withoutCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, "$1");
}

function fileFolder(url: string, home: string, cwd: string): string | undefined {
  if (!/^file:\/\//i.test(url)) return undefined;
  // What follows file:// is a path, not a URL-encoded one; ?options are the CLI's.
  const path = url.slice("file://".length).replace(/\?.*$/, "");
  // The CLI reads file://~ as the home folder.
  if (path === "~" || path.startsWith("~/")) return join(home, path.slice(1));
  return isAbsolute(path) ? path : resolve(cwd, path);
}
