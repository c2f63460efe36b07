// Shared Jest preset: swc transpiles TypeScript (with Nest decorator metadata) so tests start fast on 2 cores.
const path = require('node:path');

// Tests import workspace packages from source, so a unit test never needs a prior build.
function workspaceMapper() {
  const fs = require('node:fs');
  const map = {};
  for (const group of ['packages', 'apps']) {
    for (const name of fs.readdirSync(path.join(__dirname, group))) {
      const src = path.join(__dirname, group, name, 'src');
      if (!fs.existsSync(src)) continue;
      map[`^@mcp-host/${name}$`] = src;
      map[`^@mcp-host/${name}/(.*)$`] = `${src}/$1`;
    }
  }
  return map;
}

/** @param {string} dir the package directory */
module.exports = (dir, overrides = {}) => ({
  rootDir: dir,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.test.ts'],
  transform: {
    '^.+\\.ts$': [
      require.resolve('@swc/jest'),
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
        },
        module: { type: 'commonjs' },
        sourceMaps: 'inline',
      },
    ],
  },
  moduleNameMapper: workspaceMapper(),
  testTimeout: 60_000,
  ...overrides,
});
