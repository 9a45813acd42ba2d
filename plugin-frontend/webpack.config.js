// Builds the plugin's frontend the way @grafana/create-plugin does: one AMD module.js whose
// Grafana-provided packages stay external (Grafana's SystemJS loader hands them in), served from
// public/plugins/<id>/. Output goes to the repository's dist/ (the plugin folder) without cleaning
// it, so a frontend rebuild never deletes the backend executables placed there by the packaging step.
const path = require('path');
const fs = require('fs');
const CopyWebpackPlugin = require('copy-webpack-plugin');

const pluginJson = JSON.parse(fs.readFileSync(path.join(__dirname, 'src/plugin.json'), 'utf8'));
const outDir = process.env.PLUGIN_DIST_DIR
  ? path.resolve(process.env.PLUGIN_DIST_DIR)
  : path.resolve(__dirname, '..', 'dist');

// Grafana's shared dependencies (public/app/features/plugins/loader/sharedDependencies.ts).
const externals = [
  { 'amd-module': 'module' },
  'lodash',
  'react',
  'react-dom',
  'rxjs',
  'rxjs/operators',
  '@emotion/css',
  '@emotion/react',
  /^@grafana\/ui/i,
  /^@grafana\/runtime/i,
  /^@grafana\/data/i,
  /^@grafana\/i18n/i,
];

module.exports = (env, argv) => {
  const production = argv.mode !== 'development';
  return {
    context: __dirname,
    entry: { module: './src/module.ts' },
    devtool: 'source-map',
    mode: production ? 'production' : 'development',
    externals,
    externalsType: 'amd',
    output: {
      path: outDir,
      filename: '[name].js',
      library: { type: 'amd' },
      publicPath: `public/plugins/${pluginJson.id}/`,
      uniqueName: pluginJson.id,
      clean: false,
    },
    resolve: { extensions: ['.ts', '.tsx', '.js', '.jsx'] },
    module: {
      rules: [
        {
          test: /\.[tj]sx?$/,
          exclude: /node_modules/,
          use: {
            loader: 'swc-loader',
            options: {
              jsc: {
                target: 'es2020',
                parser: { syntax: 'typescript', tsx: true, decorators: false, dynamicImport: true },
                transform: { react: { runtime: 'automatic' } },
              },
            },
          },
        },
        { test: /\.svg$/, type: 'asset/resource', generator: { filename: 'img/[name][ext]' } },
      ],
    },
    plugins: [
      new CopyWebpackPlugin({
        patterns: [
          { from: 'src/plugin.json', to: 'plugin.json' },
          { from: 'src/img', to: 'img' },
          { from: 'src/README.md', to: 'README.md' },
          { from: 'CHANGELOG.md', to: 'CHANGELOG.md' },
          { from: '../LICENSE', to: 'LICENSE', toType: 'file' },
        ],
      }),
    ],
    performance: { hints: false },
  };
};
