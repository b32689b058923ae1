import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { build, type Plugin } from 'esbuild';

const REPOSITORY_ROOT = path.resolve(import.meta.dirname, '..');
const FUNCTIONS = ['sync', 'health'] as const;

export type FunctionName = (typeof FUNCTIONS)[number];

export interface FunctionBundle {
  /** The `.cjs` file. */
  file: string;
  /** Its size in bytes, without the source map. */
  bytes: number;
}

/**
 * Builds each function's bundle into `outputDirectory`, as serverless-esbuild
 * does for a deployment, and returns each `.cjs` file with its size. The
 * options are those of `custom.esbuild` in serverless.yml: bundle, minify,
 * keepNames, a linked source map without sources, platform node, target
 * node22, format cjs, `.cjs` files, `@aws-sdk/*` external, and the plugins of
 * scripts/esbuildPlugins.cjs. The full sync (d) runs the `sync` bundle.
 *
 * NOTE: the options are copied, not read from serverless.yml; a change there
 * must be repeated here.
 */
export async function buildFunctionBundles(outputDirectory: string): Promise<Record<FunctionName, FunctionBundle>> {
  const plugins = createRequire(import.meta.url)(path.join(REPOSITORY_ROOT, 'scripts/esbuildPlugins.cjs')) as Plugin[];
  const bundles = {} as Record<FunctionName, FunctionBundle>;
  for (const name of FUNCTIONS) {
    const file = path.join(outputDirectory, 'functions', `${name}.cjs`);
    await build({
      absWorkingDir: REPOSITORY_ROOT,
      entryPoints: [path.join(REPOSITORY_ROOT, 'functions', `${name}.ts`)],
      outfile: file,
      bundle: true,
      minify: true,
      keepNames: true,
      sourcemap: 'linked',
      sourcesContent: false,
      platform: 'node',
      target: 'node22',
      format: 'cjs',
      external: ['@aws-sdk/*'],
      plugins,
      logLevel: 'silent',
    });
    bundles[name] = { file, bytes: (await stat(file)).size };
  }
  return bundles;
}
