// Merged into @jupyterlab/builder's webpack config (package.json jupyterlab.webpackConfig). plotly.js ships as one
// minified self-contained bundle (no require calls): webpack need not parse it and terser need not minify it again,
// which takes most of a production build otherwise. The rest of the extension is minified as usual.
const TerserPlugin = require('terser-webpack-plugin');

module.exports = {
  module: { noParse: /plotly\.js-basic-dist-min/ },
  optimization: { minimizer: [new TerserPlugin({ exclude: /^plotly\./ })] },
};
