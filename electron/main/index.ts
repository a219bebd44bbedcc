import { readFile } from 'node:fs/promises';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, protocol, session } from 'electron';
import { createCore, type Core } from '../../core/app/createCore.js';
import { STUDIO_CSP } from '../../core/host/csp.js';
import { APP_ORIGIN, registerIpc } from './ipc.js';
import { desktopSecretBox } from './secretBox.js';

const here = dirname(fileURLToPath(import.meta.url));
const RENDERER_DIR = join(here, '..', '..', 'renderer');
const PRELOAD = join(here, '..', 'preload', 'index.cjs');
const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

protocol.registerSchemesAsPrivileged([
  { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

// The same data folder as the CLI and the web shell (PIXELSMITH_DATA_DIR overrides it too).
if (process.env.PIXELSMITH_DATA_DIR) app.setPath('userData', resolve(process.env.PIXELSMITH_DATA_DIR));

let core: Core | null = null;
let mainWindow: BrowserWindow | null = null;
const log = (line: string): void => console.error(`[pixelsmith] ${line}`);

/** Serves dist/renderer on app://pixelsmith/ with the studio's CSP; nothing outside it. */
function serveRenderer(): void {
  const root = resolve(RENDERER_DIR);
  protocol.handle('app', async (request) => {
    const url = new URL(request.url);
    let file = resolve(join(root, normalize(decodeURIComponent(url.pathname))));
    if (!file.startsWith(root + sep)) return new Response('Not found', { status: 404 });
    if (url.pathname === '/' || extname(file) === '') file = join(root, 'index.html');
    try {
      const body = await readFile(file);
      return new Response(body, {
        headers: {
          'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
          'content-security-policy': STUDIO_CSP,
        },
      });
    } catch {
      return new Response('Not found', { status: 404 });
    }
  });
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 600,
    title: 'Pixelsmith',
    show: false,
    webPreferences: {
      preload: PRELOAD,
      contextIsolation: true,
      sandbox: true,
      // DevTools only in development: a packaged app gives no console to a page or a passer-by.
      devTools: !app.isPackaged,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win.show());
  void win.loadURL(`${APP_ORIGIN}/index.html`);
  return win;
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (mainWindow) {
      if (mainWindow.isMinimized()) mainWindow.restore();
      mainWindow.focus();
    }
  });

  // No navigation away from the studio and no new windows, whatever the renderer asks for.
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event, url) => {
      if (!url.startsWith(`${APP_ORIGIN}/`)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });

  void app.whenReady().then(() => {
    session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
    serveRenderer();
    try {
      core = createCore({
        dataDir: app.getPath('userData'),
        shell: 'electron',
        version: app.getVersion(),
        services: { secrets: desktopSecretBox(app.getPath('userData')) },
      });
    } catch (error) {
      log(error instanceof Error ? error.message : String(error));
      app.exit(1);
      return;
    }
    registerIpc(core, () => BrowserWindow.getAllWindows(), log);
    mainWindow = createWindow();
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) mainWindow = createWindow();
    });
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  // Running items go back to the queue before the database closes; they resume next launch.
  let closing = false;
  app.on('will-quit', (event) => {
    if (!core || closing) return;
    closing = true;
    event.preventDefault();
    void core.close().finally(() => app.exit(0));
  });
}
