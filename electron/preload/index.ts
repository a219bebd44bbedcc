import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { buildClient, type Transport } from '../../core/contract/client.js';
import type { Result } from '../../core/contract/dispatch.js';
import { EVENT_NAMES, type EventEnvelope } from '../../core/contract/events.js';

/** Carries the contract over IPC: `rpc:<name>` invocations and `evt:<name>` messages. */
const transport: Transport = {
  call: (name, input) => ipcRenderer.invoke(`rpc:${name}`, input) as Promise<Result<unknown>>,
  subscribe(listener) {
    const bound = EVENT_NAMES.map((name) => {
      const handler = (_event: IpcRendererEvent, payload: unknown): void =>
        listener({ name, payload } as EventEnvelope);
      ipcRenderer.on(`evt:${name}`, handler);
      return [name, handler] as const;
    });
    return () => {
      for (const [name, handler] of bound) ipcRenderer.removeListener(`evt:${name}`, handler);
    };
  },
};

// Named functions only: the renderer never gets ipcRenderer or a generic send/invoke.
contextBridge.exposeInMainWorld('api', buildClient(transport));
contextBridge.exposeInMainWorld('pixelsmithShell', {
  pathForFile: (file: File): string => webUtils.getPathForFile(file),
});
