// What the measuring scripts (bench, soak) share as command-line programs: strict flag parsing
// with --help, flag checks that name the flag, and one way to exit on a bad flag, on Ctrl-C, or on
// a crash.

import { parseArgs, type ParseArgsConfig } from "node:util";

/** A bad flag: the message is shown with a pointer to --help instead of a stack. */
export class UsageError extends Error {}

type FlagOptions = NonNullable<ParseArgsConfig["options"]>;

/** The flags given (strict: an unknown flag or a positional is a usage error); --help prints `help` and exits 0. */
export function parseFlags<T extends FlagOptions>(options: T, help: string) {
  const { values } = parseArgs({ options: { ...options, help: { type: "boolean", short: "h" } }, strict: true, allowPositionals: false });
  if ((values as { help?: boolean }).help) {
    process.stdout.write(`${help}\n`);
    process.exit(0);
  }
  return values as ReturnType<typeof parseArgs<{ options: T; strict: true; allowPositionals: false }>>["values"];
}

export function integerFlag(name: string, text: string, min: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min) throw new UsageError(`--${name}: an integer >= ${min} expected; got ${JSON.stringify(text)}`);
  return Number(text);
}

export function probabilityFlag(name: string, text: string): number {
  const p = Number(text);
  if (text.trim() === "" || !(p >= 0 && p <= 1)) throw new UsageError(`--${name}: a probability from 0 to 1 expected; got ${JSON.stringify(text)}`);
  return p;
}

/**
 * Runs a script's main. Ctrl-C exits through process.exit, whose exit hook (the harness's)
 * SIGKILLs any plugin process group; a bad flag gets its message, anything else its stack.
 */
export function runScript(name: string, main: () => Promise<void>): void {
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => process.exit(130));
  main().catch((e: unknown) => {
    const usage = e instanceof UsageError || String((e as { code?: string })?.code).startsWith("ERR_PARSE_ARGS");
    process.stderr.write(`${name}: ${usage ? `${(e as Error).message}\nTry --help.` : ((e as Error)?.stack ?? String(e))}\n`);
    process.exit(2);
  });
}
