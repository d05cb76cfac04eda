/**
 * Renders a kustomization of deploy/kubernetes the way `kubectl kustomize` does for the features these
 * kustomizations use (a `resources` list of files and directories, and `namespace`), for machines without
 * kubectl; and with `kubectl kustomize` when it is installed, so the test can check that the two agree.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { parseAllDocuments } from "yaml";
import { z } from "zod";

/** A Kubernetes object as the tests read it: the identifying fields typed, the rest kept as it is. */
export const manifestSchema = z.looseObject({
  apiVersion: z.string(),
  kind: z.string(),
  metadata: z.looseObject({ name: z.string(), namespace: z.string().optional() }),
});

/** One rendered object. */
export type Manifest = z.infer<typeof manifestSchema>;

const kustomizationSchema = z.object({
  apiVersion: z.literal("kustomize.config.k8s.io/v1beta1"),
  kind: z.literal("Kustomization"),
  namespace: z.string().optional(),
  resources: z.array(z.string()),
});

/** Kinds without a namespace among those used here (kustomize leaves their metadata alone). */
const CLUSTER_SCOPED = new Set(["Namespace", "ClusterRole", "ClusterRoleBinding"]);

/** Every YAML document of `file`, each checked to be a Kubernetes object. */
function readObjects(file: string): Manifest[] {
  return parseAllDocuments(readFileSync(file, "utf8"))
    .map((doc) => doc.toJS())
    .filter((value) => value !== null)
    .map((value) => manifestSchema.parse(value));
}

/**
 * Renders the kustomization in `dir`: its resources in order (a directory is a kustomization of its own), with
 * its `namespace` set on every namespaced object.
 * @throws when a resource is missing, a file is not YAML, or an object lacks apiVersion / kind / name
 */
export function renderKustomization(dir: string): Manifest[] {
  const kustomization = kustomizationSchema.parse(parseAllDocuments(readFileSync(path.join(dir, "kustomization.yaml"), "utf8"))[0]?.toJS());
  const objects = kustomization.resources.flatMap((resource) => {
    const target = path.join(dir, resource);
    return statSync(target).isDirectory() ? renderKustomization(target) : readObjects(target);
  });
  const namespace = kustomization.namespace;
  if (namespace === undefined) return objects;
  return objects.map((o) => (CLUSTER_SCOPED.has(o.kind) ? o : { ...o, metadata: { ...o.metadata, namespace } }));
}

/** `kubectl kustomize dir` parsed, or null when kubectl is not installed. @throws when kubectl fails */
export function kubectlKustomize(dir: string): Manifest[] | null {
  const result = spawnSync("kubectl", ["kustomize", dir], { encoding: "utf8", timeout: 60_000 });
  if (result.error && "code" in result.error && result.error.code === "ENOENT") return null;
  if (result.status !== 0) throw new Error(`kubectl kustomize ${dir} failed: ${result.stderr}`);
  return parseAllDocuments(result.stdout)
    .map((doc) => doc.toJS())
    .filter((value) => value !== null)
    .map((value) => manifestSchema.parse(value));
}
