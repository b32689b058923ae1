/**
 * Output of the local stack. Each component's lines get a `[component]`
 * prefix, except JSON lines (the handlers' Powertools logs), which pass
 * unchanged so that they stay machine-readable.
 */
export function printLine(component: string, line: string, stream: 'stdout' | 'stderr'): void {
  const target = stream === 'stdout' ? process.stdout : process.stderr;
  const text = line.trimStart().startsWith('{') ? line : `[${component}] ${line}`;
  target.write(`${text}\n`);
}

/** Prints a message of the runner itself. */
export function logRunner(message: string): void {
  printLine('start', message, 'stdout');
}

/** Prints an error of the runner itself on stderr. */
export function logRunnerError(message: string): void {
  printLine('start', message, 'stderr');
}
