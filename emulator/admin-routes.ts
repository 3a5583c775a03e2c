// The emulator-only routes under /_emulator/: the JS API's controls over HTTP. No auth, never in
// the request log, and no side effect but the one each route names (reading has none).

import type { Answer } from "./answer.js";
import { FaultSpecError, validateFault, validateRateLimit, type EmulatorFaults } from "./faults.js";
import { wireErrorAnswer, type WireErrorCode } from "./errors.js";
import type { RecordedRequest } from "./request-log.js";
import { KNOWN_STATES, type Store } from "./store.js";
import type { EmulatorStats } from "./types.js";

/** A path the client never uses. */
export const ADMIN_PREFIX = "/_emulator";

/** What the admin routes act on: the running emulator. */
export interface AdminTarget {
  readonly store: Store;
  readonly faults: EmulatorFaults;
  requests(operation?: string): RecordedRequest[];
  stats(): EmulatorStats;
  reset(): void;
}

const ok = (status: number, value: unknown): Answer => ({ status, headers: {}, body: JSON.stringify(value) });
const bad = (code: WireErrorCode, message: string): Answer => wireErrorAnswer(code, message);

/** The answer to one admin request; `path` starts with ADMIN_PREFIX. */
export function adminAnswer(emu: AdminTarget, method: string, path: string, query: URLSearchParams, body: Buffer): Answer {
  const readJson = (): { value: unknown } | Answer => {
    const text = body.toString("utf8").trim();
    if (!text) return { value: undefined };
    try {
      return { value: JSON.parse(text) };
    } catch {
      return bad("CannotParseRequest", "The request body is not valid JSON.");
    }
  };
  const sub = path.slice(ADMIN_PREFIX.length);
  const allow = (methods: string[], run: () => Answer): Answer =>
    methods.includes(method)
      ? run()
      : wireErrorAnswer("MethodNotAllowed", `${method} is not allowed on ${path}; use ${methods.join(" or ")}.`, { allow: methods.join(", ") });

  try {
    switch (sub) {
      case "/faults":
        return allow(["GET", "POST", "DELETE"], () => {
          if (method === "GET") return ok(200, { items: emu.faults.list() });
          if (method === "DELETE") {
            emu.faults.clear();
            return ok(200, { cleared: true });
          }
          const parsed = readJson();
          if (!("value" in parsed)) return parsed;
          return ok(201, { id: emu.faults.add(validateFault(parsed.value)) });
        });
      case "/rate-limit":
        return allow(["POST", "DELETE"], () => {
          if (method === "DELETE") {
            emu.faults.rateLimit(null);
            return ok(200, { rateLimit: null });
          }
          const parsed = readJson();
          if (!("value" in parsed)) return parsed;
          const spec = parsed.value === null ? null : validateRateLimit(parsed.value);
          emu.faults.rateLimit(spec);
          return ok(200, { rateLimit: spec });
        });
      case "/requests":
        return allow(["GET"], () => ok(200, { items: emu.requests(query.get("operation") ?? undefined) }));
      case "/reset":
        return allow(["POST"], () => {
          emu.reset();
          return ok(200, { reset: true });
        });
      case "/stats":
        return allow(["GET"], () => ok(200, emu.stats()));
      case "/executions":
        return allow(["POST"], () => {
          const parsed = readJson();
          if (!("value" in parsed)) return parsed;
          return seed(emu.store, parsed.value ?? {});
        });
    }
    if (sub.startsWith("/executions/")) {
      return allow(["GET"], () => {
        let id: string;
        try {
          id = decodeURIComponent(sub.slice("/executions/".length));
        } catch {
          return bad("InvalidParameter", "The execution id is not valid percent-encoding.");
        }
        const rec = emu.store.findById(id);
        if (!rec) return bad("NotAuthorizedOrNotFound", `No execution ${id}.`);
        return ok(200, { ...emu.store.view(rec), effectiveCancels: emu.store.effectiveCancels(id) });
      });
    }
    return bad("NotFound", `There is no emulator route at ${method} ${path.slice(0, 300)}.`);
  } catch (e) {
    if (e instanceof FaultSpecError || e instanceof TypeError) return bad("InvalidParameter", e.message);
    throw e;
  }
}

/** POST /_emulator/executions: `{projectId?, count?, lifecycleState?, name?, runForMs?}` → `{items}`. */
function seed(store: Store, input: unknown): Answer {
  const invalid = (message: string) => bad("InvalidParameter", message);
  if (typeof input !== "object" || input === null || Array.isArray(input)) return invalid("The seed must be a JSON object.");
  const { projectId, count = 1, lifecycleState = "IN_PROGRESS", name, runForMs } = input as Record<string, unknown>;
  if (projectId !== undefined && (typeof projectId !== "string" || !projectId || projectId.length > 255))
    return invalid("projectId must be 1..255 characters.");
  if (typeof count !== "number" || !Number.isInteger(count) || count < 1 || count > 1000) return invalid("count must be an integer 1..1000.");
  if (typeof lifecycleState !== "string" || !(KNOWN_STATES as readonly string[]).includes(lifecycleState))
    return invalid(`lifecycleState must be one of ${KNOWN_STATES.join(", ")}.`);
  if (name !== undefined && (typeof name !== "string" || !name || name.length > 255)) return invalid("name must be 1..255 characters.");
  if (runForMs !== undefined && (typeof runForMs !== "number" || runForMs < 0))
    return invalid("runForMs must be a number >= 0 (omit it to run until cancelled).");
  const items = [];
  for (let i = 0; i < count; i++) {
    const { projectId: p, id } = store.addExecution({
      ...(projectId !== undefined ? { projectId: projectId as string } : {}),
      ...(name !== undefined ? { name: name as string } : {}),
      ...(runForMs !== undefined ? { runForMs: runForMs as number } : {}),
      lifecycleState,
    });
    items.push(store.get(p, id));
  }
  return ok(200, { items });
}
