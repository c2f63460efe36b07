// jose ships as an ES module; swc turns it into CommonJS for Jest (Node itself loads it natively).
const preset = require('../../jest.preset.js')(__dirname);

module.exports = {
  ...preset,
  transform: {
    ...preset.transform,
    '/node_modules/.+/jose/.+\\.js$': [
      require.resolve('@swc/jest'),
      { jsc: { target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!(\\.pnpm/jose@[^/]+/node_modules/)?jose/)'],
};
