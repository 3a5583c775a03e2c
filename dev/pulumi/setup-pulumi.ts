// `npm run setup:pulumi`: finds or builds the real Pulumi CLI (dev/pulumi/pulumi-cli.ts) and the
// S3-compatible object store the tests run it against (dev/pulumi/object-store.ts), and prints, as
// its last line, the absolute folder holding pulumi, its language hosts (Node.js, Python, YAML) and
// the dynamic-provider plugin shim, so other tools can put it first on PATH.
// `--quiet` (what `npm test` runs): only the progress of a build, which takes minutes, and errors.

import { ensureObjectStore } from "./object-store.js";
import { ensurePulumiCli } from "./pulumi-cli.js";

const quiet = process.argv.includes("--quiet");
const log = (line: string) => process.stderr.write(`${line}\n`);

async function setUp(): Promise<string> {
  const cli = await ensurePulumiCli(log);
  if (!quiet) log(`Pulumi CLI ${cli.version} (${cli.source}).`);
  const store = await ensureObjectStore(log);
  if (!quiet) log(`Object store versitygw ${store.version} (${store.source}): ${store.file}.`);
  return cli.binDir;
}

setUp().then(
  (binDir) => {
    if (!quiet) process.stdout.write(`${binDir}\n`);
  },
  (e: unknown) => {
    log(`setup:pulumi: ${(e as Error).message}`);
    process.exit(1);
  },
);
