/// <reference types="vite/client" />
import type { Api } from '../../core/contract/client.js';

/** What the Electron preload exposes; absent in a plain browser. */
export interface ShellBridge {
  /** The local path of a dropped or picked file (Electron's webUtils.getPathForFile). */
  pathForFile(file: File): string;
}

declare global {
  interface Window {
    api?: Api;
    pixelsmithShell?: ShellBridge;
  }
}
