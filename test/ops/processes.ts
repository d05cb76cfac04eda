/**
 * Helpers for tests that run Debian's Prometheus tools (prometheus, promtool, prometheus-pushgateway,
 * prometheus-alertmanager, amtool): find a binary on PATH, start a server and wait until it is ready, stop it.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";

/** Absolute path of `name` on PATH, or null when it is not installed. */
export function findBinary(name: string): string | null {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const candidate = path.join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  return null;
}

/** Result of running a command to completion. */
export interface RunResult {
  status: number | null;
  output: string;
}

/** Runs a command synchronously; `output` is stdout and stderr together. */
export function run(command: string, args: string[], options: { cwd?: string } = {}): RunResult {
  const result = spawnSync(command, args, { cwd: options.cwd, encoding: "utf8", timeout: 60_000 });
  return { status: result.status, output: `${result.stdout ?? ""}${result.stderr ?? ""}` };
}

/** A started server process; `logs()` returns what it printed so far (for failure messages). */
export interface ServerProcess {
  child: ChildProcess;
  logs(): string;
  stop(): Promise<void>;
}

/**
 * Starts `command` and polls `readyUrl` until it answers 200 (within `timeoutMs`, default 20 s).
 * @throws with the process output when it exits early or never becomes ready.
 */
export async function startServer(command: string, args: string[], readyUrl: string, timeoutMs = 20_000): Promise<ServerProcess> {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${command} exited with ${child.exitCode}:\n${output}`);
    try {
      const response = await fetch(readyUrl);
      if (response.ok) return { child, logs: () => output, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  await stop();
  throw new Error(`${command} not ready at ${readyUrl} after ${timeoutMs} ms:\n${output}`);
}

/** One sample of a Prometheus text exposition. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the samples of a Prometheus text exposition (comments skipped). */
export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]!] = pair[2]!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}
