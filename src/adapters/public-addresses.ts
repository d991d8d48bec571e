/**
 * Outbound calls reach public addresses only (DESIGN rule 15): a webhook endpoint, a payment order's
 * callback or a gateway URL must not point Paybridge at itself, the machine it runs on, the cloud's
 * metadata service or the private network behind it. Checked when a URL is saved (`PublicOutboundPolicy`)
 * and again on every new connection (`publicLookup`, the DNS lookup of the one outbound HTTP client),
 * because a name may resolve elsewhere later. `PAYBRIDGE_ALLOW_PRIVATE_URLS=1` turns both off.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOptions } from 'node:dns';
import { BlockList, isIP, isIPv4 } from 'node:net';
import type { OutboundPolicy } from '../ports/http-client.js';

/** Addresses that are not on the public internet: this host, private networks, link-local, reserved. */
const NOT_PUBLIC = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24],
  ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) NOT_PUBLIC.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128], ['::1', 128], ['100::', 64], ['2001::', 23], ['2001:db8::', 32], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
] as const) NOT_PUBLIC.addSubnet(net, bits, 'ipv6');

/** The IPv4 address an IPv6 address carries (IPv4-mapped ::ffff:a.b.c.d, NAT64 64:ff9b::/96, 6to4 2002::/16), if any. */
function embeddedIPv4(address: string): string | null {
  const groups = expandIPv6(address);
  if (!groups) return null;
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  const zeros = (from: number, to: number) => groups.slice(from, to).every((g) => g === 0);
  if (zeros(0, 5) && groups[5] === 0xffff) return v4(groups[6]!, groups[7]!);
  if (zeros(0, 6) && (groups[6] !== 0 || groups[7]! > 1)) return v4(groups[6]!, groups[7]!); // IPv4-compatible ::a.b.c.d
  if (groups[0] === 0x64 && groups[1] === 0xff9b && zeros(2, 6)) return v4(groups[6]!, groups[7]!);
  if (groups[0] === 0x2002) return v4(groups[1]!, groups[2]!);
  return null;
}

/** The eight 16-bit groups of an IPv6 address (dotted IPv4 tail allowed), or null. */
function expandIPv6(address: string): number[] | null {
  let text = address.replace(/^\[|\]$/g, '').split('%')[0]!;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1]!.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, -dotted[1]!.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') as [string, string] : [text, null];
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((h) => parseInt(h, 16)));
  const left = parse(head);
  const right = tail === null ? [] : parse(tail);
  const groups = tail === null ? left : [...left, ...Array(8 - left.length - right.length).fill(0) as number[], ...right];
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : null;
}

/** Whether `address` (an IP literal) is a public unicast address. Anything unparseable is not. */
export function isPublicAddress(address: string): boolean {
  const ip = address.replace(/^\[|\]$/g, '');
  const family = isIP(ip);
  if (family === 4) return !NOT_PUBLIC.check(ip, 'ipv4');
  if (family !== 6) return false;
  const v4 = embeddedIPv4(ip);
  if (v4 !== null) return isIPv4(v4) && !NOT_PUBLIC.check(v4, 'ipv4');
  return !NOT_PUBLIC.check(ip, 'ipv6');
}

export type Resolve = (hostname: string) => Promise<readonly LookupAddress[]>;

const systemResolve: Resolve = (hostname) => new Promise((resolve, reject) => {
  dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses)));
});

function notPublic(host: string, address?: string): string {
  return address && address !== host ? `${host} resolves to ${address}, which is not a public address` : `${host} is not a public address`;
}

/** The check made when a URL is saved: scheme, literal host, and what its name resolves to now. */
export class PublicOutboundPolicy implements OutboundPolicy {
  constructor(private readonly allowPrivate: boolean, private readonly resolve: Resolve = systemResolve) {}

  async refusal(url: string): Promise<string | null> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return 'is not an absolute URL';
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return 'must be an http or https URL';
    if (this.allowPrivate) return null;
    const host = parsed.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host)) return isPublicAddress(host) ? null : `must reach a public address: ${notPublic(host)}`;
    let addresses: readonly LookupAddress[];
    try {
      addresses = await this.resolve(host);
    } catch {
      return null; // not resolvable now: the connection is checked when it is made
    }
    const inner = addresses.find((a) => !isPublicAddress(a.address));
    return inner ? `must reach a public address: ${notPublic(host, inner.address)}` : null;
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `dns.lookup` for outbound sockets that refuses names resolving to any non-public address, so a name
 * that pointed at a public server when it was saved cannot be turned towards a private one later.
 */
export function publicLookup(resolve: Resolve = systemResolve) {
  return (hostname: string, options: LookupOptions | LookupAllOptions, callback: LookupCallback): void => {
    resolve(hostname).then((addresses) => {
      const wanted = options.family === 4 || options.family === 6 ? addresses.filter((a) => a.family === options.family) : addresses;
      const inner = wanted.find((a) => !isPublicAddress(a.address));
      if (inner || wanted.length === 0) {
        const error: NodeJS.ErrnoException = new Error(inner ? `refused to connect: ${notPublic(hostname, inner.address)}` : `${hostname} has no address`);
        error.code = inner ? 'ERR_PRIVATE_ADDRESS' : 'ENOTFOUND';
        callback(error, []);
        return;
      }
      if (options.all) callback(null, [...wanted]);
      else callback(null, wanted[0]!.address, wanted[0]!.family);
    }, (error: NodeJS.ErrnoException) => callback(error, []));
  };
}
