#!/usr/bin/env node
// The `tv-harvester` executable: the compiled entry point (`npm run build` writes dist/).
import { existsSync } from "node:fs";

const entry = new URL("../dist/main.js", import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write("tv-harvester is not built: run `npm run build` first (it compiles src/ to dist/).\n");
  process.exit(2);
}
await import(entry.href);
