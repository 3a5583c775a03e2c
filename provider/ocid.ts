// What an Oracle Cloud id (OCID) looks like, for warnings about ids that cannot be one.
// Documented form: ocid1.<resource type>.<realm>.[region][.future use].<unique id>, e.g.
// ocid1.queryserviceproject.oc1.iad.aaaa… (a regional resource) or ocid1.tenancy.oc1..aaaa…
// (no region). The emulator's ids have the same form (ocid1.queryexecution.oc1.iad.<hex>).

import { quoted } from "./client/validate.js";

// Version, resource type, realm, then any number of region / future-use parts (each may be empty,
// as a global resource's region is), then a non-empty unique id. Every part is split on dots,
// so matching is linear in the id's length.
const OCID = /^ocid\d+\.[a-z0-9]+\.[a-z0-9]+(?:\.[a-z0-9-]*)*\.[a-z0-9_-]+$/i;

/**
 * Why `value` cannot be an OCID, or undefined when it has an OCID's form. `what` names the value
 * in the reason (`projectId`, `--project-id`). Checks the form only: an id of the right form may
 * still name nothing.
 */
export function ocidProblem(value: string, what: string): string | undefined {
  if (OCID.test(value)) return undefined;
  return `${what} ${quoted(value)} is not an OCID (ocid1.<resource type>.<realm>.[region].<unique id>, as in ocid1.queryserviceproject.oc1.iad.aaaa…)`;
}
