/**
 * deploy/kubernetes (issue 21, item 6): both kustomizations render (with `kubectl kustomize` when installed, and
 * always with the test's own renderer of the resources list), every object validates against the Kubernetes
 * API's schemas (kubernetes-models), every container's arguments are a command line the CLI's commander program
 * accepts, and the CronJob is one a cluster can retry safely: Forbid, deadlines, a backoff limit whose retries
 * resume the Job's keyed run, a grace period longer than the harvester's shutdown deadline, memory above the
 * measured peak RSS, non-root with a read-only root file system, Secrets referenced and never inlined.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { runCli } from "../../src/cli.js";
import { NOT_RETRYABLE_EXIT_CODES } from "../../src/exit-codes.js";
import { kubectlKustomize, renderKustomization, type Manifest } from "./kustomize.js";

const root = path.resolve(import.meta.dirname, "../..");
const overlays = ["cronjob", "serve"] as const;
const rendered = Object.fromEntries(overlays.map((o) => [o, renderKustomization(path.join(root, "deploy/kubernetes", o))]));

/** The harvester's default shutdown deadline (SIGTERM → in-flight writes done → exit), seconds. */
const SHUTDOWN_DEADLINE_SECONDS = 10;
/** Variables whose values are secrets: only ever from a Secret (secretKeyRef), never a literal. */
const SECRET_VARIABLES = ["DATABASE_URL", "TMDB_API_KEY", "TMDB_ACCESS_TOKEN", "OMDB_API_KEY", "READER_ROLE_PASSWORD"];

const quantity = z.union([z.string(), z.number()]);
const containerSchema = z.looseObject({
  name: z.string(),
  image: z.string(),
  command: z.array(z.string()).optional(),
  args: z.array(z.string()),
  env: z
    .array(
      z.object({
        name: z.string(),
        value: z.string().optional(),
        valueFrom: z
          .looseObject({
            secretKeyRef: z.object({ name: z.string(), key: z.string(), optional: z.boolean().optional() }).optional(),
            fieldRef: z.object({ fieldPath: z.string() }).optional(),
          })
          .optional(),
      }),
    )
    .default([]),
  resources: z.object({ requests: z.record(z.string(), quantity), limits: z.record(z.string(), quantity) }),
  securityContext: z.looseObject({ readOnlyRootFilesystem: z.literal(true), allowPrivilegeEscalation: z.literal(false) }),
  volumeMounts: z.array(z.object({ name: z.string(), mountPath: z.string() })).default([]),
  livenessProbe: z.looseObject({ httpGet: z.looseObject({ path: z.string() }) }).optional(),
  readinessProbe: z.looseObject({ httpGet: z.looseObject({ path: z.string() }) }).optional(),
});
const podSpecSchema = z.looseObject({
  terminationGracePeriodSeconds: z.number().optional(),
  securityContext: z.looseObject({ runAsNonRoot: z.literal(true), runAsUser: z.number().positive() }),
  initContainers: z.array(containerSchema).default([]),
  containers: z.array(containerSchema),
  volumes: z.array(z.looseObject({ name: z.string(), emptyDir: z.looseObject({ medium: z.string().optional() }).optional() })).default([]),
});
const cronJobSchema = z.looseObject({
  spec: z.looseObject({
    schedule: z.string(),
    concurrencyPolicy: z.string(),
    startingDeadlineSeconds: z.number(),
    jobTemplate: z.looseObject({
      spec: z.looseObject({
        backoffLimit: z.number(),
        activeDeadlineSeconds: z.number(),
        podFailurePolicy: z.object({
          rules: z.array(
            z.looseObject({
              action: z.string(),
              onExitCodes: z.object({ containerName: z.string(), operator: z.string(), values: z.array(z.number()) }).optional(),
            }),
          ),
        }),
        template: z.looseObject({ spec: podSpecSchema }),
      }),
    }),
  }),
});

/** The pod specs of an object (CronJob, Job, Deployment), or none. */
function podSpecs(o: Manifest): z.infer<typeof podSpecSchema>[] {
  if (o.kind === "CronJob") return [cronJobSchema.parse(o).spec.jobTemplate.spec.template.spec];
  if (o.kind === "Job" || o.kind === "Deployment") return [workloadSchema.parse(o).spec.template.spec];
  return [];
}

/** A Job's or a Deployment's pod template. */
const workloadSchema = z.looseObject({ spec: z.looseObject({ template: z.looseObject({ spec: podSpecSchema }) }) });

function one(objects: Manifest[], kind: string): Manifest {
  const found = objects.filter((o) => o.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0] as Manifest;
}

/** Bytes of a Kubernetes memory quantity (Ki, Mi, Gi, or plain bytes). */
function bytes(q: string | number): number {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi)?$/.exec(String(q));
  if (!m) throw new Error(`not a memory quantity: ${q}`);
  const unit = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30 }[m[2] ?? ""] ?? 1;
  return Number(m[1]) * unit;
}

/** The measured peak RSS of the harvest process at the largest size, MiB: the first such row of BENCHMARKS.md (the newest run). */
function measuredPeakRssMiB(): number {
  const row = readFileSync(path.join(root, "BENCHMARKS.md"), "utf8")
    .split("\n")
    .find((line) => line.startsWith("| **peak RSS of the harvest process**"));
  if (!row) throw new Error("BENCHMARKS.md has no peak RSS row");
  return Math.max(...[...row.matchAll(/(\d+) MiB/g)].map((m) => Number(m[1])));
}

/** Validates `o` with the kubernetes-models class of its apiVersion and kind. @throws the schema's errors */
async function validateWithModel(o: Manifest): Promise<void> {
  const group = o.apiVersion.includes("/") ? o.apiVersion : `v1`;
  const mod: unknown = await import(`kubernetes-models/${group}/${o.kind}`);
  const Model: unknown = typeof mod === "object" && mod !== null ? Reflect.get(mod, o.kind) : undefined;
  if (typeof Model !== "function") throw new Error(`kubernetes-models has no ${o.apiVersion} ${o.kind}`);
  const model: unknown = Reflect.construct(Model, [o]);
  const validate: unknown = typeof model === "object" && model !== null ? Reflect.get(model, "validate") : undefined;
  if (typeof validate !== "function") throw new Error(`${o.kind} model without validate()`);
  Reflect.apply(validate, model, []);
}

describe.each(overlays)("deploy/kubernetes/%s", (overlay) => {
  const objects = rendered[overlay] ?? [];

  it("renders like kubectl kustomize (when kubectl is installed)", () => {
    const byKubectl = kubectlKustomize(path.join(root, "deploy/kubernetes", overlay));
    if (byKubectl === null) {
      console.warn("kubectl is not installed: the kustomization is rendered by the test's own reader of its resources only");
      return;
    }
    const key = (o: Manifest) => `${o.kind}/${o.metadata.name}`;
    const sorted = (list: Manifest[]) => [...list].sort((a, b) => key(a).localeCompare(key(b)));
    expect(sorted(objects)).toEqual(sorted(byKubectl));
  });

  it("validates against the Kubernetes API's schemas", async () => {
    expect(objects.length).toBeGreaterThan(3);
    for (const o of objects) await expect(validateWithModel(o), `${o.kind}/${o.metadata.name}`).resolves.toBeUndefined();
  });

  it("runs only command lines the CLI accepts, as non-root on a read-only root file system", async () => {
    const io = { stdout: () => undefined, stderr: () => undefined, interactive: false };
    const containers = objects.flatMap(podSpecs).flatMap((p) => [...p.initContainers, ...p.containers]);
    expect(containers.length).toBeGreaterThan(1);
    for (const c of containers) {
      // The image's entrypoint (node dist/main.js) is kept: a container sets arguments only.
      expect(c.command, c.name).toBeUndefined();
      // $(VAR) is expanded by the kubelet from the container's env: a value of the same shape is parsed.
      const argv = c.args.map((a) => a.replace(/\$\(([A-Z_]+)\)/g, "tv-harvester-weekly-29412345"));
      expect(await runCli(argv, {}, io, { parseOnly: true }), `${c.name}: ${argv.join(" ")}`).toBe(0);
    }
    // The check can fail: an option the CLI does not have is refused.
    expect(await runCli(["harvest", "--run-keys", "x"], {}, io, { parseOnly: true })).toBe(2);
  });

  it("references its Secrets and never inlines one", () => {
    expect(objects.filter((o) => o.kind === "Secret")).toEqual([]);
    const configMap = z.looseObject({ data: z.record(z.string(), z.string()) }).parse(one(objects, "ConfigMap"));
    expect(Object.keys(configMap.data).filter((k) => SECRET_VARIABLES.includes(k))).toEqual([]);
    for (const c of objects.flatMap(podSpecs).flatMap((p) => [...p.initContainers, ...p.containers])) {
      for (const e of c.env.filter((v) => SECRET_VARIABLES.includes(v.name))) {
        expect(e.value, `${c.name} ${e.name}`).toBeUndefined();
        expect(e.valueFrom?.secretKeyRef?.name, `${c.name} ${e.name}`).toBe("tv-harvester");
      }
      expect(
        c.env.some((v) => v.name === "DATABASE_URL"),
        c.name,
      ).toBe(true);
    }
  });

  it("gives every pod memory above the measured peak RSS and writable emptyDirs for Chromium", () => {
    const peak = measuredPeakRssMiB() * 2 ** 20;
    for (const spec of objects.flatMap(podSpecs)) {
      for (const c of spec.containers.filter((x) => x.args[0] === "harvest" || x.args[0] === "serve")) {
        expect(bytes(c.resources.requests.memory ?? "0")).toBeGreaterThan(peak);
        expect(bytes(c.resources.limits.memory ?? "0")).toBeGreaterThanOrEqual(2 * peak);
        const mounts = new Map(c.volumeMounts.map((m) => [m.mountPath, m.name]));
        const volume = (mountPath: string) => spec.volumes.find((v) => v.name === mounts.get(mountPath));
        expect(volume("/tmp")?.emptyDir, `${c.name} /tmp`).toBeDefined();
        expect(volume("/dev/shm")?.emptyDir?.medium, `${c.name} /dev/shm`).toBe("Memory");
        expect(c.env.find((e) => e.name === "HOME")?.value ?? "/tmp").toBe("/tmp");
      }
      expect(spec.terminationGracePeriodSeconds ?? 30).toBeGreaterThan(SHUTDOWN_DEADLINE_SECONDS);
    }
  });
});

describe("the weekly CronJob", () => {
  const cronJob = cronJobSchema.parse(one(rendered.cronjob ?? [], "CronJob"));
  const job = cronJob.spec.jobTemplate.spec;
  const container = job.template.spec.containers[0];

  it("runs one harvest at a time, weekly, within deadlines", () => {
    expect(cronJob.spec.schedule).toBe("0 3 * * 1");
    expect(cronJob.spec.concurrencyPolicy).toBe("Forbid");
    expect(cronJob.spec.startingDeadlineSeconds).toBeGreaterThan(0);
    expect(job.activeDeadlineSeconds).toBeGreaterThan(0);
    expect(job.backoffLimit).toBeGreaterThan(0);
    expect(job.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(SHUTDOWN_DEADLINE_SECONDS);
  });

  it("keys the harvest run by the Job, so that the pods a retry starts resume the same run", () => {
    expect(container?.args.slice(0, 3)).toEqual(["harvest", "--run-key", "$(RUN_KEY)"]);
    expect(container?.env.find((e) => e.name === "RUN_KEY")?.valueFrom?.fieldRef?.fieldPath).toBe("metadata.labels['batch.kubernetes.io/job-name']");
  });

  it("fails the Job at once on the codes that are not retryable, and only on those", () => {
    const failJob = job.podFailurePolicy.rules.filter((r) => r.action === "FailJob");
    expect(failJob).toHaveLength(1);
    expect(failJob[0]?.onExitCodes).toEqual({ containerName: container?.name, operator: "In", values: [...NOT_RETRYABLE_EXIT_CODES] });
  });
});

describe("the serve Deployment", () => {
  it("is probed on /healthz", () => {
    const deployment = one(rendered.serve ?? [], "Deployment");
    const [serve] = podSpecs(deployment).flatMap((p) => p.containers);
    expect(serve?.args).toEqual(["serve"]);
    expect(serve?.livenessProbe?.httpGet.path).toBe("/healthz");
    expect(serve?.readinessProbe?.httpGet.path).toBe("/healthz");
  });
});
