import { ipcMain, type BrowserWindow, type WebFrameMain } from 'electron';
import type { Core } from '../../core/app/createCore.js';
import { dispatch } from '../../core/contract/dispatch.js';
import { METHOD_NAMES } from '../../core/contract/methods.js';

/** The renderer is only ever loaded from the app:// protocol; anything else is not ours. */
export const APP_ORIGIN = 'app://pixelsmith';

function isTrustedFrame(frame: WebFrameMain | null): boolean {
  if (!frame) return false;
  try {
    return new URL(frame.url).origin === APP_ORIGIN || frame.url.startsWith(`${APP_ORIGIN}/`);
  } catch {
    return false;
  }
}

/**
 * One `ipcMain.handle('rpc:<name>')` per contract method and one `evt:<name>` channel per event;
 * the contract is the only list of channels (house rule 2). Returns a function that undoes it.
 */
export function registerIpc(
  core: Core,
  windows: () => readonly BrowserWindow[],
  log: (line: string) => void,
): () => void {
  for (const name of METHOD_NAMES) {
    ipcMain.handle(`rpc:${name}`, (event, input: unknown) => {
      if (!isTrustedFrame(event.senderFrame)) {
        log(`refused rpc:${name} from ${event.senderFrame?.url ?? 'an unknown frame'}`);
        return { ok: false, error: { code: 'FORBIDDEN', message: 'This window may not call Pixelsmith.' } };
      }
      return dispatch(core.handlers, name, input, {
        onUnexpectedError: (method, error) =>
          log(`${method} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`),
      });
    });
  }
  const unsubscribe = core.events.subscribe((event) => {
    for (const win of windows()) {
      if (!win.isDestroyed()) win.webContents.send(`evt:${event.name}`, event.payload);
    }
  });
  return () => {
    unsubscribe();
    for (const name of METHOD_NAMES) ipcMain.removeHandler(`rpc:${name}`);
  };
}
