/** The `*` and `>` branches of a level, allocated only where a pattern has a wildcard there. */
interface Wildcards<E> {
  star: TrieNode<E> | undefined
  tail: TrieNode<E> | undefined
}

/**
 * One trie level, kept small because a router holds one or two per distinct topic:
 * a single literal child inline (`key`, `next`), or a Map of them (so `__proto__` is an ordinary key);
 * the wildcard branches in a side object; the entries ending here, one inline or several in an array.
 */
class TrieNode<E> {
  /** The token of the only literal child, while `next` is that child. */
  key: string | undefined = undefined
  /** The only literal child, or a Map of literal children by token. */
  next: TrieNode<E> | Map<string, TrieNode<E>> | undefined = undefined
  wild: Wildcards<E> | undefined = undefined
  /** Entries whose pattern ends here: one, or an array (changed in place: matching copies entries out). */
  here: E | E[] | undefined = undefined

  child(tok: string): TrieNode<E> | undefined {
    const next = this.next
    if (next === undefined) return undefined
    if (next instanceof Map) return next.get(tok)
    return this.key === tok ? next : undefined
  }

  ensureChild(tok: string): TrieNode<E> {
    const found = this.child(tok)
    if (found !== undefined) return found
    const created = new TrieNode<E>()
    const next = this.next
    if (next === undefined) {
      this.key = tok
      this.next = created
    } else if (next instanceof Map) {
      next.set(tok, created)
    } else {
      this.next = new Map([
        [this.key!, next],
        [tok, created],
      ])
      this.key = undefined
    }
    return created
  }

  deleteChild(tok: string): void {
    const next = this.next
    if (next instanceof Map) {
      next.delete(tok)
      if (next.size === 0) this.next = undefined
    } else if (next !== undefined && this.key === tok) {
      this.key = undefined
      this.next = undefined
    }
  }

  isEmpty(): boolean {
    return this.here === undefined && this.next === undefined && (this.wild === undefined || (this.wild.star === undefined && this.wild.tail === undefined))
  }
}

function addEntry<E>(node: TrieNode<E>, entry: E): void {
  const here = node.here
  if (here === undefined) node.here = entry
  else if (Array.isArray(here)) here.push(entry)
  else node.here = [here, entry]
}

function removeEntry<E>(node: TrieNode<E>, entry: E): boolean {
  const here = node.here
  if (here === entry) {
    node.here = undefined
    return true
  }
  if (!Array.isArray(here)) return false
  const at = here.indexOf(entry)
  if (at < 0) return false
  here.splice(at, 1)
  if (here.length === 1) node.here = here[0]
  return true
}

function pushEntries<E>(here: E | E[] | undefined, out: E[]): void {
  if (here === undefined) return
  if (Array.isArray(here)) for (const e of here) out.push(e)
  else out.push(here)
}

/**
 * A subscription trie over NATS-style patterns: one level per token, `*` and `>` as separate branches.
 *
 * Matching a topic of k tokens visits at most the literal, `*` and `>` branch of each level it reaches.
 * Entries must not be arrays.
 */
export class TopicTrie<E extends object> {
  private readonly root = new TrieNode<E>()
  private count = 0

  /** Number of entries. */
  get size(): number {
    return this.count
  }

  /**
   * Adds an entry under a pattern's tokens.
   *
   * @param tokens - the pattern's tokens (from `parsePattern`)
   * @param entry - what to return for matching topics
   */
  add(tokens: readonly string[], entry: E): void {
    let node = this.root
    for (const tok of tokens) {
      if (tok === '*') {
        const w = (node.wild ??= { star: undefined, tail: undefined })
        node = w.star ??= new TrieNode<E>()
      } else if (tok === '>') {
        const w = (node.wild ??= { star: undefined, tail: undefined })
        node = w.tail ??= new TrieNode<E>()
      } else node = node.ensureChild(tok)
    }
    addEntry(node, entry)
    this.count++
  }

  /**
   * Removes an entry, pruning levels left empty.
   *
   * @param tokens - the tokens it was added under
   * @param entry - the entry
   * @returns true when it was there
   */
  remove(tokens: readonly string[], entry: E): boolean {
    const path: { node: TrieNode<E>; tok: string }[] = []
    let node: TrieNode<E> | undefined = this.root
    for (const tok of tokens) {
      path.push({ node, tok })
      node = tok === '*' ? node.wild?.star : tok === '>' ? node.wild?.tail : node.child(tok)
      if (node === undefined) return false
    }
    if (!removeEntry(node, entry)) return false
    this.count--
    for (let k = path.length - 1; k >= 0 && node.isEmpty(); k--) {
      const { node: parent, tok } = path[k]!
      if (tok === '*' || tok === '>') {
        const w = parent.wild!
        if (tok === '*') w.star = undefined
        else w.tail = undefined
        if (w.star === undefined && w.tail === undefined) parent.wild = undefined
      } else parent.deleteChild(tok)
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
    collect(this.root, topic, 0, out)
  }

  /** Every entry, in no particular order. */
  *entries(): Generator<E> {
    const stack: TrieNode<E>[] = [this.root]
    for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
      const here = node.here
      if (Array.isArray(here)) yield* here
      else if (here !== undefined) yield here
      const next = node.next
      if (next instanceof Map) stack.push(...next.values())
      else if (next !== undefined) stack.push(next)
      if (node.wild?.star !== undefined) stack.push(node.wild.star)
      if (node.wild?.tail !== undefined) stack.push(node.wild.tail)
    }
  }

  /** Removes everything. */
  clear(): void {
    this.root.key = undefined
    this.root.next = undefined
    this.root.wild = undefined
    this.root.here = undefined
    this.count = 0
  }
}

/**
 * Collects the entries under `node` that match the topic from the token starting at `start`, without splitting the
 * topic: a token is cut out of it only to look it up in a Map of several children.
 */
function collect<E>(node: TrieNode<E>, topic: string, start: number, out: E[]): void {
  if (start > topic.length) {
    pushEntries(node.here, out)
    return
  }
  let end = topic.indexOf('.', start)
  if (end < 0) end = topic.length
  const w = node.wild
  // `>` needs at least one more token, which start <= topic.length guarantees.
  if (w?.tail !== undefined) pushEntries(w.tail.here, out)
  const next = node.next
  if (next !== undefined) {
    let child: TrieNode<E> | undefined
    if (next instanceof Map) child = next.get(topic.slice(start, end))
    else if (node.key!.length === end - start && topic.startsWith(node.key!, start)) child = next
    if (child !== undefined) collect(child, topic, end + 1, out)
  }
  if (w?.star !== undefined) collect(w.star, topic, end + 1, out)
}
