import { describe, expect, it } from "vitest";
import { databaseProblem, databaseTarget } from "../../src/db/target.js";
import { ExitCode } from "../../src/exit-codes.js";

describe("databaseTarget", () => {
  it("names user, host, port and database, never the password; libpq's defaults when omitted", () => {
    expect(databaseTarget("postgresql://harvester:s3cret@db.internal:6543/tv")).toEqual({
      host: "db.internal",
      port: 6543,
      database: "tv",
      user: "harvester",
      text: "harvester@db.internal:6543/tv",
    });
    expect(databaseTarget("postgres://me@localhost").text).toBe("me@localhost:5432/me");
    expect(databaseTarget("not a url").text).toBe("(an unparsable DATABASE_URL)");
  });
});

describe("databaseProblem", () => {
  const url = "postgresql://harvester:s3cret@db.internal:6543/tv";

  it("an unreachable server is temporary (75), named, with what to check", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 10.0.0.5:6543"), { code: "ECONNREFUSED" });
    expect(databaseProblem(refused, url)).toEqual({
      message:
        "cannot reach the database harvester@db.internal:6543/tv (ECONNREFUSED): is PostgreSQL running and reachable from here? (DATABASE_URL) Retry later.",
      exitCode: ExitCode.tempfail,
    });
    // Wrapped by the driver adapter: the code is found on the cause chain.
    const wrapped = new Error("DriverAdapterError", { cause: Object.assign(new Error("terminating connection"), { code: "57P01" }) });
    expect(databaseProblem(wrapped, url)?.exitCode).toBe(ExitCode.tempfail);
  });

  it("a wrong login or database name is configuration (2), and the password is never in the message", () => {
    const denied = Object.assign(new Error('password authentication failed for user "harvester"'), { code: "28P01" });
    const problem = databaseProblem(denied, url);
    expect(problem?.exitCode).toBe(ExitCode.config);
    expect(problem?.message).toContain("harvester@db.internal:6543/tv: password authentication failed");
    expect(problem?.message).not.toContain("s3cret");
    expect(databaseProblem(new Error('database "tv" does not exist'), url)?.message).toContain("the database does not exist");
    expect(databaseProblem(Object.assign(new Error("getaddrinfo ENOTFOUND db.internal"), { code: "ENOTFOUND" }), url)?.exitCode).toBe(
      ExitCode.config,
    );
  });

  it("anything else is not a database problem (null): a query error keeps its own message", () => {
    expect(databaseProblem(Object.assign(new Error('relation "x" does not exist'), { code: "42P01" }), url)).toBeNull();
    expect(databaseProblem(undefined, url)).toBeNull();
  });
});
