// Parses oci-query-cleanup's flags for a test: the options of a run, or the message of the
// UsageError a bad command line gets.

import { parseFlags, UsageError, type CleanupOptions } from "../../automation/flags";

export function options(...argv: string[]): CleanupOptions {
  const command = parseFlags(argv);
  if (command.help) throw new Error("expected options, got --help");
  return command.options;
}

export function usage(...argv: string[]): string {
  try {
    parseFlags(argv);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error(`expected a UsageError for ${argv.join(" ")}`);
}
