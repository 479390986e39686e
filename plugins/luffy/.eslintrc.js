module.exports = require('@backstage/cli/config/eslint-factory')(__dirname, {
  // Production code never talks to the sandbox directly: it uses the real clients pointed
  // at other URLs (see packages/sandbox/README.md). Tests may use it.
  restrictedSrcImports: [
    {
      name: '@openluffy/sandbox',
      message:
        'Production code must not import the sandbox; configure the real client with its URL instead.',
    },
  ],
});
