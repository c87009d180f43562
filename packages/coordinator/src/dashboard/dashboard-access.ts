/**
 * Who may see the dashboard. Unless it is made public, only this machine: the connection must come
 * from a loopback address, and the Host it asked for must be a loopback name too, so that a web page
 * elsewhere cannot reach it by pointing its own domain at 127.0.0.1 (DNS rebinding). A browser's
 * Origin must be the page's own: the dashboard's, never another site's.
 */
import type { IncomingMessage } from 'node:http';
import { isIPv4 } from 'node:net';
import { isLoopbackHost } from '@cohort/protocol';

/** Whether a socket's remote address is this machine: 127.0.0.0/8, ::1, or 127.x mapped into IPv6. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const bare = address.toLowerCase();
  if (bare === '::1' || bare === '0:0:0:0:0:0:0:1') return true;
  const v4 = bare.startsWith('::ffff:') ? bare.slice('::ffff:'.length) : bare;
  return isIPv4(v4) && v4.startsWith('127.');
}

/** The host name of a Host header (`127.0.0.1:8080`, `[::1]:8080`, `localhost`), without its port. */
export function hostName(host: string): string {
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const colon = host.lastIndexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}

/** What a request looks like to the access rules: its remote address and headers. */
export interface AccessRequest {
  remoteAddress: string | undefined;
  host: string | undefined;
  origin: string | undefined;
  /** Whether it arrived over TLS (the page's origin is then https). */
  secure: boolean;
}

export function accessRequest(req: IncomingMessage): AccessRequest {
  return {
    remoteAddress: req.socket.remoteAddress,
    host: req.headers.host,
    origin: req.headers.origin,
    secure: 'encrypted' in req.socket && req.socket.encrypted === true,
  };
}

/** A browser Origin that is the page's own: same scheme and the very Host the request names. */
export function isSameOrigin(request: AccessRequest): boolean {
  if (request.origin === undefined || request.host === undefined) return false;
  return request.origin === `${request.secure ? 'https' : 'http'}://${request.host}`;
}

/**
 * Why the dashboard refuses a request, or undefined when it answers it. `publicAccess` lifts the
 * loopback rules; the Origin rule always holds (a request without an Origin is not from a browser page).
 */
export function dashboardRefusal(request: AccessRequest, publicAccess: boolean): string | undefined {
  if (!publicAccess) {
    if (!isLoopbackAddress(request.remoteAddress))
      return `the dashboard answers this machine only (loopback), not ${request.remoteAddress ?? 'an unknown address'}`;
    if (request.host === undefined || !isLoopbackHost(hostName(request.host)))
      return 'the dashboard answers only requests for a loopback host name (127.0.0.1, ::1 or localhost)';
  }
  if (request.origin !== undefined && !isSameOrigin(request))
    return `origin ${JSON.stringify(request.origin.slice(0, 200))} is not the dashboard's`;
  return undefined;
}
