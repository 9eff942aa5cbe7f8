/**
 * A bounded cache with two generations, an approximation of LRU at the cost of a Map lookup or two: entries go into
 * the young generation; when it is full, it becomes the old one (the previous old one is dropped), and a hit in the
 * old generation moves the entry back into the young one. So a working set up to `limit` topics stays cached, and one
 * larger than the cache costs a miss per publish instead of a periodic wipe of everything.
 */
export class RouteCache<V> {
  private young = new Map<string, V>()
  private old = new Map<string, V>()

  /**
   * Creates an empty cache.
   *
   * @param limit - entries per generation; 0 caches nothing
   */
  constructor(private readonly limit: number) {}

  /** Looks an entry up, refreshing it when it was in the old generation. */
  get(key: string): V | undefined {
    const v = this.young.get(key)
    if (v !== undefined || this.old.size === 0) return v
    const aged = this.old.get(key)
    // Copied, not moved: deleting from a large Map makes V8 shrink and rehash it, over and over.
    if (aged !== undefined) this.set(key, aged)
    return aged
  }

  /** Adds an entry (nothing when the limit is 0). */
  set(key: string, value: V): void {
    if (this.limit === 0) return
    if (this.young.size >= this.limit) {
      this.old = this.young
      this.young = new Map()
    }
    this.young.set(key, value)
  }

  /** Forgets one entry. */
  delete(key: string): void {
    this.young.delete(key)
    this.old.delete(key)
  }

  /** Forgets everything. */
  clear(): void {
    if (this.young.size > 0) this.young = new Map()
    if (this.old.size > 0) this.old = new Map()
  }

  /** Entries held. */
  get size(): number {
    return this.young.size + this.old.size
  }
}
