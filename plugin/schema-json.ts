// The plugin's Pulumi package schema (schema.json), derived from the one table in
// provider/schema.ts. `npm run gen:schema` writes it to plugin/schema.json; a unit test fails
// when the committed file and the table disagree.

import { CANCELLATION_PROPERTIES, CLEANUP_PROPERTIES, PROVIDER_CONFIG, type PropertySpec } from "../provider/schema.js";

export const PACKAGE = "ociqueryservice";
export const CANCELLATION_TOKEN = `${PACKAGE}:index:QueryExecutionCancellation`;
export const CLEANUP_TOKEN = `${PACKAGE}:index:QueryExecutionCleanup`;
export const LIST_TOKEN = `${PACKAGE}:index:listQueryExecutions`;

type Json = Record<string, unknown>;

function property(spec: PropertySpec): Json {
  return {
    type: spec.type,
    ...(spec.type === "array" ? { items: { $ref: "pulumi.json#/Any" } } : {}),
    description: spec.description,
    ...(spec.default !== undefined && spec.type !== "array" ? { default: spec.default } : {}),
    ...(spec.change === "replace" ? { willReplaceOnChanges: true } : {}),
    ...(spec.secret ? { secret: true } : {}),
  };
}

function properties(table: Record<string, PropertySpec>, keep: (spec: PropertySpec) => boolean = () => true): Json {
  return Object.fromEntries(
    Object.entries(table)
      .filter(([, spec]) => keep(spec))
      .map(([key, spec]) => [key, property(spec)]),
  );
}

const required = (table: Record<string, PropertySpec>) => Object.keys(table).filter((key) => table[key]!.required);

const connectionSettings = (): Record<string, PropertySpec> =>
  Object.fromEntries((["endpoint", "region", "auth", "configFile", "profile"] as const).map((key) => [key, CANCELLATION_PROPERTIES[key]]));

/** The package schema, as `pulumi package get-schema` and the SDK generators read it. */
export function packageSchema(): Json {
  const cancellation = CANCELLATION_PROPERTIES as Record<string, PropertySpec>;
  const cleanup = { ...(CLEANUP_PROPERTIES as Record<string, PropertySpec>), ...connectionSettings() };
  const config = PROVIDER_CONFIG as Record<string, PropertySpec>;
  return {
    name: PACKAGE,
    displayName: "OCI Query Service cancellation",
    description: "Cancels an Oracle Cloud Query Service query execution exactly once, as a resource.",
    config: { variables: properties(config) },
    provider: { description: "The ociqueryservice provider: where and as whom to reach the Query Service.", inputProperties: properties(config) },
    resources: {
      [CANCELLATION_TOKEN]: {
        description:
          "Cancels one query execution once: up reads it and cancels it only while it is active, with a stable retry token. Delete sends no request.",
        properties: properties(cancellation),
        required: Object.keys(cancellation),
        inputProperties: properties(cancellation, (spec) => spec.change !== undefined),
        requiredInputs: required(cancellation),
      },
      [CLEANUP_TOKEN]: {
        isComponent: true,
        description: "One QueryExecutionCancellation per execution of a project that matches the filter.",
        properties: {},
        inputProperties: properties(cleanup),
        requiredInputs: required(cleanup),
      },
    },
    functions: {
      [LIST_TOKEN]: {
        description: "The query executions of a project that match the filter.",
        inputs: { properties: properties(cleanup, (spec) => !spec.description.startsWith("Passed to every")), required: required(cleanup) },
        outputs: {
          properties: {
            items: { type: "array", items: { $ref: "pulumi.json#/Any" }, description: "The matching executions (id, name, lifecycleState, timeCreated)." },
          },
          required: ["items"],
        },
      },
    },
    language: { nodejs: { packageName: "@pulumi/ociqueryservice" }, python: { packageName: "pulumi_ociqueryservice" } },
  };
}

/** The schema as written to plugin/schema.json. */
export function schemaText(): string {
  return `${JSON.stringify(packageSchema(), null, 2)}\n`;
}
