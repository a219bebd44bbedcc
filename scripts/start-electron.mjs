// `npm start`: launches the desktop app. Electron 45 downloads its binary on first use (the
// require below); where that cannot happen (an offline machine, a CI box), this says so and
// points to the browser studio instead.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let binary;
try {
  binary = require('electron');
} catch (error) {
  binary = null;
  console.error(`(${error instanceof Error ? error.message.split('\n')[0] : error})`);
}
if (typeof binary !== 'string' || !existsSync(binary)) {
  console.error(
    'The Electron binary is not installed on this machine, so the desktop app cannot start here.\n' +
      'Use the same studio in your browser instead:  npm run web\n' +
      '(To get Electron, run `npm start` again where its download server can be reached.)',
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
