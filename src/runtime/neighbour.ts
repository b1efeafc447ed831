// The host forgets what it knew of an address before a new container answers
// there. With about 1,000 containers on calma-edge, a container started on an
// address that another had held shortly before (a slot's address, which every
// other release of the environment reuses) got no answer to its ARP requests
// for the gateway from the host, whose neighbour entry for the address was
// still valid, so its replies went nowhere: 15-47 s of silence. With the
// host's entry flushed (right after the start, and now as soon as a deployment
// reserves the address: nothing on the host talks to it before its container
// starts), the host's
// next packet asks for the address afresh, and the container learns the
// gateway from that request: it answered within 40 ms
// (bench/results/scale-1000-address-reuse-stall.txt).
import { execFile } from 'node:child_process';
import { isIP } from 'node:net';

/**
 * `ip neigh flush to ADDRESS` (iproute2, root). Best effort: without the tool or the
 * right, the entry stays and the kernel's own timers end the silence later.
 */
export function forgetNeighbour(address: string): Promise<boolean> {
  if (isIP(address) !== 4) return Promise.resolve(false);
  return new Promise((resolve) => {
    execFile('ip', ['neigh', 'flush', 'to', address], { timeout: 2000 }, (err) => resolve(err === null));
  });
}
