/** Something stored in the trie under a pattern. */
export interface TrieEntry {
  readonly tokens: readonly string[]
}

const NONE: readonly never[] = Object.freeze([])

/**
 * One trie level: literal children (a single one inline, more in a Map, so `__proto__` is an ordinary key), plus the
 * `*` and `>` branches.
 */
class TrieNode<E> {
  /** The only literal child's token, while there is just one (saves a Map on the long chains of distinct topics). */
  onlyKey: string | undefined = undefined
  onlyChild: TrieNode<E> | undefined = undefined
  /** Literal children once there are two or more. */
  children: Map<string, TrieNode<E>> | undefined = undefined
  star: TrieNode<E> | undefined = undefined
  tail: TrieNode<E> | undefined = undefined
  /** Entries whose pattern ends here; rebuilt (never mutated) on change. */
  entries: readonly E[] = NONE

  isEmpty(): boolean {
    return this.entries.length === 0 && this.star === undefined && this.tail === undefined && this.onlyChild === undefined && (this.children === undefined || this.children.size === 0)
  }

  /** The literal child for a token, if any. */
  child(tok: string): TrieNode<E> | undefined {
    if (this.onlyChild !== undefined) return this.onlyKey === tok ? this.onlyChild : undefined
    return this.children?.get(tok)
  }

  /** Returns the literal child for a token, creating it. */
  ensureChild(tok: string): TrieNode<E> {
    const found = this.child(tok)
    if (found !== undefined) return found
    const created = new TrieNode<E>()
    if (this.onlyChild === undefined && (this.children === undefined || this.children.size === 0)) {
      this.onlyKey = tok
      this.onlyChild = created
      return created
    }
    if (this.onlyChild !== undefined) {
      this.children = new Map([[this.onlyKey!, this.onlyChild]])
      this.onlyKey = undefined
      this.onlyChild = undefined
    }
    this.children!.set(tok, created)
    return created
  }

  /** Removes the literal child for a token. */
  deleteChild(tok: string): void {
    if (this.onlyChild !== undefined) {
      if (this.onlyKey === tok) {
        this.onlyKey = undefined
        this.onlyChild = undefined
      }
      return
    }
    this.children?.delete(tok)
  }
}

/**
 * A subscription trie over NATS-style patterns: one level per token, `*` and `>` as separate branches.
 *
 * Matching a topic of k tokens visits at most the literal, `*` and `>` branch of each level it reaches.
 */
export class TopicTrie<E extends TrieEntry> {
  private readonly root = new TrieNode<E>()
  private count = 0

  /** Number of entries. */
  get size(): number {
    return this.count
  }

  /**
   * Adds an entry under its pattern tokens.
   *
   * @param entry - carries its tokens
   */
  add(entry: E): void {
    let node = this.root
    for (const tok of entry.tokens) {
      if (tok === '*') node = node.star ??= new TrieNode<E>()
      else if (tok === '>') node = node.tail ??= new TrieNode<E>()
      else node = node.ensureChild(tok)
    }
    node.entries = [...node.entries, entry]
    this.count++
  }

  /**
   * Removes an entry, pruning levels left empty.
   *
   * @param entry - an entry added before
   * @returns true when it was there
   */
  remove(entry: E): boolean {
    const path: { node: TrieNode<E>; tok: string }[] = []
    let node: TrieNode<E> | undefined = this.root
    for (const tok of entry.tokens) {
      path.push({ node, tok })
      node = tok === '*' ? node.star : tok === '>' ? node.tail : node.child(tok)
      if (node === undefined) return false
    }
    const i = node.entries.indexOf(entry)
    if (i < 0) return false
    node.entries = node.entries.length === 1 ? NONE : node.entries.filter((e) => e !== entry)
    this.count--
    for (let k = path.length - 1; k >= 0 && node.isEmpty(); k--) {
      const { node: parent, tok } = path[k]!
      if (tok === '*') parent.star = undefined
      else if (tok === '>') parent.tail = undefined
      else parent.deleteChild(tok)
      node = parent
    }
    return true
  }

  /**
   * Collects the entries whose pattern matches a concrete topic.
   *
   * @param topic - a valid topic
   * @param out - receives the matches
   */
  match(topic: string, out: E[]): void {
    collect(this.root, topic.split('.'), 0, out)
  }

  /** Removes everything. */
  clear(): void {
    this.root.children = undefined
    this.root.onlyKey = undefined
    this.root.onlyChild = undefined
    this.root.star = undefined
    this.root.tail = undefined
    this.root.entries = NONE
    this.count = 0
  }
}

function collect<E>(node: TrieNode<E>, tokens: readonly string[], i: number, out: E[]): void {
  if (i === tokens.length) {
    for (const e of node.entries) out.push(e)
    return
  }
  // `>` needs at least one more token, which i < tokens.length guarantees.
  if (node.tail !== undefined) for (const e of node.tail.entries) out.push(e)
  const child = node.child(tokens[i]!)
  if (child !== undefined) collect(child, tokens, i + 1, out)
  if (node.star !== undefined) collect(node.star, tokens, i + 1, out)
}
