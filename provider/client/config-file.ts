// The OCI config file format, read as the OCI CLI reads it (Python's configparser): `[PROFILE]`
// headers, `key=value` or `key: value` lines, keys in any case, whole-line comments starting with
// `#` or `;`, and DEFAULT's keys inherited by every profile. oci-common's own parser refuses `;`
// comments and `:` and quotes the offending line, which may hold a secret; this one names the line
// by number only.

/** Profiles by name, each its keys (lower case) and values. */
export type OciConfig = ReadonlyMap<string, ReadonlyMap<string, string>>;

/** A line the format does not allow: `line` is 1-based; `problem` never quotes the line. */
export class ConfigSyntaxError extends Error {
  override readonly name = "ConfigSyntaxError";
  constructor(
    readonly line: number,
    readonly problem: string,
  ) {
    super(`line ${line}: ${problem}`);
  }
}

/** Parses an OCI config file's text. Throws ConfigSyntaxError naming the first bad line. */
export function parseOciConfig(text: string): OciConfig {
  const profiles = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) return;
    if (line.startsWith("[")) {
      // As configparser: the name runs to the last "]"; anything after it is ignored.
      const name = /^\[(.*)\]/.exec(line)?.[1]?.trim();
      if (name === undefined) throw new ConfigSyntaxError(index + 1, "a [PROFILE] header without its closing ]");
      if (name === "") throw new ConfigSyntaxError(index + 1, "a [PROFILE] header without a name");
      current = profiles.get(name) ?? new Map();
      profiles.set(name, current);
      return;
    }
    const at = line.search(/[=:]/);
    if (at < 0) throw new ConfigSyntaxError(index + 1, "neither a [PROFILE] header, a key=value line nor a comment (# or ;)");
    const key = line.slice(0, at).trim().toLowerCase();
    if (key === "") throw new ConfigSyntaxError(index + 1, "a key=value line without a key");
    if (!current) throw new ConfigSyntaxError(index + 1, "a key=value line before the first [PROFILE] header");
    current.set(key, line.slice(at + 1).trim());
  });
  return profiles;
}

/** The value of `key` in `profile`, or in DEFAULT (which every profile inherits), or undefined. */
export function profileValue(config: OciConfig, profile: string, key: string): string | undefined {
  return config.get(profile)?.get(key) ?? config.get("DEFAULT")?.get(key);
}

/** The profile names of a config file, for a message: at most `max`, each as [NAME]. */
export function listProfiles(config: OciConfig, max = 20): string {
  const names = [...config.keys()];
  if (names.length === 0) return "no profiles";
  const shown = names.slice(0, max).map((n) => `[${n.length > 64 ? `${n.slice(0, 64)}…` : n}]`);
  return shown.join(", ") + (names.length > max ? ` and ${names.length - max} more` : "");
}
