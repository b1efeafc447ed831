// calma's bridge network has a subnet calma chooses, split in two halves:
// the engine hands out addresses from the lower half (one-off and service
// containers), calma pins web replicas to fixed addresses in the upper half.
// A fixed address per (environment, slot, replica) is what lets the edge
// switch releases without reloading nginx: the upstream blocks never change.
// Pure IPv4 arithmetic; no I/O.

export interface Cidr {
  base: number;
  bits: number;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function parseIpv4(s: string): number | undefined {
  const m = IPV4.exec(s);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return parts.reduce((acc, p) => acc * 256 + p, 0);
}

export function formatIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

export function parseCidr(s: string): Cidr | undefined {
  const [ip, bitsText, extra] = s.split('/');
  if (ip === undefined || bitsText === undefined || extra !== undefined || !/^\d{1,2}$/.test(bitsText)) return undefined;
  const base = parseIpv4(ip);
  const bits = Number(bitsText);
  if (base === undefined || bits > 32) return undefined;
  const size = 2 ** (32 - bits);
  if (base % size !== 0) return undefined; // host bits set: not a network address
  return { base, bits };
}

export function formatCidr(c: Cidr): string {
  return `${formatIpv4(c.base)}/${c.bits}`;
}

const size = (c: Cidr): number => 2 ** (32 - c.bits);

/** The network an interface address belongs to (`192.168.1.7`, 24 -> `192.168.1.0/24`). */
export function networkOf(ip: string, bits: number): string | undefined {
  const n = parseIpv4(ip);
  if (n === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) return undefined;
  const s = 2 ** (32 - bits);
  return formatCidr({ base: n - (n % s), bits });
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.base < b.base + size(b) && b.base < a.base + size(a);
}

/** Candidates tried in order: /16s of 10.0.0.0/8 that home networks and Docker's own pools rarely use. */
export const SUBNET_CANDIDATES: readonly string[] = Array.from({ length: 40 }, (_, i) => `10.${210 + i}.0.0/16`);

/** The first candidate that overlaps none of the networks in use (Docker networks, host interfaces). */
export function pickSubnet(used: readonly string[], candidates: readonly string[] = SUBNET_CANDIDATES): string | undefined {
  const taken = used.map(parseCidr).filter((c): c is Cidr => c !== undefined);
  return candidates.find((cand) => {
    const c = parseCidr(cand);
    return c !== undefined && !taken.some((t) => overlaps(t, c));
  });
}

/** The half the engine allocates from (the lower one). */
export function dynamicRange(subnet: string): string {
  const c = mustParse(subnet);
  return formatCidr({ base: c.base, bits: c.bits + 1 });
}

/** How many fixed addresses the upper half holds (its last address, the broadcast, excluded). */
export function fixedCapacity(subnet: string): number {
  return size(mustParse(subnet)) / 2 - 1;
}

/** The fixed address with this index (0-based) in the upper half. */
export function fixedAddress(subnet: string, index: number): string {
  const c = mustParse(subnet);
  if (!Number.isInteger(index) || index < 0 || index >= fixedCapacity(subnet)) throw new RangeError(`no fixed address ${index} in ${subnet}`);
  return formatIpv4(c.base + size(c) / 2 + index);
}

/** The index of a fixed address, or undefined when the address is not in the upper half. */
export function fixedIndex(subnet: string, address: string): number | undefined {
  const c = mustParse(subnet);
  const n = parseIpv4(address);
  if (n === undefined) return undefined;
  const i = n - c.base - size(c) / 2;
  return i >= 0 && i < fixedCapacity(subnet) ? i : undefined;
}

function mustParse(subnet: string): Cidr {
  const c = parseCidr(subnet);
  if (c === undefined || c.bits > 28) throw new RangeError(`${subnet} is not an IPv4 subnet of at least 16 addresses`);
  return c;
}
