import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build, type Plugin } from 'esbuild';

const REPOSITORY_ROOT = path.resolve(import.meta.dirname, '..');
const FUNCTIONS = ['sync', 'health'] as const;

export type FunctionName = (typeof FUNCTIONS)[number];

/**
 * Builds each function's bundle into a temporary folder and returns the size
 * in bytes of each `.cjs` file. The options are those of `custom.esbuild` in
 * serverless.yml: bundle, minify, keepNames, a linked source map without
 * sources, platform node, target node22, format cjs, `.cjs` files,
 * `@aws-sdk/*` external, and the plugins of scripts/esbuildPlugins.cjs.
 *
 * NOTE: the options are copied, not read from serverless.yml; a change there
 * must be repeated here.
 */
export async function measureBundleSizes(): Promise<Record<FunctionName, number>> {
  const outputDirectory = await mkdtemp(path.join(tmpdir(), 'aggregator-bundle-'));
  try {
    const plugins = createRequire(import.meta.url)(path.join(REPOSITORY_ROOT, 'scripts/esbuildPlugins.cjs')) as Plugin[];
    const sizes = {} as Record<FunctionName, number>;
    for (const name of FUNCTIONS) {
      const outfile = path.join(outputDirectory, 'functions', `${name}.cjs`);
      await build({
        absWorkingDir: REPOSITORY_ROOT,
        entryPoints: [path.join(REPOSITORY_ROOT, 'functions', `${name}.ts`)],
        outfile,
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
      sizes[name] = (await stat(outfile)).size;
    }
    return sizes;
  } finally {
    await rm(outputDirectory, { recursive: true, force: true });
  }
}
