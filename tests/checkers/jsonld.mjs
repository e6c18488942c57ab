// Every JSON-LD block of the given built sites, type-checked against
// schema.org as the npm package schema-dts describes it: each block becomes a
// TypeScript constant of type WithContext<its @type>, and the TypeScript
// compiler's excess-property check rejects any property schema.org does not
// define for that type (nested objects included, through each property's
// range), an unknown type, or a value of the wrong kind.
//
//   node tests/checkers/jsonld.mjs SITE_DIR...
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const modules = path.join(here, "node_modules");
const sites = process.argv.slice(2);
if (sites.length === 0) {
  console.error("usage: node tests/checkers/jsonld.mjs SITE_DIR...");
  process.exit(2);
}
for (const dep of ["schema-dts", "typescript"]) {
  if (!fs.existsSync(path.join(modules, dep))) {
    console.error(`no ${dep}: run npm ci --prefix tests/checkers`);
    process.exit(2);
  }
}

function* htmlFiles(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* htmlFiles(full);
    else if (entry.name.endsWith(".html")) yield full;
  }
}

const blockPattern = /<script type="application\/ld\+json">([\s\S]*?)<\/script>/g;
const seen = new Map(); // JSON text → the first page that has it
const problems = [];
let pages = 0;
let blocks = 0;
for (const site of sites) {
  for (const file of htmlFiles(site)) {
    pages += 1;
    const html = fs.readFileSync(file, "utf8");
    for (const match of html.matchAll(blockPattern)) {
      blocks += 1;
      let value;
      try {
        value = JSON.parse(match[1]);
      } catch (err) {
        problems.push(`${file}: JSON-LD is not JSON: ${err.message}`);
        continue;
      }
      const text = JSON.stringify(value);
      if (!seen.has(text)) seen.set(text, file);
    }
  }
}

// One constant a block; a comment names its page for the error report.
const lines = ['import type * as S from "schema-dts";'];
let n = 0;
for (const [text, file] of seen) {
  const value = JSON.parse(text);
  const type = value["@type"];
  if (typeof type !== "string" || !/^[A-Za-z][A-Za-z0-9]*$/.test(type)) {
    problems.push(`${file}: top-level @type is not one schema.org type name: ${JSON.stringify(type)}`);
    continue;
  }
  lines.push(`// ${file}`);
  lines.push(`export const b${n}: S.WithContext<S.${type}> = ${JSON.stringify(value, null, 1)};`);
  n += 1;
}
const source = lines.join("\n") + "\n";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "zhan-jsonld-"));
try {
  fs.writeFileSync(path.join(work, "blocks.ts"), source);
  fs.writeFileSync(
    path.join(work, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        target: "es2022",
        module: "esnext",
        moduleResolution: "bundler",
        types: [],
        paths: { "schema-dts": [path.join(modules, "schema-dts")] },
      },
      files: ["blocks.ts"],
    }),
  );
  const tsc = path.join(modules, "typescript", "bin", "tsc");
  try {
    execFileSync(process.execPath, [tsc, "-p", work, "--pretty", "false"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (err) {
    const output = `${err.stdout ?? ""}${err.stderr ?? ""}`;
    // Name the page of each error: the nearest block comment above its line.
    const sourceLines = source.split("\n");
    for (const line of output.split("\n").filter(Boolean)) {
      const at = /blocks\.ts\((\d+),\d+\)/.exec(line);
      let page = "";
      if (at) {
        for (let l = Number(at[1]) - 1; l >= 0; l--) {
          if (sourceLines[l].startsWith("// ")) {
            page = sourceLines[l].slice(3);
            break;
          }
        }
      }
      const message = line.replace(/^.*blocks\.ts/, "blocks.ts");
      problems.push(page ? `${page}: ${message}` : message);
    }
    if (!output.trim()) problems.push(`tsc failed: ${err.message}`);
  }
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}

if (problems.length > 0) {
  for (const p of problems) console.error(p);
  console.error(`JSON-LD: ${problems.length} problems in ${blocks} blocks (${seen.size} distinct) on ${pages} pages`);
  process.exit(1);
}
if (blocks === 0) {
  console.error("JSON-LD: no block found: is this a built site?");
  process.exit(1);
}
console.log(`JSON-LD: ${blocks} blocks (${seen.size} distinct) on ${pages} pages, all schema.org types and properties`);
