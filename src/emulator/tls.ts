// The emulator's listening server: plain HTTP, or HTTPS with the local certificates (certificate.ts).
// Both serve the same request listener; https.Server is an http.Server over TLS sockets, so the rest
// of the emulator (timeouts, closeAllConnections, held requests, streams) is the same either way.

import { createServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { LocalCertificates } from './certificate.js';

export function createFrontServer(listener: RequestListener, certificates?: LocalCertificates): Server {
  if (!certificates) return createServer(listener);
  const server = createHttpsServer(
    {
      key: certificates.serverKeyPem,
      cert: certificates.serverChainPem,
      // HTTP/1.1 only: the emulator is a node:http server; a client offering h2 falls back to it.
      ALPNProtocols: ['http/1.1'],
    },
    listener,
  );
  // The connection faults (reset-before, reset-after-create, truncate, stall) reset the socket with
  // an RST. A TLS socket's handle is the TLS layer, which Node cannot reset ("This handle type cannot
  // be sent"), so reset the TCP connection under it instead: the client sees ECONNRESET, as over HTTP.
  server.on('secureConnection', (tlsSocket: TLSSocket) => {
    const tcp = (tlsSocket as TLSSocket & { _parent?: Socket })._parent;
    tlsSocket.resetAndDestroy = () => {
      if (tcp && !tcp.destroyed) tcp.resetAndDestroy();
      return tlsSocket.destroy();
    };
  });
  return server;
}
