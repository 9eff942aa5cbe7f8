/**
 * Values by topic in a null-prototype object, not a `Map`.
 *
 * A topic looked up as a property key is internalized once (V8 turns the caller's string into a reference to the
 * table's copy), and every later lookup of it compares pointers. A `Map` compares the characters of two equal strings
 * on every lookup. On 1000 exact topics published at random this was 0.6–0.8× the `Map`'s time per lookup here, and
 * 0.9× with topic strings built anew for every publish. Any topic string is a safe key: without a prototype,
 * `__proto__` and `constructor` are ordinary properties.
 */
export class TopicTable<V> {
  #entries: Record<string, V> = Object.create(null) as Record<string, V>
  #size = 0

  /** How many topics have a value. */
  get size(): number {
    return this.#size
  }

  /** The value of a topic; undefined for none, and for anything that is not a string (never converted to a key). */
  get(topic: string): V | undefined {
    return typeof topic === 'string' ? this.#entries[topic] : undefined
  }

  /** Sets the value of a topic (never undefined). */
  set(topic: string, value: V): void {
    if (this.#entries[topic] === undefined) this.#size++
    this.#entries[topic] = value
  }

  /** Removes a topic. */
  delete(topic: string): void {
    if (this.#entries[topic] === undefined) return
    delete this.#entries[topic]
    this.#size--
  }

  /** Every value. */
  *values(): Iterable<V> {
    const entries = this.#entries
    for (const topic in entries) yield entries[topic]!
  }

  /** Removes every topic. */
  clear(): void {
    this.#entries = Object.create(null) as Record<string, V>
    this.#size = 0
  }
}
