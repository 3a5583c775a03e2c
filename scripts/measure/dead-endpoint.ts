// Issue 12, item 5: what a user sees while create talks to an endpoint that cannot answer: a closed
// port (http://127.0.0.1:9) and an unknown host (https://no-such-host.invalid). It runs the
// provider's create with its production retry policy and real waits, and prints how long the
// create took to fail, how many progress lines the provider printed, and the longest silence.
//
//   npm run build --silent && node dist/scripts/measure/dead-endpoint.js

import { createImplementation } from "../../provider/implementation.js";
import { throwawayCredentials } from "./common.js";

async function run(endpoint: string): Promise<void> {
  const key = throwawayCredentials();
  const config: Record<string, string> = {
    "oci:privateKey": key.privateKey,
    "oci:tenancyOcid": key.tenancy,
    "oci:userOcid": key.user,
    "oci:fingerprint": key.fingerprint,
  };
  let started = performance.now();
  const marks = [0];
  const lines: string[] = [];
  const implementation = createImplementation({
    log: (line) => {
      marks.push(performance.now() - started);
      lines.push(line);
    },
  });
  await implementation.configure({ config: { get: (k: string) => config[k], require: (k: string) => config[k] ?? "" } } as never);
  started = performance.now();
  const result = await implementation
    .create({ projectId: "ocid1.queryserviceproject.oc1..p", queryExecutionId: "ocid1.queryexecution.oc1..q", endpoint })
    .then(() => "created", (e: unknown) => (e as Error).message);
  const total = performance.now() - started;
  marks.push(total);
  const silence = Math.max(...marks.slice(1).map((m, i) => m - marks[i]!));
  implementation.close();
  console.log(`\nendpoint ${endpoint}`);
  console.log(`  failed after:     ${(total / 1000).toFixed(1)} s`);
  console.log(`  progress lines:   ${lines.length}`);
  console.log(`  longest silence:  ${(silence / 1000).toFixed(1)} s`);
  for (const line of lines.slice(0, 3)) console.log(`  e.g. ${line}`);
  console.log(`  error: ${result.slice(0, 300)}`);
}

async function main(): Promise<void> {
  await run("http://127.0.0.1:9");
  await run("https://no-such-host.invalid");
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
