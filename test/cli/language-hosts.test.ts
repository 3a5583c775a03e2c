// The YAML and Python language hosts `npm run setup:pulumi` builds beside pulumi (tools/README.md),
// each running a tiny program with no provider through the real CLI, offline, with a file backend:
// stack config (a secret included) goes in, and `pulumi stack output --json` shows what came out.
// The Python program runs in a virtualenv with the `pulumi` package, made once (helpers/python-venv).

import { changeSummary, CliStack, succeeded } from "./helpers/cli-stack";
import { PYTHON_SDK_VERSION, pythonVenv } from "./helpers/python-venv";

// A first run makes the virtualenv (PyPI); later runs reuse it.
jest.setTimeout(420_000);

const CONFIG = { greeting: "hello", count: "3" };
const SECRET = { token: "s3cr3t-token-value" };

/** `up`, then the outputs as `pulumi stack output --json` shows them, and with `--show-secrets`. */
async function upAndOutputs(stack: CliStack): Promise<{ shown: Record<string, unknown>; revealed: Record<string, unknown> }> {
  const up = await stack.up();
  succeeded(up);
  expect(changeSummary(up.output)).toEqual(["+ 1 created"]);
  const shown = await stack.outputs();
  const revealed = JSON.parse((await stack.ok(["stack", "output", "--json", "--show-secrets", "--stack", stack.stackName])).stdout) as Record<string, unknown>;
  return { shown, revealed };
}

describe("language hosts through pulumi", () => {
  test("a YAML program runs: its config and secret go in, and its stack outputs come out", async () => {
    const stack = await CliStack.init("test/cli/programs/yaml-host", CONFIG, SECRET);
    try {
      const { shown, revealed } = await upAndOutputs(stack);
      expect(shown).toEqual({ greeting: "hello", count: 3, repeated: "hello,hello", token: "[secret]", language: "yaml" });
      expect(revealed.token).toBe(SECRET.token);
    } finally {
      stack.dispose();
    }
  });

  test("a Python program runs in the test's virtualenv: its config and secret go in, and its stack outputs come out", async () => {
    const venv = await pythonVenv();
    const stack = await CliStack.init("test/cli/programs/python-host", CONFIG, SECRET);
    // As an activated virtualenv does: the pinned host ignores Pulumi.yaml's `virtualenv` option
    // (tools/README.md) and runs the first python3 on PATH.
    stack.env.PATH = `${venv.binDir}:${stack.env.PATH}`;
    stack.env.VIRTUAL_ENV = venv.dir;
    try {
      const { shown, revealed } = await upAndOutputs(stack);
      expect(shown).toEqual({
        greeting: "hello",
        count: 3,
        repeated: "hello,hello,hello",
        token: "[secret]",
        language: "python",
        prefix: venv.dir,
        sdk: PYTHON_SDK_VERSION,
      });
      expect(revealed.token).toBe(SECRET.token);
    } finally {
      stack.dispose();
    }
  });
});
