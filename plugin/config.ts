// The plugin's `ociqueryservice:` configuration: checked (CheckConfig), compared (DiffConfig) and
// turned into the stack config the dynamic provider reads (Configure), so both resolve a
// connection with one precedence: resource input, provider config, environment, config file.
// Values are never put in a message: a secret's value must not reach logs or errors.

import type { StackConfig } from "../provider/connection.js";
import { PROVIDER_CONFIG } from "../provider/schema.js";

const SECRET_SIG = "4dabf18193072939515e22adb298388d";
/** Keys the engine itself may add to a provider's inputs. */
const ENGINE_KEYS = new Set(["version", "pluginDownloadURL"]);
const KNOWN = Object.keys(PROVIDER_CONFIG);

export interface ConfigFailure {
  property: string;
  reason: string;
}

/** A config value as the engine may send it: plain, or wrapped as a secret. */
function plain(value: unknown): unknown {
  if (value && typeof value === "object" && SECRET_SIG in value) return (value as { value?: unknown }).value;
  return value;
}

/** Why the provider's configuration cannot be used, one failure per key; no value is repeated. */
export function checkConfig(news: Record<string, unknown>): ConfigFailure[] {
  const failures: ConfigFailure[] = [];
  for (const [key, raw] of Object.entries(news)) {
    if (ENGINE_KEYS.has(key) || key.startsWith("__")) continue;
    if (!(key in PROVIDER_CONFIG)) {
      failures.push({ property: key, reason: `not a setting of the ociqueryservice provider; the settings are ${KNOWN.join(", ")}` });
      continue;
    }
    const value = plain(raw);
    if (value !== undefined && value !== null && typeof value !== "string") {
      failures.push({
        property: key,
        reason: `a string expected; got ${Array.isArray(value) ? "an array" : typeof value} (set it with pulumi config set ociqueryservice:${key} …)`,
      });
    }
  }
  return failures;
}

/** The configuration keys whose value changed: the provider is reconfigured, nothing is replaced. */
export function changedConfig(olds: Record<string, unknown>, news: Record<string, unknown>): string[] {
  return KNOWN.filter((key) => JSON.stringify(plain(olds[key]) ?? null) !== JSON.stringify(plain(news[key]) ?? null));
}

/**
 * The stack config the dynamic provider would read, from the plugin's configuration: the engine's
 * `variables` map (`ociqueryservice:privateKey` → its value) or, failing that, its `args`.
 */
export function stackConfigFrom(variables: ReadonlyMap<string, string>, args: Record<string, unknown>): StackConfig {
  const config: StackConfig = {};
  for (const [key, spec] of Object.entries(PROVIDER_CONFIG)) {
    const value = variables.get(`ociqueryservice:${key}`) ?? plain(args[key]);
    if (typeof value === "string" && value !== "") config[spec.stackConfigKey] = value;
  }
  return config;
}
