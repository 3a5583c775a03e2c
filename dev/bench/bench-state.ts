// What a stack's state costs per resource, from the text of `pulumi stack export`: all in (the
// whole export over the resources of one type), and one resource's bytes split by who put them
// there (the serialized provider, the engine's own records, the source positions the SDK sends,
// the other inputs and outputs).

/** One resource as `pulumi stack export` prints it (only the fields weighed here are named). */
interface ExportedResource {
  type: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  [field: string]: unknown;
}

interface StackExport {
  deployment: { resources?: ExportedResource[] };
}

/** Bytes of one resource, by who put them there; the parts add up to `total`. */
export interface ResourceBytes {
  total: number;
  /** `__provider` in inputs and in outputs. */
  serializedProvider: number;
  /** `sourcePosition` and `stackTrace`, recorded from the SDK's call stack. */
  sourcePositions: number;
  /** The other inputs. */
  inputs: number;
  /** The other outputs. */
  outputs: number;
  /** urn, id, type, parent, provider, dependencies, created/modified times, and the braces. */
  engine: number;
}

export interface StateSize {
  /** Length of the export text. */
  exportBytes: number;
  /** Resources of the type weighed. */
  resources: number;
  /** exportBytes / resources: the stack, component and provider records shared out too. */
  bytesPerResource: number;
  /** The mean over the resources of the type. */
  perResource: ResourceBytes;
  /** Length of one `__provider` text (the serialized provider), as the plugin receives it. */
  serializedProviderChars: number;
}

// `pulumi stack export` indents by 4 spaces; each resource sits 3 levels deep
// ({ deployment: { resources: [ {…} ] } }), so its lines carry 12 more spaces than its own JSON.
const INDENT = 4;
const RESOURCE_DEPTH = 3;

function printedBytes(value: unknown): number {
  const text = JSON.stringify(value, null, INDENT).replace(/\n/g, `\n${" ".repeat(INDENT * RESOURCE_DEPTH)}`);
  return Buffer.byteLength(text) + 2; // the ",\n" or "\n" after it, and the indent before it is counted in the line above
}

function without(resource: ExportedResource, drop: { fields?: string[]; provider?: boolean }): ExportedResource {
  const copy: ExportedResource = { ...resource };
  for (const field of drop.fields ?? []) delete copy[field];
  if (drop.provider) {
    for (const side of ["inputs", "outputs"] as const) {
      if (copy[side]) {
        const { __provider: _, ...rest } = copy[side];
        copy[side] = rest;
      }
    }
  }
  return copy;
}

function weigh(resource: ExportedResource): ResourceBytes {
  const total = printedBytes(resource);
  const noProvider = without(resource, { provider: true });
  const serializedProvider = total - printedBytes(noProvider);
  const sourcePositions = total - printedBytes(without(resource, { fields: ["sourcePosition", "stackTrace"] }));
  const inputs = printedBytes(noProvider) - printedBytes(without(noProvider, { fields: ["inputs"] }));
  const outputs = printedBytes(noProvider) - printedBytes(without(noProvider, { fields: ["outputs"] }));
  return { total, serializedProvider, sourcePositions, inputs, outputs, engine: total - serializedProvider - sourcePositions - inputs - outputs };
}

/** Weighs the resources whose type ends with `typeSuffix` in the text of `pulumi stack export`. */
export function stateSize(exportText: string, typeSuffix: string): StateSize {
  const exported = JSON.parse(exportText) as StackExport;
  const resources = (exported.deployment.resources ?? []).filter((r) => r.type.endsWith(typeSuffix));
  if (resources.length === 0) throw new Error(`the export holds no resource of a type ending in ${typeSuffix}`);
  const sum: ResourceBytes = { total: 0, serializedProvider: 0, sourcePositions: 0, inputs: 0, outputs: 0, engine: 0 };
  for (const resource of resources) {
    const bytes = weigh(resource);
    for (const key of Object.keys(sum) as Array<keyof ResourceBytes>) sum[key] += bytes[key];
  }
  for (const key of Object.keys(sum) as Array<keyof ResourceBytes>) sum[key] = Math.round(sum[key] / resources.length);
  const provider = resources[0]!.inputs?.__provider;
  return {
    exportBytes: Buffer.byteLength(exportText),
    resources: resources.length,
    bytesPerResource: Math.round(Buffer.byteLength(exportText) / resources.length),
    perResource: sum,
    serializedProviderChars: typeof provider === "string" ? provider.length : 0,
  };
}
