/**
 * A FIFO ring buffer that grows by doubling: `push` and `shift` are O(1), so dropping the oldest message is cheap.
 */
export class RingQueue<T> {
  private items: (T | undefined)[] = new Array<T | undefined>(8)
  private head = 0
  /** Number of items held. */
  length = 0

  /** Appends an item at the tail. */
  push(item: T): void {
    if (this.length === this.items.length) this.grow()
    this.items[(this.head + this.length) & (this.items.length - 1)] = item
    this.length++
  }

  /** Removes and returns the oldest item, or undefined when empty. */
  shift(): T | undefined {
    if (this.length === 0) return undefined
    const item = this.items[this.head]
    this.items[this.head] = undefined
    this.head = (this.head + 1) & (this.items.length - 1)
    this.length--
    return item
  }

  /** Removes and returns up to `n` of the oldest items, in order. */
  take(n: number): T[] {
    const count = Math.min(n, this.length)
    const out = new Array<T>(count)
    for (let i = 0; i < count; i++) out[i] = this.shift() as T
    return out
  }

  private grow(): void {
    const next = new Array<T | undefined>(this.items.length * 2)
    for (let i = 0; i < this.length; i++) next[i] = this.items[(this.head + i) & (this.items.length - 1)]
    this.items = next
    this.head = 0
  }
}
