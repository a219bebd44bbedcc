import { createContext, useContext, useEffect, useState } from 'react';
import type { ConnectionState } from '../../../core/contract/transport-http.js';
import { connection } from '../api/client.js';

export interface Connection {
  state: ConnectionState;
  /** Actions are offered only while the core can be reached. */
  online: boolean;
  /** How often the connection came back; views re-read their state each time (events were missed). */
  reconnects: number;
}

/** The server connection (always open on the desktop, where core is in the same app). */
export function useConnectionState(): Connection {
  const [state, setState] = useState<ConnectionState>(connection?.state() ?? 'open');
  const [reconnects, setReconnects] = useState(0);
  useEffect(() => {
    if (!connection) return;
    let wasLost = false;
    return connection.subscribe((next) => {
      setState(next);
      if (next === 'reconnecting' || next === 'disconnected') wasLost = true;
      if (next === 'open' && wasLost) {
        wasLost = false;
        setReconnects((n) => n + 1);
      }
    });
  }, []);
  return { state, online: state === 'open' || state === 'connecting', reconnects };
}

export const ConnectionContext = createContext<Connection>({ state: 'open', online: true, reconnects: 0 });

export const useConnection = (): Connection => useContext(ConnectionContext);
