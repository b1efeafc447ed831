// calma's bridge network: every web container joins it, and the edge (nginx
// on the host) reaches them at their address on it.
import type Docker from 'dockerode';
import { EDGE_NETWORK } from './names.js';

export async function ensureEdgeNetwork(docker: Docker): Promise<string> {
  const found = await docker.listNetworks({ filters: { name: [EDGE_NETWORK] } });
  const exact = found.find((n) => n.Name === EDGE_NETWORK);
  if (exact) return exact.Id;
  try {
    const created = await docker.createNetwork({ Name: EDGE_NETWORK, Driver: 'bridge', CheckDuplicate: true, Labels: { 'calma.role': 'network' } });
    return created.id;
  } catch (e) {
    // Two deployments may race to create it; the loser uses the winner's.
    const again = (await docker.listNetworks({ filters: { name: [EDGE_NETWORK] } })).find((n) => n.Name === EDGE_NETWORK);
    if (again) return again.Id;
    throw e;
  }
}
