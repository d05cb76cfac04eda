/**
 * docker-compose.yml validates against the Compose Specification's JSON schema (vendored, see
 * test/ops/vendor/README.md), every file or directory it mounts or builds from exists, every variable it
 * interpolates is documented in compose.env.example, and Prometheus scrapes the services it defines.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { Ajv2019 } from "ajv/dist/2019.js";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const root = path.resolve(import.meta.dirname, "../..");
const schemaFile = path.join(import.meta.dirname, "vendor/compose-spec.schema.json");
const composeText = readFileSync(path.join(root, "docker-compose.yml"), "utf8");

interface Service {
  build?: string | { context?: string; dockerfile?: string };
  volumes?: (string | { type: string; source?: string; target: string })[];
  env_file?: string | string[];
  ports?: string[];
}
interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

/**
 * The schema's 2021 revision still carries draft-04 `id` keywords beside `$id`; Ajv 8 rejects those, and
 * they only name subschemas, so they are dropped before compiling. Nothing else is changed.
 */
function withoutLegacyIds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutLegacyIds);
  if (node && typeof node === "object") {
    return Object.fromEntries(Object.entries(node).filter(([k, v]) => !(k === "id" && typeof v === "string")).map(([k, v]) => [k, withoutLegacyIds(v)]));
  }
  return node;
}

function validator() {
  const schema = withoutLegacyIds(JSON.parse(readFileSync(schemaFile, "utf8"))) as Record<string, unknown>;
  delete schema.$schema;
  const ajv = new Ajv2019({ allErrors: true, strict: false });
  // The Compose schema's own formats (docker/compose's loader checks them); given as patterns here.
  ajv.addFormat("duration", /^([+-]?\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
  ajv.addFormat("ports", /^((\[?[\d.:a-fA-F]*\]?:)?(\d+(-\d+)?:)?)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat("expose", /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat("subnet_ip_address", /^[\d.:a-fA-F]+\/\d{1,3}$/);
  return ajv.compile(schema);
}

describe("docker-compose.yml", () => {
  const compose = parse(composeText) as ComposeFile;

  it("uses the vendored schema recorded in vendor/README.md", () => {
    const sha = createHash("sha256").update(readFileSync(schemaFile)).digest("hex");
    expect(readFileSync(path.join(import.meta.dirname, "vendor/README.md"), "utf8")).toContain(sha);
  });

  it("validates against the Compose Specification", () => {
    const validate = validator();
    const ok = validate(compose);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(ok).toBe(true);
  });

  it("the validation catches mistakes (an unknown service key, a wrong type)", () => {
    const validate = validator();
    const typo = structuredClone(compose) as unknown as { services: Record<string, Record<string, unknown>> };
    typo.services.harvester!.restart_policy = "always";
    expect(validate(typo)).toBe(false);
    const wrongType = structuredClone(compose) as unknown as { services: Record<string, Record<string, unknown>> };
    wrongType.services.postgres!.healthcheck = { test: ["CMD", "true"], retries: "many" };
    expect(validate(wrongType)).toBe(false);
  });

  it("has the services of the stack, postgres with a volume and a healthcheck, the harvester in serve mode", () => {
    expect(Object.keys(compose.services).sort()).toEqual(["alertmanager", "grafana", "harvester", "postgres", "prometheus", "pushgateway"]);
    const raw = parse(composeText) as { services: Record<string, Record<string, unknown>> };
    expect(raw.services.postgres!.healthcheck).toBeDefined();
    expect(compose.services.postgres!.volumes).toContain("postgres-data:/var/lib/postgresql/data");
    expect(raw.services.harvester!.command).toEqual(["serve"]);
    expect(raw.services.harvester!.depends_on).toEqual({ postgres: { condition: "service_healthy" } });
  });

  it("mounts and builds only files that exist", () => {
    const named = new Set(Object.keys(compose.volumes ?? {}));
    let checked = 0;
    for (const [name, service] of Object.entries(compose.services)) {
      for (const volume of service.volumes ?? []) {
        const source = typeof volume === "string" ? volume.split(":")[0]! : (volume.source ?? "");
        if (named.has(source)) continue;
        expect(source.startsWith("./"), `${name}: ${source} is neither a named volume nor a relative path`).toBe(true);
        expect(existsSync(path.join(root, source)), `${name} mounts ${source}`).toBe(true);
        checked++;
      }
      if (service.build !== undefined) {
        const context = typeof service.build === "string" ? service.build : (service.build.context ?? ".");
        const dockerfile = typeof service.build === "string" ? "Dockerfile" : (service.build.dockerfile ?? "Dockerfile");
        expect(existsSync(path.join(root, context, dockerfile)), `${name} builds ${context}/${dockerfile}`).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(6);
  });

  it("takes secrets from the env file only, and documents every variable in compose.env.example", () => {
    // .env itself is never committed; its template is.
    const example = readFileSync(path.join(root, "compose.env.example"), "utf8");
    const documented = new Set([...example.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));
    const interpolated = [...composeText.matchAll(/(?<!\$)\$\{([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]!);
    expect(interpolated.length).toBeGreaterThan(5);
    for (const name of interpolated) expect(documented.has(name), `${name} missing from compose.env.example`).toBe(true);
    for (const service of Object.values(compose.services)) {
      if (service.env_file !== undefined) expect(service.env_file).toBe(".env");
    }
    // Secret-looking environment values are interpolations from .env, never literals.
    const raw = parse(composeText) as { services: Record<string, { environment?: Record<string, string> }> };
    for (const [name, service] of Object.entries(raw.services)) {
      for (const [key, value] of Object.entries(service.environment ?? {})) {
        if (/PASSWORD|API_KEY|TOKEN|WEBHOOK/.test(key)) expect(value, `${name}.${key}`).toMatch(/^\$\{[A-Z_]+(:[-?][^}]*)?\}$/);
      }
    }
    expect(readFileSync(path.join(root, ".gitignore"), "utf8")).toMatch(/^\.env$/m);
  });

  it("matches what Prometheus and Grafana expect of the service names and ports", () => {
    const prometheus = readFileSync(path.join(root, "prometheus/prometheus.yml"), "utf8");
    for (const target of ["harvester:9464", "pushgateway:9091", "alertmanager:9093"]) expect(prometheus).toContain(target);
    const datasources = readFileSync(path.join(root, "grafana/provisioning/datasources/tv-harvester.yml"), "utf8");
    expect(datasources).toContain("http://prometheus:9090");
    expect(datasources).toContain("url: postgres:5432");
    const raw = parse(composeText) as { services: { harvester: { environment: Record<string, string> } } };
    expect(raw.services.harvester.environment.METRICS_PORT).toBe("9464");
  });
});
