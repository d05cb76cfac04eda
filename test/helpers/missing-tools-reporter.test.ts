import { describe, expect, it } from "vitest";
import { missingToolsLine, type OptionalTool } from "./missing-tools-reporter.js";

const tool = (name: string, present: boolean, skips: RegExp): OptionalTool => ({
  name,
  present: () => present,
  skips,
  install: `apt-get install ${name}`,
});

describe("missingToolsLine", () => {
  const tools = [tool("promtool", false, /promtool/), tool("amtool", false, /amtool/), tool("chromium", true, /chromium/i)];

  it("names each missing tool that skipped a test, with how to install it, in one line", () => {
    expect(missingToolsLine(["promtool (skipped: promtool not installed) > checks the rules", "amtool (skipped) > routes"], tools)).toBe(
      "Not tested here: promtool (apt-get install promtool), amtool (apt-get install amtool)",
    );
  });

  it("says nothing of a missing tool that skipped nothing, of a tool that is there, or when nothing was skipped", () => {
    expect(missingToolsLine(["with a real Chromium > renders"], tools)).toBeNull();
    expect(missingToolsLine(["amtool > routes"], tools)).toBe("Not tested here: amtool (apt-get install amtool)");
    expect(missingToolsLine([], tools)).toBeNull();
  });
});
