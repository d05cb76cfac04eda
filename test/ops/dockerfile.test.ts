/**
 * The Dockerfile builds what CI builds (issue 8, items 2, 3 and 7): its build stage runs the same `npm ci`
 * command line as .ci/run and the same build command, in CI's order, after copying what `npm ci`'s
 * postinstall reads; both stages are on a Node.js that package.json's `engines` allows; the runtime stage
 * holds the compiled code and production dependencies only, and runs `node dist/main.js`. Read from the
 * files themselves: a change to either side that breaks the match fails here.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { DockerfileParser, ModifiableInstruction } from "dockerfile-ast";
import semver from "semver";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const read = (file: string) => readFileSync(path.join(root, file), "utf8");

/** One Dockerfile instruction: its keyword (upper case), its flags (`--from=build`) and its arguments. */
interface Instruction {
  keyword: string;
  flags: string[];
  args: string;
}

/**
 * Instructions of a Dockerfile grouped by stage (every FROM starts a stage), as dockerfile-ast (the parser of
 * VS Code's Docker language server) reads them: comments dropped, `\` continuations joined, flags apart from the
 * arguments; runs of white space in the arguments become one space.
 */
function parseDockerfile(text: string): Instruction[][] {
  const stages: Instruction[][] = [];
  for (const parsed of DockerfileParser.parse(text).getInstructions()) {
    const instruction = {
      keyword: parsed.getKeyword().toUpperCase(),
      flags: parsed instanceof ModifiableInstruction ? parsed.getFlags().map((flag) => flag.toString()) : [],
      args: (parsed.getArgumentsContent() ?? "").replace(/\s+/g, " ").trim(),
    };
    if (instruction.keyword === "FROM") stages.push([]);
    stages.at(-1)?.push(instruction);
  }
  return stages;
}

/**
 * The `npm …` commands a shell script runs, each cut at the shell's separators (`;`, `&&`, `||`, `|`, `)`),
 * comments and `echo`ed text left out.
 */
function npmCommands(script: string, subcommand: RegExp): string[] {
  const found: string[] = [];
  for (const raw of script.split("\n")) {
    const line = raw.replace(/(^|\s)#.*$/, "").trim();
    if (line === "" || /^echo\b/.test(line)) continue;
    for (const m of line.matchAll(/\bnpm\s+([^;&|)]*)/g)) {
      const command = `npm ${m[1]!.trim()}`;
      if (subcommand.test(command)) found.push(command);
    }
  }
  return found;
}

/** The shell command of a RUN instruction (shell form only, which is what the Dockerfile uses). */
const runs = (stage: Instruction[]) => stage.filter((i) => i.keyword === "RUN").map((i) => i.args);
const indexOfRun = (stage: Instruction[], pattern: RegExp) => stage.findIndex((i) => i.keyword === "RUN" && pattern.test(i.args));

const stages = parseDockerfile(read("Dockerfile"));
const build = stages[0] ?? [];
const runtime = stages.at(-1) ?? [];
const ci = read(".ci/run");
const pkg = JSON.parse(read("package.json")) as {
  engines?: { node?: string };
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
};

describe("Dockerfile against .ci/run", () => {
  it("has a build stage and a runtime stage", () => {
    expect(stages.length).toBe(2);
    expect(build[0]!.args).toMatch(/ AS build$/i);
  });

  it("installs with the exact `npm ci` command line that CI runs", () => {
    const ciInstalls = npmCommands(ci, /^npm ci\b/);
    const imageInstalls = runs(build).flatMap((r) => npmCommands(r, /^npm ci\b/));
    expect(ciInstalls.length, ".ci/run runs npm ci").toBeGreaterThan(0);
    expect(new Set(ciInstalls).size, `.ci/run installs in more than one way: ${ciInstalls.join(" / ")}`).toBe(1);
    expect(imageInstalls).toEqual([ciInstalls[0]]);
    // What CI installs is what the image installs: neither falls back to `npm install`.
    expect(npmCommands(ci, /^npm (install|i)\b/)).toEqual([]);
    expect(runs(stages.flat()).flatMap((r) => npmCommands(r, /^npm (install|i)\b/))).toEqual([]);
  });

  it("builds with the build command CI runs, package.json's `build` script compiling with tsc", () => {
    const ciBuilds = npmCommands(ci, /^npm run build\b/);
    // CI may build more than once (one Node.js after another), always with the same command.
    expect(ciBuilds.length, ".ci/run runs npm run build").toBeGreaterThan(0);
    expect([...new Set(ciBuilds)]).toEqual(["npm run build"]);
    expect(runs(build).flatMap((r) => npmCommands(r, /^npm run build\b/))).toEqual(["npm run build"]);
    expect(pkg.scripts.build).toMatch(/^tsc -p tsconfig\.build\.json$/);
  });

  it("copies what postinstall reads before `npm ci`, the sources before the build, then prunes dev dependencies", () => {
    const install = indexOfRun(build, /\bnpm ci\b/);
    const compile = indexOfRun(build, /\bnpm run build\b/);
    const prune = indexOfRun(build, /^npm prune --omit=dev\b/);
    expect(install).toBeGreaterThan(0);
    expect(compile).toBeGreaterThan(install);
    expect(prune).toBeGreaterThan(compile);

    const copiedBefore = (index: number) =>
      build
        .slice(0, index)
        .filter((i) => i.keyword === "COPY" && !i.flags.some((f) => f.startsWith("--from")))
        .flatMap((i) => i.args.split(" ").slice(0, -1));
    const covers = (sources: string[], file: string) =>
      sources.some((s) => {
        const pattern = new RegExp(
          `^${s
            .replace(/\/$/, "")
            .replace(/[.+^${}()|[\]\\]/g, "\\$&")
            .replace(/\*/g, "[^/]*")}(/|$)`,
        );
        return pattern.test(file);
      });

    // postinstall: `node scripts/prisma-generate.mjs` → `prisma generate` → prisma.config.ts → its schema.
    const postinstallScript = pkg.scripts.postinstall!.match(/^node (\S+)$/)?.[1];
    expect(postinstallScript, pkg.scripts.postinstall).toBeDefined();
    const schema = read("prisma.config.ts").match(/schema:\s*"([^"]+)"/)?.[1];
    expect(schema).toBeDefined();
    for (const file of ["package.json", "package-lock.json", postinstallScript!, "prisma.config.ts", schema!]) {
      expect(covers(copiedBefore(install), file), `${file} is copied before npm ci`).toBe(true);
    }
    for (const file of ["tsconfig.build.json", "tsconfig.json", "src/main.ts"]) {
      expect(covers(copiedBefore(compile), file), `${file} is copied before npm run build`).toBe(true);
    }
  });

  it("runs both stages on Node.js 24 (the current LTS), which package.json's engines allows", () => {
    for (const stage of stages) expect(stage[0]!.args).toMatch(/^node:24-bookworm-slim\b/);
    expect(pkg.engines?.node).toBeDefined();
    expect(semver.intersects(pkg.engines!.node!, "24.x"), `engines.node ${pkg.engines!.node} excludes Node 24`).toBe(true);
  });

  it("ships compiled JavaScript and production dependencies only, started as `node dist/main.js serve` by user node", () => {
    const copies = runtime.filter((i) => i.keyword === "COPY");
    for (const copy of copies) expect(copy.flags, `runtime COPY ${copy.args} takes from the build context`).toContain("--from=build");
    const sources = copies.map((c) => c.args.split(" ")[0]).sort();
    expect(sources).toEqual(["/app/dist", "/app/node_modules", "/app/package.json", "/app/prisma/migrations"]);
    // dist/db/migrate.js finds the migrations at ../../prisma/migrations, i.e. beside /app/dist.
    expect(runtime.find((i) => i.keyword === "WORKDIR")?.args).toBe("/app");
    expect(copies.find((c) => c.args.startsWith("/app/prisma/migrations"))!.args.split(" ")[1]).toMatch(/^(\.\/|\/app\/)prisma\/migrations$/);
    expect(runtime.find((i) => i.keyword === "USER")?.args).toBe("node");
    expect(JSON.parse(runtime.find((i) => i.keyword === "ENTRYPOINT")!.args)).toEqual(["node", "dist/main.js"]);
    expect(JSON.parse(runtime.find((i) => i.keyword === "CMD")!.args)).toEqual(["serve"]);
    expect(runtime.map((i) => i.args).join("\n")).not.toMatch(/\btsx\b|\.ts\b/);
    // `npm prune --omit=dev` keeps `dependencies`: the run-time tooling must not be among them.
    for (const tool of ["tsx", "typescript", "prisma", "vitest"])
      expect(Object.keys(pkg.dependencies), `${tool} is a production dependency`).not.toContain(tool);
  });

  it("drops what prune keeps of the dev tooling, and keeps every production dependency (read from the lock file)", () => {
    // The step after `npm prune --omit=dev` removes the packages npm flags devOptional, then `npm ls` checks the tree.
    const prune = indexOfRun(build, /^npm prune --omit=dev\b/);
    const drop = indexOfRun(build, /meta\.devOptional\) fs\.rmSync/);
    expect(drop, "a RUN removes the devOptional packages").toBeGreaterThan(prune);
    expect(build[drop]!.args).toContain("npm ls --omit=dev --all");

    // What remains is every lock entry flagged neither dev nor devOptional.
    const lock = JSON.parse(read("package-lock.json")) as {
      packages: Record<string, { dev?: boolean; devOptional?: boolean; optional?: boolean; dependencies?: Record<string, string> }>;
    };
    const kept = new Set(
      Object.entries(lock.packages)
        .filter(([dir, meta]) => dir !== "" && !meta.dev && !meta.devOptional)
        .map(([dir]) => dir),
    );
    for (const tool of ["tsx", "typescript", "prisma", "vitest", "@prisma/engines"])
      expect(kept.has(`node_modules/${tool}`), `${tool} in the runtime image`).toBe(false);
    // Node's resolution from a package's folder upwards finds each required dependency among what is kept.
    const resolve = (from: string, name: string) => {
      for (let dir = from; ; dir = dir.slice(0, Math.max(dir.lastIndexOf("/node_modules/"), 0))) {
        const candidate = dir === "" ? `node_modules/${name}` : `${dir}/node_modules/${name}`;
        if (kept.has(candidate)) return candidate;
        if (dir === "") return undefined;
      }
    };
    for (const name of Object.keys(pkg.dependencies)) expect(resolve("", name), `dependency ${name}`).toBeDefined();
    for (const dir of kept) {
      for (const name of Object.keys(lock.packages[dir]!.dependencies ?? {})) expect(resolve(dir, name), `${dir} requires ${name}`).toBeDefined();
    }
  });

  it("keeps secrets, local state and host builds out of the context without hiding what the build copies", () => {
    const ignored = read(".dockerignore")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "" && !l.startsWith("#"));
    for (const entry of [".env", ".data", "node_modules", "dist", "src/generated", ".git"]) expect(ignored, entry).toContain(entry);
    const matches = (pattern: string, file: string) =>
      new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*")}(/|$)`).test(file);
    const copied = build.filter((i) => i.keyword === "COPY" && i.flags.length === 0).flatMap((i) => i.args.split(" ").slice(0, -1));
    for (const source of copied) {
      for (const file of source.includes("*") ? ["tsconfig.json", "tsconfig.build.json"] : [source.replace(/\/$/, "")]) {
        for (const pattern of ignored) expect(matches(pattern, file), `.dockerignore's ${pattern} hides ${file}`).toBe(false);
      }
    }
  });
});
