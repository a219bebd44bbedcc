/**
 * The Electron IPC channels, all derived from the contract: one invoke channel per method, one
 * message channel per event, and one to cancel a call in flight. Main and preload both use these.
 */
export const IPC = {
  call: (method: string): string => `rpc:${method}`,
  event: (name: string): string => `evt:${name}`,
  /** renderer → main: `callId` of an invocation to abort. */
  cancel: 'rpc:cancel',
  /** The desktop's own windows: reveal an item's output in the file manager (by item, never a path). */
  showInFolder: 'shell:showInFolder',
  /** The system's folder picker; answers the chosen folder or null. */
  pickFolder: 'shell:pickFolder',
} as const;

/** What the preload sends with each invocation: the input and an id to cancel it by. */
export interface IpcCall {
  callId: string;
  input: unknown;
}
