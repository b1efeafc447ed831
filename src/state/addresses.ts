// Which fixed address each web replica gets. An environment has two slots
// (a and b); a release goes into the slot that is not serving, and its
// replicas take that slot's addresses, the same ones every time, so the
// edge's configuration stays byte-identical from one release to the next.
// Rows are reserved here before any container exists, so two deployments
// running at once can never be handed the same address.
import { fixedAddress, fixedCapacity, fixedIndex } from '../runtime/subnet.js';
import { UnavailableError } from '../errors.js';
import type { Db } from './db.js';

export type Slot = 'a' | 'b';

export class AddressBook {
  constructor(private readonly db: Db) {}

  /**
   * The addresses of replicas 1..count of a slot, reserving new ones as needed.
   * `inUse` are addresses the engine shows taken (by containers of another calma home, say).
   */
  reserve(app: string, env: string, slot: Slot, count: number, subnet: string, inUse: ReadonlySet<string>, o: { shrink: boolean }): string[] {
    return this.db.transaction(() => {
      // Fewer replicas than before: the extra addresses go back to the pool (not while blue may still run on them).
      if (o.shrink) this.db.prepare('DELETE FROM edge_addresses WHERE app = ? AND env = ? AND slot = ? AND replica > ?').run(app, env, slot, count);
      const rows = this.db.prepare('SELECT replica, address FROM edge_addresses WHERE app = ? AND env = ? AND slot = ?').all(app, env, slot) as { replica: number; address: string }[];
      const mine = new Map(rows.filter((r) => fixedIndex(subnet, r.address) !== undefined).map((r) => [r.replica, r.address]));
      const taken = new Set((this.db.prepare('SELECT address FROM edge_addresses UNION SELECT address FROM foreign_addresses').all() as { address: string }[]).map((r) => r.address));
      const insert = this.db.prepare('INSERT OR REPLACE INTO edge_addresses (address, app, env, slot, replica) VALUES (?, ?, ?, ?, ?)');
      const capacity = fixedCapacity(subnet);
      // The search starts after the last address handed out and wraps around: an address
      // given back is not handed out again until every other one has been. Whatever still
      // knows the old holder by its address (the kernel's neighbour entry, an old nginx
      // worker's idle connection) then never reaches another app's container.
      let next = this.cursor() % capacity;
      const out: string[] = [];
      for (let replica = 1; replica <= count; replica++) {
        let address = mine.get(replica);
        if (address === undefined) {
          for (let tried = 0; ; tried++, next = (next + 1) % capacity) {
            if (tried >= capacity) throw new UnavailableError(`no free address left on calma's network (${subnet})`);
            const candidate = fixedAddress(subnet, next);
            if (!taken.has(candidate) && !inUse.has(candidate)) break;
          }
          address = fixedAddress(subnet, next);
          taken.add(address);
          next = (next + 1) % capacity;
          // A row from another subnet (the network was recreated) is replaced, not kept beside.
          this.db.prepare('DELETE FROM edge_addresses WHERE app = ? AND env = ? AND slot = ? AND replica = ?').run(app, env, slot, replica);
          insert.run(address, app, env, slot, replica);
        }
        out.push(address);
      }
      this.db.prepare('INSERT OR REPLACE INTO address_cursor (id, next_index) VALUES (1, ?)').run(next);
      return out;
    })();
  }

  /** The index where the search for a free address starts. */
  private cursor(): number {
    const row = this.db.prepare('SELECT next_index FROM address_cursor WHERE id = 1').get() as { next_index: number } | undefined;
    return row?.next_index ?? 0;
  }

  /** A slot's reserved addresses, replica 1 first, without reserving any. */
  lookup(app: string, env: string, slot: Slot): string[] {
    const rows = this.db.prepare('SELECT address FROM edge_addresses WHERE app = ? AND env = ? AND slot = ? ORDER BY replica').all(app, env, slot) as { address: string }[];
    return rows.map((r) => r.address);
  }

  /** Gives back these addresses of an environment (reserved, then found held by a container this book does not know). */
  forget(app: string, env: string, addresses: readonly string[]): void {
    const del = this.db.prepare('DELETE FROM edge_addresses WHERE app = ? AND env = ? AND address = ?');
    this.db.transaction(() => addresses.forEach((a) => del.run(app, env, a)))();
  }

  /**
   * Given every address the engine shows held, remembers those this book did not hand
   * out as taken by others (replacing what it remembered: the list is the whole truth).
   */
  noteHeld(held: ReadonlySet<string>): void {
    this.db.transaction(() => {
      const mine = new Set((this.db.prepare('SELECT address FROM edge_addresses').all() as { address: string }[]).map((r) => r.address));
      this.db.prepare('DELETE FROM foreign_addresses').run();
      const insert = this.db.prepare('INSERT INTO foreign_addresses (address) VALUES (?)');
      for (const a of held) if (a !== '' && !mine.has(a)) insert.run(a);
    })();
  }

  /** Gives back every address of an app (or of one of its environments). */
  release(app: string, env?: string): void {
    if (env === undefined) this.db.prepare('DELETE FROM edge_addresses WHERE app = ?').run(app);
    else this.db.prepare('DELETE FROM edge_addresses WHERE app = ? AND env = ?').run(app, env);
  }
}
