// The fixed addresses of a deployment's two slots. The database hands them
// out; the engine is asked only about the addresses handed out just now, one
// small filtered list each, since a container of another calma home on the
// same engine may hold one. Listing every calma container with its address
// instead would cost each deployment time in proportion to all the apps the
// engine runs (with a thousand apps, 0.3–0.6 s here). Only when one of the new
// addresses is taken is every holder read, and the new ones chosen again;
// the book then remembers the addresses others hold, so the next new
// environment does not run into them again.
import type { AddressLabels } from '../runtime/releases.js';
import { addressesInUse } from '../runtime/releases.js';
import type { AddressBook, Slot } from '../state/addresses.js';

export interface SlotRequest {
  app: string;
  env: string;
  /** Green's slot; the other one is the standby. */
  slot: Slot;
  replicas: number;
  subnet: string;
}

/** The labels of the containers holding these addresses, or (without an argument) of every container holding one. */
export type HolderLookup = (addresses?: readonly string[]) => Promise<AddressLabels[]>;

export async function reserveSlotAddresses(book: AddressBook, holders: HolderLookup, r: SlotRequest): Promise<{ green: string[]; standby: string[] }> {
  const other: Slot = r.slot === 'a' ? 'b' : 'a';
  const known = new Set([...book.lookup(r.app, r.env, r.slot), ...book.lookup(r.app, r.env, other)]);
  const reserve = (held: readonly AddressLabels[]) => ({
    green: book.reserve(r.app, r.env, r.slot, r.replicas, r.subnet, addressesInUse(held, { ...r, slot: r.slot }), { shrink: true }),
    standby: book.reserve(r.app, r.env, other, r.replicas, r.subnet, addressesInUse(held, { ...r, slot: other }), { shrink: false }),
  });
  const first = reserve([]);
  const fresh = [...first.green, ...first.standby].filter((a) => !known.has(a));
  if (fresh.length === 0) return first;
  const found = await holders(fresh);
  const clash = (slot: Slot, list: readonly string[]): boolean => {
    const taken = addressesInUse(found, { ...r, slot });
    return list.some((a) => taken.has(a));
  };
  if (!clash(r.slot, first.green) && !clash(other, first.standby)) return first;
  book.forget(r.app, r.env, fresh);
  const all = await holders();
  book.noteHeld(new Set(all.map((l) => l['calma.address'] ?? '')));
  return reserve(all);
}
