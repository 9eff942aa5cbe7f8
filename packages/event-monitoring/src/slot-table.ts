import type { WatchedAgent } from './watched-agent.js'

/**
 * Gives each watched agent of the enhanced monitor a small slot number, its handle in the deadline and check
 * structures; slots are recycled after unwatch, so their per-handle arrays stay dense.
 */
export class SlotTable {
  /** The record in each slot, or undefined when the slot is free. */
  readonly records: (WatchedAgent | undefined)[] = []
  readonly #free: number[] = []

  /**
   * Gives a record a slot and returns it.
   *
   * @param record - a newly watched record
   */
  add(record: WatchedAgent): number {
    let slot = this.#free.pop()
    if (slot === undefined) {
      slot = this.records.length
      this.records.push(record)
    } else this.records[slot] = record
    record.slot = slot
    return slot
  }

  /**
   * Frees a record's slot.
   *
   * @param record - an unwatched record
   */
  remove(record: WatchedAgent): void {
    const slot = record.slot
    if (slot < 0 || this.records[slot] !== record) return
    this.records[slot] = undefined
    this.#free.push(slot)
    record.slot = -1
  }

  /** Forgets everything. */
  clear(): void {
    for (const r of this.records) if (r !== undefined) r.slot = -1
    this.records.length = 0
    this.#free.length = 0
  }
}
