import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { buildClient, cancelledResult, type Transport } from '../../core/contract/client.js';
import type { Result } from '../../core/contract/dispatch.js';
import { EVENT_NAMES, type EventEnvelope } from '../../core/contract/events.js';
import { IPC, type IpcCall } from '../../core/contract/ipc.js';

let calls = 0;

/** Carries the contract over IPC: one invocation per call (cancellable), one channel per event. */
const transport: Transport = {
  async call(name, input, options) {
    const signal = options?.signal;
    if (signal?.aborted) return cancelledResult(name);
    const call: IpcCall = { callId: String((calls += 1)), input };
    const cancel = (): void => ipcRenderer.send(IPC.cancel, call.callId);
    signal?.addEventListener('abort', cancel, { once: true });
    try {
      return (await ipcRenderer.invoke(IPC.call(name), call)) as Result<unknown>;
    } finally {
      signal?.removeEventListener('abort', cancel);
    }
  },
  subscribe(listener, names = EVENT_NAMES) {
    // Only the channels asked for are listened to.
    const bound = names.map((name) => {
      const handler = (_event: IpcRendererEvent, payload: unknown): void =>
        listener({ name, payload } as EventEnvelope);
      ipcRenderer.on(IPC.event(name), handler);
      return [name, handler] as const;
    });
    return () => {
      for (const [name, handler] of bound) ipcRenderer.removeListener(IPC.event(name), handler);
    };
  },
};

// Named functions only: the renderer never gets ipcRenderer or a generic send/invoke.
contextBridge.exposeInMainWorld('api', buildClient(transport));
contextBridge.exposeInMainWorld('pixelsmithShell', {
  pathForFile: (file: File): string => webUtils.getPathForFile(file),
  showInFolder: (itemId: number, index = 0): Promise<boolean> =>
    ipcRenderer.invoke(IPC.showInFolder, itemId, index) as Promise<boolean>,
  pickFolder: (title?: string): Promise<string | null> =>
    ipcRenderer.invoke(IPC.pickFolder, title) as Promise<string | null>,
});
