/// <reference types="vite/client" />
import type { Api } from '../../core/contract/client.js';

/** What the Electron preload exposes; absent in a plain browser. */
export interface ShellBridge {
  /** The local path of a dropped or picked file (Electron's webUtils.getPathForFile). */
  pathForFile(file: File): string;
  /** Reveals a finished item's output in the system's file manager. */
  showInFolder(itemId: number, index?: number): Promise<boolean>;
  /** The system's folder picker: the chosen folder, or null when cancelled. */
  pickFolder(title?: string): Promise<string | null>;
}

declare global {
  interface Window {
    api?: Api;
    pixelsmithShell?: ShellBridge;
  }
}
