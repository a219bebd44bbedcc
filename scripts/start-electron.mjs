// `npm start`: launches the desktop app. Electron 45 downloads its binary on first use (the
// require below); where that cannot happen (an offline machine, a CI box), this says so and
// points to the browser studio instead.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const electronDir = dirname(require.resolve('electron/package.json'));

/** The installed binary, without touching electron's own index.js (which downloads noisily). */
function installedBinary() {
  const pathFile = join(electronDir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const binary = join(electronDir, 'dist', readFileSync(pathFile, 'utf8'));
  return existsSync(binary) ? binary : null;
}

let binary = installedBinary();
if (!binary) {
  console.error('Downloading the Electron binary (first start)…');
  // Quietly: where the download cannot happen, one friendly message is all a user should see.
  const download = spawnSync(process.execPath, [join(electronDir, 'install.js')], { encoding: 'utf8' });
  binary = download.status === 0 ? installedBinary() : null;
}
if (!binary) {
  console.error(
    'The Electron binary could not be downloaded here (offline?), so the desktop app cannot start.\n' +
      'Use the same studio in your browser instead:  npm run web\n' +
      '(Run `npm start` again where the Electron download server can be reached.)',
  );
  process.exit(1);
}

// Native modules (better-sqlite3, sharp, onnxruntime-node) must match Electron's ABI. This
// rebuild downloads Electron's headers, so it happens here and never in postinstall.
const rebuild = spawnSync('npx', ['electron-builder', 'install-app-deps'], {
  stdio: 'inherit',
  shell: process.platform === 'win32',
});
if (rebuild.status !== 0) {
  console.error('Rebuilding native modules for Electron failed; see above.');
  process.exit(rebuild.status ?? 1);
}
console.error('Note: native modules are now built for Electron; run `npm rebuild` before `npm test`.');
const child = spawn(binary, ['.'], { stdio: 'inherit' });
child.on('exit', (code) => process.exit(code ?? 0));
