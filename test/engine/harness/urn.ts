// URNs as the engine builds them: urn:pulumi:<stack>::<project>::<qualified type>::<name>, where a child's
// qualified type is its parent's qualified type, "$", and its own type (children of the stack excepted).
import type { Alias } from "@pulumi/pulumi/proto/alias_pb.js";

export const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";

export function makeUrn(stack: string, project: string, parentUrn: string, type: string, name: string): string {
  let qualified = type;
  if (parentUrn) {
    const parentType = qualifiedType(parentUrn);
    if (parentType !== ROOT_STACK_TYPE) qualified = `${parentType}$${type}`;
  }
  return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

export function qualifiedType(urn: string): string {
  return urn.split("::")[2] ?? "";
}

export function urnName(urn: string): string {
  return urn.split("::").slice(3).join("::");
}

/** The URNs the aliases of a registration stand for (alias specs, as the SDK sends them with aliasSpecs=true). */
export function aliasUrns(
  aliases: Alias[],
  context: { stack: string; project: string; type: string; name: string; parentUrn: string },
): string[] {
  return aliases.map((alias) => {
    const spec = alias.getSpec();
    if (!spec) return alias.getUrn();
    const parent = spec.getNoparent() ? "" : spec.getParenturn() || context.parentUrn;
    return makeUrn(
      spec.getStack() || context.stack,
      spec.getProject() || context.project,
      parent,
      spec.getType() || context.type,
      spec.getName() || context.name,
    );
  });
}
