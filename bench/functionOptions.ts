/**
 * The NODE_OPTIONS of the `sync` function in serverless.yml, with which the
 * bench runs the bundled sync. Copied rather than read from serverless.yml;
 * test/integration/serverlessPackage.test.ts fails when the two differ.
 */
export const SYNC_FUNCTION_NODE_OPTIONS = ['--enable-source-maps', '--max-old-space-size=192', '--max-semi-space-size=8'];
