import { buildClient, type Api } from '../../../core/contract/client.js';
import { createHttpTransport, type ConnectionWatch } from '../../../core/contract/transport-http.js';

/** The web shell's transport to the server that served this page (auth rides on its cookie). */
const http = window.api
  ? null
  : createHttpTransport({
      baseUrl: '',
      webSocket: (url) => new WebSocket(url),
    });

/**
 * The one API object the UI uses: Electron's preload bridge when present, else the web shell's
 * HTTP/WebSocket transport.
 */
export const api: Api = window.api ?? buildClient(http as NonNullable<typeof http>);

/** The server connection's state in the browser studio; null on the desktop (no network between). */
export const connection: ConnectionWatch | null = http?.connection ?? null;

export const isDesktop = window.api !== undefined;
