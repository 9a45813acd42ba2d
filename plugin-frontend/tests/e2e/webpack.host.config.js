// The browser test's host page (tests/e2e/host): React, Grafana's packages, @grafana/flamegraph, Monaco
// (through @grafana/ui's CodeEditor) and SystemJS in one bundle under tests/e2e/.build. The plugin's
// module.js is not part of it: the page loads it at run time from the plugin folder through SystemJS.
const path = require('path');

module.exports = {
  context: __dirname,
  mode: 'production',
  entry: { host: './host/main.tsx' },
  devtool: false,
  output: {
    path: path.join(__dirname, '.build'),
    publicPath: '/host/',
    filename: '[name].js',
    chunkFilename: '[name].[contenthash:8].js',
    assetModuleFilename: 'assets/[name].[contenthash:8][ext]',
    clean: true,
  },
  resolve: { extensions: ['.ts', '.tsx', '.js', '.jsx', '.mjs'] },
  module: {
    rules: [
      // Grafana's ESM builds import some packages' files without extensions (ol/format/WKT), and take the
      // default export of CommonJS packages (react-custom-scrollbars-2) with Babel's __esModule interop,
      // as Grafana's own build (from source) does: parse them as auto, not strict ESM.
      { test: /\.m?js$/, include: /node_modules/, type: 'javascript/auto', resolve: { fullySpecified: false } },
      {
        test: /\.[tj]sx?$/,
        exclude: /node_modules/,
        use: {
          loader: 'swc-loader',
          options: {
            jsc: {
              target: 'es2020',
              parser: { syntax: 'typescript', tsx: true },
              transform: { react: { runtime: 'automatic' } },
            },
          },
        },
      },
      { test: /\.css$/, use: ['style-loader', 'css-loader'] },
      { test: /\.(ttf|woff2?|svg|png)$/, type: 'asset/resource' },
    ],
  },
  // A test bundle on loopback: skip minification (it would cost minutes on Monaco and Grafana's UI).
  optimization: { minimize: false },
  performance: { hints: false },
  stats: 'errors-warnings',
};
