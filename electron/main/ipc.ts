import { dialog, ipcMain, shell, type BrowserWindow, type WebFrameMain } from 'electron';
import type { Core } from '../../core/app/createCore.js';
import { dispatch } from '../../core/contract/dispatch.js';
import { IPC, type IpcCall } from '../../core/contract/ipc.js';

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
 * One `ipcMain.handle` per contract method and one event channel per event (house rule 2: the
 * contract is the only list of channels), plus the cancel channel. The only file that touches
 * `ipcMain`. Returns a function that undoes it.
 */
export function registerIpc(
  core: Core,
  windows: () => readonly BrowserWindow[],
  log: (line: string) => void,
): () => void {
  const inFlight = new Map<string, AbortController>();
  const names = Object.keys(core.methods);
  for (const name of names) {
    ipcMain.handle(IPC.call(name), async (event, call: IpcCall) => {
      if (!isTrustedFrame(event.senderFrame)) {
        log(`refused ${IPC.call(name)} from ${event.senderFrame?.url ?? 'an unknown frame'}`);
        return { ok: false, error: { code: 'FORBIDDEN', message: 'This window may not call Pixelsmith.' } };
      }
      const controller = new AbortController();
      const id = `${event.sender.id}:${String(call?.callId)}`;
      inFlight.set(id, controller);
      try {
        return await dispatch(core, name, call?.input, {
          signal: controller.signal,
          onUnexpectedError: (method, error) =>
            log(
              `${method} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
            ),
        });
      } finally {
        inFlight.delete(id);
      }
    });
  }
  const onCancel = (event: Electron.IpcMainEvent, callId: unknown): void => {
    if (isTrustedFrame(event.senderFrame)) inFlight.get(`${event.sender.id}:${String(callId)}`)?.abort();
  };
  ipcMain.on(IPC.cancel, onCancel);
  // Desktop-only verbs: the output is found through the contract, so a window can reveal only
  // what a job made, never name a path of its own.
  ipcMain.handle(IPC.showInFolder, async (event, itemId: unknown, index: unknown) => {
    if (!isTrustedFrame(event.senderFrame)) return false;
    const out = await dispatch(core, 'files.outputRef', { itemId, index: index ?? 0 });
    if (!out.ok) return false;
    shell.showItemInFolder((out.value as { path: string }).path);
    return true;
  });
  ipcMain.handle(IPC.pickFolder, async (event, title: unknown) => {
    if (!isTrustedFrame(event.senderFrame)) return null;
    const owner = windows().find((w) => w.webContents === event.sender);
    const options: Electron.OpenDialogOptions = {
      title: typeof title === 'string' ? title.slice(0, 200) : 'Choose a folder',
      properties: ['openDirectory', 'createDirectory'],
    };
    const picked = owner ? await dialog.showOpenDialog(owner, options) : await dialog.showOpenDialog(options);
    return picked.canceled ? null : (picked.filePaths[0] ?? null);
  });
  const unsubscribe = core.events.subscribe((event) => {
    for (const win of windows()) {
      if (!win.isDestroyed()) win.webContents.send(IPC.event(event.name), event.payload);
    }
  });
  return () => {
    unsubscribe();
    ipcMain.off(IPC.cancel, onCancel);
    ipcMain.removeHandler(IPC.showInFolder);
    ipcMain.removeHandler(IPC.pickFolder);
    for (const name of names) ipcMain.removeHandler(IPC.call(name));
    for (const controller of inFlight.values()) controller.abort();
  };
}
