// What the emulator CLI prints once it listens: where it is, what it holds, and the settings a
// program or `oci-query-cleanup` needs, as lines a user can paste into a shell. Pure: the
// environment comes in as a parameter.

export interface BannerFacts {
  url: string;
  auth: boolean;
  configFile: string;
  profile: string;
  /** Given: the config file stays there across restarts; otherwise it goes with the process. */
  credentialsDir: string | undefined;
  projectId: string;
  executions: Array<{ id: string; name: string }>;
  /** The CA certificate's file, with --https. */
  caFile: string | undefined;
  /** The emulator's own environment, to spot settings that would win over the pasted ones. */
  env: NodeJS.ProcessEnv;
}

// Read before OCI_CONFIG_FILE and the config file's DEFAULT profile (README "Configuration").
const WINNING_VARIABLES = ["OCI_CLI_CONFIG_FILE", "OCI_CLI_PROFILE", "OCI_CLI_AUTH"];

export function banner(f: BannerFacts): string {
  const kept = f.credentialsDir
    ? "kept: the same file works after a restart with the same --credentials-dir"
    : "removed on exit; start with --credentials-dir DIR to keep it across restarts";
  const lines = [
    `Query Service emulator listening on ${f.url}`,
    `  endpoint:     ${f.url}`,
    `  auth:         ${f.auth ? "on (requests must be signed)" : "off (unsigned requests accepted)"}`,
    `  config file:  ${f.configFile} (${kept})`,
    `  profile:      ${f.profile}`,
    `  project id:   ${f.projectId}`,
  ];
  if (f.caFile) lines.push(`  CA cert:      ${f.caFile}`);
  if (f.executions.length === 0) lines.push("  running executions: none (use --executions N)");
  else {
    lines.push(`  ${f.executions.length} running execution(s):`);
    const width = Math.max(...f.executions.map((e) => e.id.length));
    for (const { id, name } of f.executions) lines.push(`    ${id.padEnd(width)}  ${name}`);
  }
  lines.push("", "Settings for a Pulumi program or oci-query-cleanup (paste into the shell that runs it):");
  const shadowing = WINNING_VARIABLES.filter((name) => f.env[name]);
  if (shadowing.length > 0) lines.push(`  unset ${shadowing.join(" ")}  # set here, ${shadowing.length > 1 ? "they" : "it"} would win over the lines below`);
  lines.push(`  export OCI_CONFIG_FILE=${shellWord(f.configFile)}`, `  export OCI_QUERY_SERVICE_ENDPOINT=${f.url}`);
  if (f.caFile) lines.push(`  export NODE_EXTRA_CA_CERTS=${shellWord(f.caFile)}`);
  lines.push(
    `or, for one stack only, instead of the endpoint variable:  pulumi config set queryservice:endpoint ${f.url}`,
    `then, e.g.:  oci-query-cleanup --project-id ${shellWord(f.projectId)} --name '^query-' --preview`,
    "",
    `Admin routes: ${f.url}/_emulator/requests, /_emulator/stats, /_emulator/faults`,
    "Press Ctrl-C to stop.",
    "",
  );
  return lines.join("\n");
}

/** A shell word that means `text`: as is when it is plain, else single-quoted. */
export function shellWord(text: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
