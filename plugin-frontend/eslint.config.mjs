import grafanaConfig from '@grafana/eslint-config';

export default [
  { ignores: ['node_modules/**', 'coverage/**', 'tests/e2e/.build/**', 'tests/e2e/output/**'] },
  ...grafanaConfig,
  {
    files: ['**/*.{ts,tsx}'],
    rules: {
      'react/prop-types': 'off',
      'react/react-in-jsx-scope': 'off',
    },
  },
];
