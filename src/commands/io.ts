/** What commands write to, injectable for tests. */
export interface CommandIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** True on a terminal: progress bars and tables instead of JSON logs only. */
  interactive: boolean;
  /** Ends the process at once with `code` (a second Ctrl-C); absent in tests, where nothing is ended. */
  exitNow?: (code: number) => void;
}

/** The process's standard streams. */
export const processIO: CommandIO = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  interactive: Boolean(process.stderr.isTTY),
  exitNow: (code) => process.exit(code),
};
