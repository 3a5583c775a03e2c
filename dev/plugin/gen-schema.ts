// `npm run gen:schema`: writes plugin/schema.json from the schema table (provider/schema.ts).
// Prints the file's absolute path as its last line.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../plugin-harness/host.js";
import { schemaText } from "../../plugin/schema-json.js";

const target = join(REPO_ROOT, "plugin", "schema.json");
writeFileSync(target, schemaText());
process.stdout.write(`${target}\n`);
