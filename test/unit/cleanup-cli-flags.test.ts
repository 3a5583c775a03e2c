import { parseDuration } from "../../automation/duration";
import { parseFlags } from "../../automation/flags";
import { options, usage } from "../helpers/cleanup-flags";
import { ocidFormProblem } from "../../provider/ocid";

const PROJECT = "ocid1.queryserviceproject.oc1.iad.aaaa";

describe("parseFlags", () => {
  test("turns a full command line into the cleanup's filter, connection and run mode", () => {
    expect(
      options(
        "--project-id",
        PROJECT,
        "--project-id",
        "ocid1.queryserviceproject.oc1.iad.bbbb",
        "--name",
        "^adhoc-",
        "--older-than-minutes",
        "90",
        "--state",
        "in_progress",
        "--state",
        "ACCEPTED",
        "--max",
        "50",
        "--endpoint",
        "https://queryservice.example.com",
        "--auth",
        "security_token",
        "--config-file",
        "/etc/oci/config",
        "--profile",
        "CLEANUP",
        "--backend-url",
        "s3://bucket/cleanup",
        "--yes",
        "--json",
        "--every",
        "15m",
      ),
    ).toEqual({
      projectIds: [PROJECT, "ocid1.queryserviceproject.oc1.iad.bbbb"],
      filter: { name: /^adhoc-/, olderThanMinutes: 90, lifecycleStates: ["IN_PROGRESS", "ACCEPTED"], maxResults: 50 },
      connection: { endpoint: "https://queryservice.example.com", region: undefined, auth: "SecurityToken", configFile: "/etc/oci/config", profile: "CLEANUP" },
      backendUrl: "s3://bucket/cleanup",
      preview: false,
      json: true,
      everyMs: 15 * 60_000,
      lockWaitMs: 120_000,
    });
  });

  test("leaves every optional setting out when not given: one run, a table, the resource's defaults", () => {
    const o = options("--project-id", PROJECT, "--preview");
    expect(o).toMatchObject({ projectIds: [PROJECT], filter: {}, preview: true, json: false });
    expect(o.everyMs).toBeUndefined();
    expect(o.stack).toBeUndefined();
    expect(o.backendUrl).toBeUndefined();
  });

  test("needs exactly one of --preview and --yes", () => {
    expect(usage("--project-id", PROJECT)).toBe("--preview or --yes is needed: --preview lists what would be cancelled, --yes cancels it");
    expect(usage("--project-id", PROJECT, "--preview", "--yes")).toMatch(/^--preview and --yes: give one/);
  });

  test("names the flag at fault, and what it expects", () => {
    const yes = ["--project-id", PROJECT, "--yes"];
    expect(usage("--yes")).toMatch(/^--project-id: required/);
    expect(usage(...yes, "--project-id", PROJECT)).toBe("--project-id: the same project is given twice");
    expect(usage("--project-id", "bad\nid", "--yes")).toMatch(/^--project-id: control characters are not allowed/);
    expect(usage(...yes, "--max", "0")).toBe('--max: a whole number of at least 1 expected; got "0"');
    expect(usage(...yes, "--max", "2.5")).toBe('--max: a whole number of at least 1 expected; got "2.5"');
    expect(usage(...yes, "--older-than-minutes=-5")).toBe('--older-than-minutes: a number of minutes (0 or more) expected; got "-5"');
    expect(usage(...yes, "--older-than-minutes", "an hour")).toBe('--older-than-minutes: a number of minutes (0 or more) expected; got "an hour"');
    expect(usage(...yes, "--name", "adhoc-(")).toMatch(/^--name: not a regular expression: /);
    expect(usage(...yes, "--state", "IN PROGRESS")).toMatch(/^--state: one of ACCEPTED, IN_PROGRESS/);
    expect(usage(...yes, "--endpoint", "ftp://queryservice.example.com")).toMatch(/^--endpoint: /);
    expect(usage(...yes, "--endpoint", "")).toBe("--endpoint: a value expected; got an empty string");
    expect(usage(...yes, "--auth", "password")).toMatch(/^--auth: one of ApiKey, SecurityToken/);
    expect(usage(...yes, "--every", "soon")).toMatch(/^--every: a duration such as 90s, 15m/);
    expect(usage(...yes, "--stack", "nightly cleanup")).toMatch(/^--stack: a name of letters/);
    expect(usage(...yes, "--nme", "x")).toMatch(/'--nme'/);
    expect(usage(...yes, "--max")).toMatch(/'--max <value>' argument missing/);
  });

  test("allows --stack only with a single project, as NAME or ORG/NAME", () => {
    expect(options("--project-id", PROJECT, "--yes", "--stack", "nightly").stack).toBe("nightly");
    expect(options("--project-id", PROJECT, "--yes", "--stack", "acme/nightly").stack).toBe("acme/oci-query-cleanup/nightly");
    expect(usage("--project-id", PROJECT, "--project-id", `${PROJECT}b`, "--yes", "--stack", "nightly")).toMatch(/^--stack: only with a single --project-id/);
  });

  test("refuses a --project-id that cannot be a project's OCID, and takes the emulator's and real shapes", () => {
    const refused = (id: string) => usage("--project-id", id, "--preview");
    expect(refused("my-project")).toBe(
      '--project-id: "my-project" is not an OCID; a Query Service project\'s OCID looks like ocid1.queryserviceproject.oc1.iad.aaaa… ' +
        '(copy it from the project in the Console, or the "project id:" line the emulator prints)',
    );
    expect(refused("ocid1.queryexecution.oc1.iad.0123abcd")).toMatch(
      /^--project-id: "ocid1\.queryexecution\.oc1\.iad\.0123abcd" is an OCID of a queryexecution, not of a queryserviceproject;/,
    );
    expect(refused("ocid1.queryserviceproject")).toMatch(/is not an OCID;/);
    const ids = [
      "ocid1.queryserviceproject.oc1.iad.emulator",
      "ocid1.queryserviceproject.oc1.iad.amaaaaaa7ratcziaqzq4vtk3lwkmxyvi2u2rmsa2ebe6lrf7nfjqb5sl7ota",
      "ocid1.queryserviceproject.oc1..aaaa",
    ];
    expect(options(...ids.flatMap((id) => ["--project-id", id]), "--preview").projectIds).toEqual(ids);
  });

  test("refuses a --state the service does not have, with the known ones, and names the likely one", () => {
    expect(usage("--project-id", PROJECT, "--preview", "--state", "RUNNING")).toBe(
      '--state: one of ACCEPTED, IN_PROGRESS, CANCELING, SUCCEEDED, FAILED, CANCELED expected (in any case); got "RUNNING" (IN_PROGRESS is the Query Service\'s name for it)',
    );
    expect(usage("--project-id", PROJECT, "--yes", "--state", "cancelled")).toMatch(/got "cancelled" \(CANCELED is the Query Service's name for it\)$/);
    expect(usage("--project-id", PROJECT, "--yes", "--state", "QUEUED")).toMatch(/expected \(in any case\); got "QUEUED"$/);
    expect(options("--project-id", PROJECT, "--yes", "--state", "canceling", "--state", "SUCCEEDED").filter.lifecycleStates).toEqual([
      "CANCELING",
      "SUCCEEDED",
    ]);
  });

  test("answers --help without checking anything else", () => {
    expect(parseFlags(["--help"])).toEqual({ help: true });
    expect(parseFlags(["-h", "--max", "0"])).toEqual({ help: true });
  });
});

describe("ocidFormProblem", () => {
  test("takes real and emulator OCIDs of the type asked for, an empty region included", () => {
    for (const id of [
      "ocid1.queryserviceproject.oc1.iad.emulator",
      "ocid1.queryserviceproject.oc1..aaaa",
      "ocid1.queryserviceproject.oc2.us-langley-1.futureuse.aaaa",
    ]) {
      expect(ocidFormProblem(id, "queryserviceproject")).toBeUndefined();
    }
    expect(ocidFormProblem("ocid1.queryexecution.oc1.iad.23328747168078f23929d12ab172655d", "queryexecution")).toBeUndefined();
  });

  test("says why a text cannot be one: not an OCID at all, or one of another type", () => {
    for (const text of ["my-project", "ocid1.other", "ocidx.queryserviceproject.oc1.iad.aaaa", " ocid1.queryserviceproject.oc1.iad.aaaa", ""]) {
      expect(ocidFormProblem(text, "queryserviceproject")).toBe("not an OCID");
    }
    expect(ocidFormProblem("ocid1.compartment.oc1..aaaa", "queryserviceproject")).toBe("an OCID of a compartment, not of a queryserviceproject");
  });
});

describe("parseDuration", () => {
  test("reads single and combined units", () => {
    expect(parseDuration("90s")).toBe(90_000);
    expect(parseDuration("15m")).toBe(900_000);
    expect(parseDuration("1h30m")).toBe(5_400_000);
    expect(parseDuration("1.5h")).toBe(5_400_000);
    expect(parseDuration("1500ms")).toBe(1500);
    expect(parseDuration("1d")).toBe(86_400_000);
  });

  test("refuses numbers without units, unknown units and stray text", () => {
    for (const text of ["15", "15 m", "15min", "m", "", "1h 30m", "-5m"]) {
      expect(() => parseDuration(text)).toThrow(`a duration such as 90s, 15m, 1h30m or 1d expected; got ${JSON.stringify(text)}`);
    }
  });

  test("refuses intervals under a second or over a day", () => {
    expect(() => parseDuration("500ms")).toThrow('at least 1s expected; got "500ms"');
    expect(() => parseDuration("0s")).toThrow('at least 1s expected; got "0s"');
    expect(() => parseDuration("25h")).toThrow('at most 1d expected (schedule longer intervals with cron); got "25h"');
  });
});
