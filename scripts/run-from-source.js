// Runs a TypeScript entry of this repo in a plain Node process (for tests that must SIGKILL a real service):
// transpiles .ts with swc as the Jest preset does and maps @mcp-host/* to the packages' sources.
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const { transformSync } = require('@swc/core');

const repoRoot = path.resolve(__dirname, '..');
const sources = {};
for (const group of ['packages', 'apps']) {
  for (const name of fs.readdirSync(path.join(repoRoot, group))) {
    const src = path.join(repoRoot, group, name, 'src');
    if (fs.existsSync(src)) sources[`@mcp-host/${name}`] = src;
  }
}

const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  const m = /^(@mcp-host\/[^/]+)(\/.*)?$/.exec(request);
  if (m && sources[m[1]]) request = path.join(sources[m[1]], m[2] ?? 'index');
  return resolve.call(this, request, parent, ...rest);
};
const exts = Module._extensions;
exts['.ts'] = (module, filename) => {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  });
  module._compile(code, filename);
};

require(path.resolve(process.argv[2]));
