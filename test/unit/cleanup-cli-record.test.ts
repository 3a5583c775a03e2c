import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { passphraseProblem, resolveBackend } from "../../automation/backend";
import { locksAreStale, readLocks, type StackLock } from "../../automation/stack-lock";
import { defaultStackName, qualifiedStackName } from "../../automation/stack-name";

const HOME = "/home/ops";
const CWD = "/srv/jobs";

describe("resolveBackend", () => {
  test("takes --backend-url, then PULUMI_BACKEND_URL, then the file backend in ~/.oci-query-cleanup", () => {
    const env = { PULUMI_BACKEND_URL: "s3://team-state/cleanup" };
    expect(resolveBackend("https://api.pulumi.com", env, HOME, CWD)).toMatchObject({
      url: "https://api.pulumi.com",
      source: "--backend-url",
      folder: undefined,
    });
    expect(resolveBackend(undefined, env, HOME, CWD)).toMatchObject({ url: "s3://team-state/cleanup", source: "PULUMI_BACKEND_URL" });
    expect(resolveBackend(undefined, {}, HOME, CWD)).toEqual({
      url: "file:///home/ops/.oci-query-cleanup?metadata=skip",
      shown: "file:///home/ops/.oci-query-cleanup?metadata=skip",
      folder: "/home/ops/.oci-query-cleanup",
      source: "default",
    });
  });

  test("makes file:// paths absolute (the CLI runs in a temporary folder) and keeps the CLI's options", () => {
    expect(resolveBackend("file://./state", {}, HOME, CWD)).toMatchObject({ url: "file:///srv/jobs/state", folder: "/srv/jobs/state" });
    expect(resolveBackend("file://~/state?no_tmp_dir=true", {}, HOME, CWD)).toMatchObject({
      url: "file:///home/ops/state?no_tmp_dir=true",
      folder: "/home/ops/state",
    });
    expect(resolveBackend("file:///var/lib/cleanup", {}, HOME, CWD)).toMatchObject({ url: "file:///var/lib/cleanup", folder: "/var/lib/cleanup" });
  });

  test("never shows credentials in the URL", () => {
    expect(resolveBackend("postgres://ops:s3cret@db.internal/pulumi", {}, HOME, CWD).shown).toBe("postgres://db.internal/pulumi");
  });

  test("names the setting of a URL without a scheme", () => {
    expect(() => resolveBackend("/var/lib/cleanup", {}, HOME, CWD)).toThrow(/^--backend-url: a backend URL such as file:\/\/\/var\/lib\/oci-query-cleanup/);
    expect(() => resolveBackend(undefined, { PULUMI_BACKEND_URL: "state" }, HOME, CWD)).toThrow(/^PULUMI_BACKEND_URL: /);
  });
});

describe("passphraseProblem", () => {
  const file = resolveBackend(undefined, {}, HOME, CWD);

  test("asks for PULUMI_CONFIG_PASSPHRASE with self-managed backends only", () => {
    expect(passphraseProblem(file, {})).toMatch(
      /^PULUMI_CONFIG_PASSPHRASE: not set\. The backend file:\/\/\/home\/ops\/\.oci-query-cleanup\?metadata=skip keeps secrets encrypted/,
    );
    expect(passphraseProblem(resolveBackend("s3://b/p", {}, HOME, CWD), {})).toMatch(/^PULUMI_CONFIG_PASSPHRASE: not set/);
    expect(passphraseProblem(resolveBackend("https://api.pulumi.com", {}, HOME, CWD), {})).toBeUndefined();
  });

  test("accepts a passphrase file, and an empty passphrase that was set on purpose", () => {
    expect(passphraseProblem(file, { PULUMI_CONFIG_PASSPHRASE_FILE: "/run/secrets/passphrase" })).toBeUndefined();
    expect(passphraseProblem(file, { PULUMI_CONFIG_PASSPHRASE: "" })).toBeUndefined();
  });
});

describe("defaultStackName", () => {
  test("is the project id itself when Pulumi accepts it as a stack name", () => {
    expect(defaultStackName("ocid1.queryserviceproject.oc1.iad.aaaabbbb")).toBe("ocid1.queryserviceproject.oc1.iad.aaaabbbb");
  });

  test("is a readable tail plus a digest otherwise: within 100 characters, different for different ids", () => {
    const long = `ocid1.queryserviceproject.oc1.iad.${"a".repeat(120)}`;
    const names = [long, `${long}b`, "project with spaces", "-leading-dash"].map(defaultStackName);
    for (const name of names) expect(name).toMatch(/^p-[A-Za-z0-9._-]*[0-9a-f]{16}$/);
    for (const name of names) expect(name.length).toBeLessThanOrEqual(100);
    expect(new Set(names).size).toBe(names.length);
    expect(defaultStackName("project with spaces")).toMatch(/^p-project-with-spaces-[0-9a-f]{16}$/);
  });
});

describe("qualifiedStackName", () => {
  test("takes NAME, or ORG/NAME within this command's project, and nothing else", () => {
    expect(qualifiedStackName("nightly")).toBe("nightly");
    expect(qualifiedStackName("acme/nightly")).toBe("acme/oci-query-cleanup/nightly");
    for (const bad of ["", "a/b/c", "night ly", "/nightly", "x".repeat(101)]) expect(qualifiedStackName(bad)).toBeUndefined();
  });
});

describe("stack locks", () => {
  let backend: string;
  beforeEach(() => {
    backend = mkdtempSync(join(tmpdir(), "qec-locks-"));
  });
  afterEach(() => rmSync(backend, { recursive: true, force: true }));

  function writeLock(org: string, project: string, stack: string, name: string, content: string): void {
    const dir = join(backend, ".pulumi", "locks", org, project, stack);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, name), content);
  }

  test("reads the lock files the CLI writes for a stack, skipping the blob attributes and half-written ones", () => {
    writeLock(
      "organization",
      "oci-query-cleanup",
      "nightly",
      "a.json",
      '{"pid":4242,"username":"ops","hostname":"runner-1","timestamp":"2026-12-02T06:58:41.429185115Z"}',
    );
    writeLock("organization", "oci-query-cleanup", "nightly", "a.json.attrs", "{}");
    writeLock("organization", "oci-query-cleanup", "nightly", "b.json", '{"pid":');
    writeLock("acme", "oci-query-cleanup", "nightly", "c.json", '{"pid":7,"hostname":"runner-2"}');
    const dir = (org: string) => join(backend, ".pulumi", "locks", org, "oci-query-cleanup", "nightly");
    expect(readLocks(backend, "nightly")).toEqual([
      { pid: 4242, username: "ops", hostname: "runner-1", timestamp: "2026-12-02T06:58:41.429185115Z", where: join(dir("organization"), "a.json") },
    ]);
    expect(readLocks(backend, "acme/oci-query-cleanup/nightly")).toEqual([
      { pid: 7, username: "", hostname: "runner-2", timestamp: "", where: join(dir("acme"), "c.json") },
    ]);
    expect(readLocks(backend, "other")).toEqual([]);
  });

  test("are stale only when every one was taken on this machine by a process that is gone", () => {
    const lock = (pid: number, hostname: string): StackLock => ({ pid, hostname, username: "ops", timestamp: "" });
    const here = { hostname: "runner-1", isRunning: (pid: number) => pid === 1 };
    expect(locksAreStale([lock(4242, "runner-1")], here)).toBe(true);
    expect(locksAreStale([lock(1, "runner-1")], here)).toBe(false);
    expect(locksAreStale([lock(4242, "runner-2")], here)).toBe(false);
    expect(locksAreStale([lock(4242, "runner-1"), lock(4243, "runner-2")], here)).toBe(false);
    expect(locksAreStale([lock(Number.NaN, "runner-1")], here)).toBe(false);
    expect(locksAreStale([], here)).toBe(false);
  });
});
