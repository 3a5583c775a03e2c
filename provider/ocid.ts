// What an Oracle Cloud id (OCID) looks like, for the checks of ids that cannot be one (a warning
// on the resource, a refusal of oci-query-cleanup's --project-id). Pure: no request.
// Documented form: ocid1.<resource type>.<realm>.[region][.future use].<unique id>, e.g.
// ocid1.queryserviceproject.oc1.iad.aaaa… (a regional resource) or ocid1.tenancy.oc1..aaaa…
// (no region). The emulator's ids have the same form (ocid1.queryserviceproject.oc1.iad.emulator,
// ocid1.queryexecution.oc1.iad.<32 hex>).

import { quoted } from "./client/validate.js";

// Version, resource type, realm, then any number of region / future-use parts (each may be empty,
// as a global resource's region is), then a non-empty unique id. No part holds a dot, so an id of
// at most 255 characters is matched quickly.
const OCID = /^ocid\d+\.([a-z0-9]+)\.[a-z0-9]+(?:\.[a-z0-9_-]*)*\.[a-z0-9_-]+$/i;

/** The form a message shows after an id that is not an OCID. */
const OCID_FORM = "ocid1.<resource type>.<realm>.[region].<unique id>, as in ocid1.queryserviceproject.oc1.iad.aaaa…";

/**
 * Why `text` cannot be an OCID (of `resourceType`, when given): `not an OCID`, or `an OCID of a
 * compartment, not of a queryserviceproject`; undefined when it can be one. Checks the form only:
 * an id of the right form may still name nothing.
 */
export function ocidFormProblem(text: string, resourceType?: string): string | undefined {
  const match = OCID.exec(text);
  if (!match) return "not an OCID";
  const type = match[1]!.toLowerCase();
  if (resourceType !== undefined && type !== resourceType) return `an OCID of a ${type}, not of a ${resourceType}`;
  return undefined;
}

/**
 * `ocidFormProblem` as a sentence naming the value: `what` is the setting (`projectId`,
 * `--project-id`), and the reason ends with the form an OCID has.
 */
export function ocidProblem(value: string, what: string, resourceType?: string): string | undefined {
  const problem = ocidFormProblem(value, resourceType);
  return problem && `${what} ${quoted(value)} is ${problem} (${OCID_FORM})`;
}
