import { buildClient, type Api } from '../../../core/contract/client.js';
import { createHttpTransport } from '../../../core/contract/transport-http.js';

/**
 * The one API object the UI uses: Electron's preload bridge when present, else the web shell's
 * HTTP/WebSocket transport to the server that served this page (auth rides on its cookie).
 */
export const api: Api =
  window.api ??
  buildClient(
    createHttpTransport({
      baseUrl: '',
      webSocket: (url) => new WebSocket(url),
    }),
  );

export const isDesktop = window.api !== undefined;
