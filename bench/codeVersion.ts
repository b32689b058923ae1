import { execFileSync } from 'node:child_process';
import path from 'node:path';

const REPOSITORY_ROOT = path.resolve(import.meta.dirname, '..');

export interface CodeVersion {
  commit: string;
  /** Files under functions/, lib/, migrations/ or scripts/ that differ from the commit. */
  uncommittedFiles: string[];
}

/** Returns the commit measured and the changed source files, or undefined outside a git work tree. */
export function readCodeVersion(): CodeVersion | undefined {
  try {
    const git = (args: string[]): string => execFileSync('git', args, { cwd: REPOSITORY_ROOT, encoding: 'utf8' });
    const commit = git(['rev-parse', '--short=12', 'HEAD']).trim();
    // Each porcelain line is two status letters, a space and the path.
    const status = git(['status', '--porcelain', '--', 'functions', 'lib', 'migrations', 'scripts']);
    return {
      commit,
      uncommittedFiles: status
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => line.slice(3)),
    };
  } catch {
    return undefined;
  }
}

export function formatCodeVersion(version: CodeVersion | undefined): string {
  if (version === undefined) {
    return 'Code: unknown (not a git work tree)';
  }
  const changes = version.uncommittedFiles.length === 0 ? 'no uncommitted changes' : `uncommitted changes in ${version.uncommittedFiles.join(', ')}`;
  return `Code: commit ${version.commit}, ${changes}`;
}
