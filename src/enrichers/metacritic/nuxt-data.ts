/**
 * Reading Nuxt 3's `<script id="__NUXT_DATA__">` payload: a flattened array (the `devalue` format) in which
 * objects and arrays hold indexes into the same array instead of values, and wrapper arrays such as
 * `["ShallowReactive", 1]` or `["Ref", 5]` mark reactive state. Pure; no I/O.
 */

/** Index markers of devalue for values that JSON cannot hold. */
const SPECIAL: Record<number, unknown> = { [-1]: undefined, [-2]: undefined, [-3]: Number.NaN, [-4]: Infinity, [-5]: -Infinity, [-6]: -0 };

/** Wrapper tags whose single argument is the wrapped value's index. */
const WRAPPERS = new Set(["Reactive", "ShallowReactive", "Ref", "ShallowRef", "EmptyRef", "EmptyShallowRef", "NuxtError", "Object"]);

/**
 * Resolves the value at `index` of a devalue-flattened payload into plain JSON-like data, to `maxDepth`
 * levels (deeper values and cycles become undefined). Unknown tagged arrays (`Date`, `Set`, `Map`…) are
 * resolved as their JSON-ish content.
 */
export function resolveNuxtValue(payload: readonly unknown[], index: number, maxDepth = 12, seen: Set<number> = new Set()): unknown {
  if (index < 0) return SPECIAL[index];
  if (index >= payload.length || seen.has(index) || maxDepth < 0) return undefined;
  const node = payload[index];
  if (node === null || typeof node !== "object") return node;
  const next = new Set(seen).add(index);
  const at = (i: unknown) => (typeof i === "number" && Number.isInteger(i) ? resolveNuxtValue(payload, i, maxDepth - 1, next) : undefined);
  if (Array.isArray(node)) {
    const [tag, arg] = node;
    if (typeof tag === "string") {
      if (WRAPPERS.has(tag)) return at(arg);
      if (tag === "Date" || tag === "BigInt" || tag === "RegExp") return arg;
      if (tag === "null") return null;
      return node.slice(1).map(at);
    }
    return node.map(at);
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) out[key] = at(value);
  return out;
}

/**
 * Finds every object in the payload that has `key` and returns that key's resolved values, in payload
 * order. Used to pick `criticScoreSummary` wherever the page put it.
 */
export function findNuxtValues(payload: readonly unknown[], key: string): unknown[] {
  const found: unknown[] = [];
  for (const node of payload) {
    if (node && typeof node === "object" && !Array.isArray(node) && Object.hasOwn(node, key)) {
      const ref = Object.getOwnPropertyDescriptor(node, key)?.value;
      if (typeof ref === "number") found.push(resolveNuxtValue(payload, ref));
    }
  }
  return found;
}
