/**
 * A bounded cache of routes by topic, for topics that wildcards match.
 *
 * - **Two generations**, an approximation of LRU at the cost of a Map lookup or two: entries go into the young
 *   generation; when it is full, it becomes the old one (the previous old one is dropped), and a hit in the old
 *   generation is copied back into the young one. A working set up to `limit` topics stays cached, and a larger one
 *   never causes a wipe of everything.
 * - **A doorkeeper**: a topic is cached only the second time it misses within a window of about `limit` misses (a
 *   table of 4 × `limit` slots holding the 32-bit hashes of the topics last seen, two slots per topic; two topics
 *   with one hash only make the second one cached a miss early). A stream of topics that never repeat, such as
 *   ids cycled over a large space, then costs a hash and a compare per publish instead of a Map insert that is never
 *   read back.
 */
export class RouteCache<V> {
  private young = new Map<string, V>()
  private old = new Map<string, V>()
  /** Hashes of the topics last seen (length a power of two, or 0 when the cache is off); 0 is empty. */
  private readonly seen: Uint32Array
  private flip = false

  /**
   * Creates an empty cache.
   *
   * @param limit - entries per generation; 0 caches nothing
   */
  constructor(private readonly limit: number) {
    this.seen = new Uint32Array(limit === 0 ? 0 : 2 ** Math.ceil(Math.log2(limit * 4)))
  }

  /** Looks an entry up, refreshing it when it was in the old generation. */
  get(key: string): V | undefined {
    const v = this.young.get(key)
    if (v !== undefined || this.old.size === 0) return v
    const aged = this.old.get(key)
    // Copied, not moved: deleting from a large Map makes V8 shrink and rehash it, over and over.
    if (aged !== undefined) this.store(key, aged)
    return aged
  }

  /** Offers an entry after a miss: it is kept when the same key missed recently. */
  set(key: string, value: V): void {
    if (this.limit === 0) return
    // Two slots per key, so two topics that share one do not keep evicting each other.
    const h = hash(key)
    const mask = this.seen.length - 1
    const a = h & mask
    const b = ((h >>> 16) ^ Math.imul(h, 31)) & mask
    const seen = this.seen
    if (seen[a] === h || seen[b] === h) this.store(key, value)
    else if (seen[a] === 0) seen[a] = h
    else if (seen[b] === 0) seen[b] = h
    // both taken: alternate, so two topics that share a slot do not overwrite each other forever
    else if ((this.flip = !this.flip)) seen[a] = h
    else seen[b] = h
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

  private store(key: string, value: V): void {
    if (this.young.size >= this.limit) {
      this.old = this.young
      this.young = new Map()
    }
    this.young.set(key, value)
  }
}

/** FNV-1a over the UTF-16 code units. */
function hash(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
  return h >>> 0
}
