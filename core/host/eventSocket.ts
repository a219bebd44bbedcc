import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { SubscribeMessage } from '../contract/transport-http.js';
import type { EventBus } from '../kernel/events.js';
import { parseTarget } from './http.js';

/** A client's `{subscribe: [...names] | '*'}`; anything else is ignored. */
function parseSubscribe(text: string): SubscribeMessage | null {
  try {
    const value = JSON.parse(text) as { subscribe?: unknown };
    const names = value.subscribe;
    if (names === '*') return { subscribe: '*' };
    if (Array.isArray(names) && names.length <= 1000 && names.every((n) => typeof n === 'string')) {
      return { subscribe: names as string[] };
    }
  } catch {
    // Not JSON: ignored like any other unknown message.
  }
  return null;
}

function refuse(socket: Duplex, status: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
}

/**
 * The `/events` WebSocket: core events to the browser, filtered by what each socket asked for
 * (every event until it says). Upgrades are parsed defensively (any bytes can arrive before the
 * token is checked) and answered 400/401/404 rather than ever throwing.
 */
export function createEventSocket(events: EventBus, authorized: (req: IncomingMessage) => boolean) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const alive = new WeakSet<WebSocket>();

  const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    try {
      const url = parseTarget(req.url);
      if (url === null) return refuse(socket, '400 Bad Request');
      if (url.pathname !== '/events') return refuse(socket, '404 Not Found');
      if (!authorized(req)) return refuse(socket, '401 Unauthorized');
      wss.handleUpgrade(req, socket, head, (ws) => {
        alive.add(ws);
        ws.on('pong', () => alive.add(ws));
        let wanted: ReadonlySet<string> | null = null;
        ws.on('message', (data) => {
          const message = parseSubscribe(String(data));
          if (message) wanted = message.subscribe === '*' ? null : new Set(message.subscribe);
        });
        const unsubscribe = events.subscribe((event) => {
          if (ws.readyState === ws.OPEN && (wanted === null || wanted.has(event.name))) {
            ws.send(JSON.stringify(event));
          }
        });
        ws.on('close', unsubscribe);
        ws.on('error', unsubscribe);
      });
    } catch {
      refuse(socket, '400 Bad Request');
    }
  };

  // Drop sockets whose peer vanished without a close (sleeping laptops, dead tabs).
  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.has(ws)) {
        ws.terminate();
        continue;
      }
      alive.delete(ws);
      ws.ping();
    }
  }, 30_000);
  heartbeat.unref();

  return {
    upgrade,
    close(): void {
      clearInterval(heartbeat);
      for (const ws of wss.clients) ws.terminate();
      wss.close();
    },
  };
}
