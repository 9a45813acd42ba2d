// Unit tests of the pure logic and of thin components (jsdom). Grafana packages come from node_modules.
module.exports = {
  testEnvironment: 'jsdom',
  roots: ['<rootDir>/src'],
  testMatch: ['**/*.test.ts', '**/*.test.tsx'],
  transform: {
    // .mjs too: @grafana/data and @grafana/ui load ESM-only packages (d3-color's .mjs) under jsdom.
    '^.+\\.(t|j)sx?$|^.+\\.mjs$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript', tsx: true }, transform: { react: { runtime: 'automatic' } } } },
    ],
  },
  transformIgnorePatterns: ['node_modules/(?!(@grafana|ol|d3|d3-.*|internmap|delaunator|robust-predicates|marked|uuid|react-calendar|@wojtekmaj|get-user-locale|memoize|mimic-function|react-colorful)/)'],
  moduleNameMapper: { '\\.(css|svg)$': '<rootDir>/tests/jest/fileMock.js' },
  setupFilesAfterEnv: ['<rootDir>/tests/jest/setup.ts'],
};
