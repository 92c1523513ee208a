// The web console's assets as a module: `import assets from 'edgekms:console-assets'` in a bundled entry
// point (npm start, the CLI, dist/) gets { html, js, css } as strings, the JS bundled here by esbuild from
// src/console/web/main.ts for browsers. Built with the server bundle, so the page always matches the
// sources and nothing prebuilt is committed.
import { build } from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root = dirname(fileURLToPath(import.meta.url));
while (!existsSync(join(root, 'package.json')) && dirname(root) !== root) root = dirname(root);
const web = join(root, 'src/console/web');

/** The browser bundle and its page, as strings. */
export async function buildConsoleAssets() {
  const r = await build({
    entryPoints: [join(web, 'main.ts')],
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
    metafile: true,
    absWorkingDir: root,
  });
  return {
    assets: { html: readFileSync(join(web, 'index.html'), 'utf8'), css: readFileSync(join(web, 'console.css'), 'utf8'), js: r.outputFiles[0].text },
    inputs: Object.keys(r.metafile.inputs).map((i) => join(root, i)),
  };
}

/** esbuild plugin resolving `edgekms:console-assets`. */
export const consoleAssetsPlugin = {
  name: 'console-assets',
  setup(b) {
    b.onResolve({ filter: /^edgekms:console-assets$/ }, () => ({ path: 'console-assets', namespace: 'edgekms-console' }));
    b.onLoad({ filter: /.*/, namespace: 'edgekms-console' }, async () => {
      const { assets, inputs } = await buildConsoleAssets();
      return { contents: `export default ${JSON.stringify(assets)};`, loader: 'js', watchFiles: [...inputs, join(web, 'index.html'), join(web, 'console.css')] };
    });
  },
};
