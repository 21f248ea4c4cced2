// Validate sample CloudEvents envelopes against contracts/events/<type>.json with ajv, the way
// a Node.js consumer would before trusting `data`.
//
//   node src/validate-events.mjs [samples-dir]     (default: ../../var/event-samples/)
//
// Every *.json in the samples directory is one envelope; its `type` names the schema. Exits 1
// when a sample is invalid, names a type without a schema, or the directory has no samples.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const here = dirname(fileURLToPath(import.meta.url));
const schemaDir = resolve(here, "../../events");
const sampleDir = resolve(process.argv[2] ?? resolve(here, "../../../var/event-samples"));

const jsonFiles = (dir) =>
    readdirSync(dir, { withFileTypes: true })
        .filter((entry) => entry.isFile() && entry.name.endsWith(".json"))
        .map((entry) => join(dir, entry.name))
        .sort();
const readJson = (file) => JSON.parse(readFileSync(file, "utf8"));

// strict: a schema using an unknown keyword is a schema bug, not something to skip silently.
const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats(ajv);
const validators = new Map();
for (const file of jsonFiles(schemaDir)) {
    const type = file.slice(file.lastIndexOf("/") + 1, -".json".length);
    validators.set(type, ajv.compile(readJson(file)));
}

let samples;
try {
    samples = jsonFiles(sampleDir);
} catch (error) {
    console.error(`cannot read samples in ${sampleDir}: ${error.message}`);
    process.exit(1);
}
if (samples.length === 0) {
    console.error(`no event samples in ${sampleDir}: run the Python tests first (they write them)`);
    process.exit(1);
}

const failures = [];
const types = new Set();
for (const file of samples) {
    let envelope;
    try {
        envelope = readJson(file);
    } catch (error) {
        failures.push(`${file}: not JSON (${error.message})`);
        continue;
    }
    const validate = validators.get(envelope?.type);
    if (validate === undefined) {
        failures.push(`${file}: no schema for type ${JSON.stringify(envelope?.type)} in ${schemaDir}`);
        continue;
    }
    types.add(envelope.type);
    if (!validate(envelope.data)) {
        for (const error of validate.errors) {
            failures.push(`${file}: data${error.instancePath} ${error.message}`);
        }
    }
}

for (const failure of failures) console.error(failure);
const verdict = failures.length === 0 ? "all valid" : `${failures.length} failure(s)`;
console.log(`${samples.length} samples, ${types.size} types (${validators.size} schemas), ${verdict}`);
process.exit(failures.length === 0 ? 0 : 1);
