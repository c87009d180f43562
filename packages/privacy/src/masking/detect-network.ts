/**
 * Detectors for IP addresses: IPv4 in dotted-quad form (each octet 0–255, no leading zeros) and
 * IPv6 in RFC 4291 text form, including `::` compression and an embedded dotted quad
 * (`::ffff:192.0.2.1`). IPv6 candidates are validated by parsing, not by a single regex.
 */
import { regexSpans, type EntitySpan } from './entities';

const OCTET = String.raw`(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)`;
const IPV4_TEXT = String.raw`${OCTET}(?:\.${OCTET}){3}`;
const IPV4 = new RegExp(String.raw`(?<![\w.:])${IPV4_TEXT}(?![\w:]|\.\d)`, 'g');
const IPV4_EXACT = new RegExp(`^${IPV4_TEXT}$`);

export function detectIpv4(text: string): EntitySpan[] {
  return regexSpans(text, IPV4, 'IP_ADDRESS', () => 0.95);
}

/** Runs of hex digits, colons and dots with two colons, not ending in a dot (a full stop). */
const IPV6_CANDIDATE = /(?<![\w:.])(?=[0-9A-Fa-f.]*:[0-9A-Fa-f.]*:)[0-9A-Fa-f:.]*[0-9A-Fa-f:](?![\w:])/g;

/** Whether `text` is an IPv6 address in RFC 4291 text form (optionally with an IPv4 tail). */
export function isIpv6(text: string): boolean {
  let body = text;
  let tailGroups = 0;
  const lastColon = body.lastIndexOf(':');
  if (body.includes('.')) {
    if (!IPV4_EXACT.test(body.slice(lastColon + 1))) return false;
    body = `${body.slice(0, lastColon + 1)}0`; // the dotted quad stands for two groups
    tailGroups = 1;
  }
  const halves = body.split('::');
  if (halves.length > 2) return false;
  const groups = (part: string): string[] | null => {
    if (part === '') return [];
    const gs = part.split(':');
    return gs.every((g) => /^[0-9A-Fa-f]{1,4}$/.test(g)) ? gs : null;
  };
  const head = groups(halves[0] as string);
  const tail = halves.length === 2 ? groups(halves[1] as string) : [];
  if (head === null || tail === null) return false;
  const count = head.length + tail.length + tailGroups;
  if (halves.length === 2) return count <= 7 && /[0-9A-Fa-f]/.test(text);
  return count === 8;
}

export function detectIpv6(text: string): EntitySpan[] {
  return regexSpans(text, IPV6_CANDIDATE, 'IP_ADDRESS', (m) => (isIpv6(m[0]) ? 0.95 : null));
}
