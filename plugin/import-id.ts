// The import id of a QueryExecutionCancellation: `<projectId>/<queryExecutionId>` (OCIDs hold no `/`).

export const IMPORT_ID_FORMAT = "<projectId>/<queryExecutionId>";

/** The two ids, or an error that shows the format and an example. */
export function parseImportId(id: string): { projectId: string; queryExecutionId: string } {
  const parts = id.split("/");
  if (parts.length !== 2 || parts.some((part) => part.trim() === "")) {
    const shown = id.length > 80 ? `${id.slice(0, 80)}…` : id;
    throw new Error(
      `The import id ${JSON.stringify(shown)} is not ${IMPORT_ID_FORMAT}. Give the project's OCID and the execution's id joined by one "/", ` +
        `for example: pulumi import ociqueryservice:index:QueryExecutionCancellation my-cancel ocid1.queryserviceproject.oc1..aaaa/ocid1.queryexecution.oc1..bbbb`,
    );
  }
  return { projectId: parts[0]!, queryExecutionId: parts[1]! };
}
