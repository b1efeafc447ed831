// calma's bridge network: every web container joins it, and the edge (nginx
// on the host) reaches them at their address on it. calma creates it with a
// subnet of its own choosing and an engine range of half of it, so the other
// half is free for the fixed addresses of web replicas (see subnet.ts).
import type Docker from 'dockerode';
import { networkInterfaces } from 'node:os';
import { UserError } from '../errors.js';
import { EDGE_NETWORK } from './names.js';
import { dynamicRange, networkOf, parseCidr, pickSubnet } from './subnet.js';

export interface EdgeNetwork {
  id: string;
  subnet: string;
}

/** The network as calma made it, or undefined when it has no calma address plan. */
function planned(info: Docker.NetworkInspectInfo): EdgeNetwork | undefined {
  const config = info.IPAM?.Config?.find((c) => c.Subnet && parseCidr(c.Subnet) !== undefined && c.IPRange);
  return config?.Subnet ? { id: info.Id, subnet: config.Subnet } : undefined;
}

/**
 * The network as the engine lists it: its address plan without its containers.
 * (An inspect lists every attached container: with a thousand apps, a large
 * answer for each deployment to read.)
 */
async function findByName(docker: Docker): Promise<Docker.NetworkInspectInfo | undefined> {
  return (await docker.listNetworks({ filters: { name: [EDGE_NETWORK] } })).find((n) => n.Name === EDGE_NETWORK);
}

/** Subnets this host already uses: Docker's networks and the addresses of its interfaces. */
async function subnetsInUse(docker: Docker): Promise<string[]> {
  const networks = await docker.listNetworks();
  const engine = networks.flatMap((n) => (n.IPAM?.Config ?? []).map((c) => c.Subnet ?? ''));
  const host = Object.values(networkInterfaces()).flatMap((list) => (list ?? []).filter((i) => i.family === 'IPv4').map((i) => i.cidr ?? ''));
  return [...engine, ...host].map((c) => {
    // An interface's cidr carries its own address: widen it to its network for the overlap test.
    const [ip, bits] = c.split('/');
    return ip && bits ? (networkOf(ip, Number(bits)) ?? '') : '';
  });
}

export async function ensureEdgeNetwork(docker: Docker): Promise<EdgeNetwork> {
  const existing = await findByName(docker);
  if (existing) {
    const ok = planned(existing);
    if (ok) return ok;
    const attached = ((await docker.getNetwork(existing.Id).inspect()) as Docker.NetworkInspectInfo).Containers ?? {};
    if (Object.keys(attached).length > 0) {
      throw new UserError(`the network ${EDGE_NETWORK} has no calma address plan and containers are attached; remove them (calma apps remove APP) and retry`);
    }
    // Made by an earlier calma with an engine-chosen subnet: nothing uses it, so it is recreated.
    await docker.getNetwork(existing.Id).remove();
  }
  const subnet = process.env.CALMA_EDGE_SUBNET ?? pickSubnet(await subnetsInUse(docker));
  if (subnet === undefined || parseCidr(subnet) === undefined) throw new UserError(`no free subnet for ${EDGE_NETWORK}; set CALMA_EDGE_SUBNET (e.g. 10.210.0.0/16)`);
  try {
    const created = await docker.createNetwork({
      Name: EDGE_NETWORK,
      Driver: 'bridge',
      CheckDuplicate: true,
      Labels: { 'calma.role': 'network' },
      IPAM: { Driver: 'default', Config: [{ Subnet: subnet, IPRange: dynamicRange(subnet) }] },
    });
    return { id: created.id, subnet };
  } catch (e) {
    // Two deployments may race to create it; the loser uses the winner's.
    const again = await findByName(docker);
    const ok = again && planned(again);
    if (ok) return ok;
    throw e;
  }
}
