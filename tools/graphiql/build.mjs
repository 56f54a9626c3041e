// Builds the GraphiQL page into host/Crm.Host/wwwroot/graphiql/ (committed assets).
// Usage: npm ci && npm run build
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const outDir = path.resolve(here, '../../host/Crm.Host/wwwroot/graphiql');

await rm(outDir, { recursive: true, force: true });
await mkdir(outDir, { recursive: true });

await build({
  absWorkingDir: here,
  entryPoints: { graphiql: 'src/index.jsx' },
  outdir: outDir,
  bundle: true,
  minify: true,
  format: 'iife',
  platform: 'browser',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  jsx: 'automatic',
  define: { 'process.env.NODE_ENV': '"production"' },
  legalComments: 'none',
  sourcemap: false,
  // Fonts/images in graphiql's CSS are already data: URLs; inline anything else too
  // so the output stays index.html + one JS + one CSS.
  loader: { '.woff': 'dataurl', '.woff2': 'dataurl', '.ttf': 'dataurl', '.png': 'dataurl', '.svg': 'dataurl' },
  logLevel: 'warning',
});

const hash = async (file) =>
  createHash('sha256').update(await readFile(path.join(outDir, file))).digest('hex').slice(0, 12);

const html = (await readFile(path.join(here, 'src/index.html'), 'utf8'))
  .replace('__JS_HASH__', await hash('graphiql.js'))
  .replace('__CSS_HASH__', await hash('graphiql.css'));
await writeFile(path.join(outDir, 'index.html'), html);

for (const file of ['index.html', 'graphiql.js', 'graphiql.css']) {
  const { size } = await stat(path.join(outDir, file));
  console.log(`${file.padEnd(14)} ${(size / 1024).toFixed(1).padStart(8)} KiB`);
}
