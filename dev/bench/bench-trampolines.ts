// Shapes of the `__provider` text (stored twice in every resource's state), measured by the bench
// so BENCHMARKS.md can say what each idea would save: PROVIDER_MODULE, which the class stores;
// `cancellationProvider` serialized as pulumi.dynamic.Resource does (earlier versions stored it);
// and other trampolines, never called, only serialized, to show what the serializer makes of each
// shape. They share provider.ts's forwarder text, so the figures differ by the shape alone.

import * as pulumi from "@pulumi/pulumi";
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { cancellationProvider, PROVIDER_MODULE } from "../../provider/provider.js";

export interface TrampolineShape {
  shape: string;
  bytes: number;
  /** The one QueryExecutionCancellation stores. */
  adopted: boolean;
  /** Why it is not shipped, when it is not. */
  note: string;
}

// The package name is spelled out in each, as in provider.ts: a shared constant would be captured too.
// Each must require() inside its body, at call time, as the engine runs the serialized text.
/* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/no-explicit-any */
function forward(...args: unknown[]): Promise<any> {
  return require("module")
    .createRequire(process.cwd() + "/")("pulumi-oci-query-execution-cancellation/implementation")
    .routeCall(args);
}

function f(...a: unknown[]): Promise<any> {
  return require("module")
    .createRequire(process.cwd() + "/")("pulumi-oci-query-execution-cancellation/implementation")
    .routeCall(a);
}

function byName(...args: unknown[]): Promise<any> {
  return require("pulumi-oci-query-execution-cancellation/implementation").routeCall(args);
}
/* eslint-enable @typescript-eslint/no-require-imports, @typescript-eslint/no-explicit-any */

const shapes: Array<{ shape: string; provider: dynamic.ResourceProvider; note: string }> = [
  {
    shape: "one wrapper per method",
    note: "the first design: every function costs the serializer's ~190-byte wrapper",
    provider: {
      configure: (...a) => forward(...a, "configure"),
      check: (...a) => forward(...a, "check"),
      create: (...a) => forward(...a, "create"),
      read: (...a) => forward(...a, "read"),
      diff: (...a) => forward(...a, "diff"),
      update: (...a) => forward(...a, "update"),
    },
  },
  {
    shape: "shared forwarder; diff's and update's wrappers append their names",
    note: "the shape before issue 11, which measured 1255 bytes with its forwarder's body on three lines",
    provider: {
      configure: forward,
      check: forward,
      create: forward,
      read: forward,
      diff: (id, olds, news) => forward(id, olds, news, "diff"),
      update: (id, olds, news) => forward(id, olds, news, "update"),
    },
  },
  {
    shape: "one forwarder for all six; diff's answer also carries update's outs",
    note: "diff and update get the same (id, olds, news): one routed call would have to answer both, computing update's outputs (and its errors) lazily on every diff; obscure for the bytes",
    provider: { configure: forward, check: forward, create: forward, read: forward, diff: forward, update: forward },
  },
  {
    shape: "that, with one-letter names",
    note: "a few bytes per name, at the cost of a readable state",
    provider: { configure: f, check: f, create: f, read: f, diff: f, update: f },
  },
  {
    shape: "the serialized trampoline, requiring by package name without createRequire",
    note: "resolves only from node_modules: the examples and bench programs inside this package reach it by the package's own name, which needs createRequire",
    provider: { configure: byName, check: byName, create: byName, read: byName, diff: byName, update: (id, olds, news) => byName(id, olds, news, "update") },
  },
];

/** Serializes a provider as `pulumi.dynamic.Resource` does and returns the text's length. */
export async function serializedBytes(provider: dynamic.ResourceProvider): Promise<number> {
  return (await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true })).text.length;
}

/**
 * The stored text first, then the serialized trampoline, then every other shape. The serializer loads Node's built-in
 * modules to recognise captured ones; their load-time warnings (sys, WASI) are not printed.
 */
export async function measureTrampolines(): Promise<TrampolineShape[]> {
  const emitWarning = process.emitWarning;
  process.emitWarning = () => undefined;
  try {
    return await measureAll();
  } finally {
    process.emitWarning = emitWarning;
  }
}

async function measureAll(): Promise<TrampolineShape[]> {
  const stored: TrampolineShape = {
    shape: "a fixed module whose handler() returns cancellationProvider from the installed package (PROVIDER_MODULE)",
    bytes: PROVIDER_MODULE.length,
    adopted: true,
    note: "the same text in every version of the package: an upgrade never changes the state",
  };
  const serialized: TrampolineShape = {
    shape: "cancellationProvider serialized: a shared forwarder for five methods, update's wrapper appends its name",
    bytes: await serializedBytes(cancellationProvider),
    adopted: false,
    note: "what earlier versions stored and dynamic.Resource(cancellationProvider) stores; still routed (routeCall tells diff's (id, olds, news) from read's (id, props) by the count)",
  };
  const others: TrampolineShape[] = [];
  for (const { shape, provider, note } of shapes) others.push({ shape, bytes: await serializedBytes(provider), adopted: false, note });
  return [stored, serialized, ...others];
}
