/*
 * The ESLint config of every production package (app, backend, plugins): Backstage's config
 * for the package's role plus the suite's own rules. Each package's .eslintrc.js is
 *
 *   module.exports = require('../../scripts/eslint/productionPackage')(__dirname);
 *
 * Rule: production code never imports the sandbox (by name, by subpath or by relative path);
 * it reaches GitHub, Kubernetes, Argo CD and Anthropic through the real clients pointed at
 * URLs from config (see packages/sandbox/README.md). Tests may import it. The rule is tested
 * against each package's real config in packages/sandbox/src/isolation.test.ts.
 */

const SANDBOX_MESSAGE =
  'Production code must not import the sandbox; configure the real client with its URL instead.';

/** Module names and paths that reach into the sandbox package. */
const SANDBOX_PATTERNS = [
  '@openluffy/sandbox/*',
  '**/packages/sandbox',
  '**/packages/sandbox/**',
];

/**
 * @param {string} dir the package directory (__dirname of its .eslintrc.js)
 * @param {object} [extraConfig] extra options for Backstage's eslint-factory
 */
function productionPackage(dir, extraConfig = {}) {
  return require('@backstage/cli/config/eslint-factory')(dir, {
    ...extraConfig,
    restrictedSrcImports: [
      { name: '@openluffy/sandbox', message: SANDBOX_MESSAGE },
      ...(extraConfig.restrictedSrcImports ?? []),
    ],
    // (the factory applies these patterns to source files only, not to tests)
    restrictedImportPatterns: [
      ...SANDBOX_PATTERNS,
      ...(extraConfig.restrictedImportPatterns ?? []),
    ],
  });
}

module.exports = productionPackage;
module.exports.SANDBOX_MESSAGE = SANDBOX_MESSAGE;
