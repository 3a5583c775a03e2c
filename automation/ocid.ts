// Whether a text can be an Oracle Cloud id (OCID) of a given resource type. Pure: no request.
//
// OCIDs read `ocid1.<resource type>.<realm>.[region][.future use].<unique id>`: real ones are
// `ocid1.queryserviceproject.oc1.iad.aaaa…` (region may be empty, as in `ocid1.tenancy.oc1..aaaa…`),
// and the emulator's are `ocid1.queryserviceproject.oc1.iad.emulator` and
// `ocid1.queryexecution.oc1.iad.<32 hex>`.

const PART = "[a-z0-9_-]+";
const OCID = new RegExp(`^ocid1\\.(${PART})\\.${PART}\\.(?:[a-z0-9_-]*)(?:\\.${PART})?\\.${PART}$`);

/**
 * Why `text` cannot be an OCID of `resourceType` (`not an OCID`, `an OCID of a compartment, not of
 * a queryserviceproject`), or undefined when it can be one.
 */
export function ocidProblem(text: string, resourceType: string): string | undefined {
  const match = OCID.exec(text);
  if (!match) return "not an OCID";
  const type = match[1]!;
  if (type !== resourceType) return `an OCID of a ${type}, not of a ${resourceType}`;
  return undefined;
}
