// Which stack keeps a project's record: one per Query Service project, named after it, so two
// projects never share (or overwrite) each other's cancellations.

import { createHash } from "node:crypto";

/** The Pulumi project every cleanup stack belongs to. */
export const PULUMI_PROJECT = "oci-query-cleanup";

// Pulumi stack names: letters, digits, "-", "_" and ".", at most 100 characters.
const STACK_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
// An organization (Pulumi Cloud) may be given in front: `acme/nightly`.
const STACK_FLAG = /^(?:([A-Za-z0-9][A-Za-z0-9_.-]{0,99})\/)?([A-Za-z0-9][A-Za-z0-9._-]{0,99})$/;

/**
 * The project id itself when it is a valid stack name (OCIDs are: `ocid1.queryserviceproject.oc1.iad.aaaa…`),
 * else a readable tail of it plus a digest, so different ids never share a stack.
 */
export function defaultStackName(projectId: string): string {
  if (STACK_NAME.test(projectId)) return projectId;
  const digest = createHash("sha256").update(projectId).digest("hex").slice(0, 16);
  // "p-" + tail + "-" + digest fits in 100 characters.
  const tail = projectId.replace(/[^A-Za-z0-9._-]+/g, "-").slice(-(100 - 3 - digest.length));
  return tail ? `p-${tail}-${digest}` : `p-${digest}`;
}

/**
 * The name the Automation API selects for `--stack NAME` or `--stack ORG/NAME`, or undefined when
 * the flag is not a stack name Pulumi accepts.
 */
export function qualifiedStackName(flag: string): string | undefined {
  const match = STACK_FLAG.exec(flag);
  if (!match) return undefined;
  const [, org, name] = match;
  return org ? `${org}/${PULUMI_PROJECT}/${name}` : name;
}
