// `npm run setup:pulumi`: finds or builds the real Pulumi CLI (dev/pulumi/pulumi-cli.ts) and
// prints, as its last line, the absolute folder holding pulumi, its language hosts (Node.js,
// Python, YAML) and the dynamic-provider plugin shim, so other tools can put it first on PATH.
// `--quiet` (what `npm test` runs): only the progress of a build, which takes minutes, and errors.

import { ensurePulumiCli } from "./pulumi-cli.js";

const quiet = process.argv.includes("--quiet");

ensurePulumiCli((line) => process.stderr.write(`${line}\n`)).then(
  (cli) => {
    if (quiet) return;
    process.stderr.write(`Pulumi CLI ${cli.version} (${cli.source}).\n`);
    process.stdout.write(`${cli.binDir}\n`);
  },
  (e: unknown) => {
    process.stderr.write(`setup:pulumi: ${(e as Error).message}\n`);
    process.exit(1);
  },
);
