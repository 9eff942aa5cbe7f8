// Pattern algebra for JetStream stream subjects: nats-server 2.9 refuses overlapping subjects inside one stream,
// so the set is kept free of overlaps by merging overlapping patterns into their token-wise generalisation.

/**
 * Tells whether some subject matches both patterns.
 *
 * @param a - a valid pattern
 * @param b - a valid pattern
 */
export function patternsOverlap(a: string, b: string): boolean {
  const x = a.split('.')
  const y = b.split('.')
  for (let i = 0; ; i++) {
    const s = x[i]
    const t = y[i]
    if (s === '>') return t !== undefined
    if (t === '>') return s !== undefined
    if (s === undefined || t === undefined) return s === t
    if (s !== '*' && t !== '*' && s !== t) return false
  }
}

/**
 * Tells whether every subject matching `inner` also matches `outer`.
 *
 * @param outer - a valid pattern
 * @param inner - a valid pattern
 */
export function patternCovers(outer: string, inner: string): boolean {
  const o = outer.split('.')
  const n = inner.split('.')
  for (let i = 0; i < o.length; i++) {
    const tok = o[i]
    if (tok === '>') return n.length > i
    const other = n[i]
    if (other === undefined || other === '>') return false
    if (tok !== '*' && tok !== other) return false
  }
  return o.length === n.length
}

/**
 * The narrowest pattern covering both: equal tokens kept, differing ones become `*`, and `>` from the first
 * position where either pattern has it (or from the last common position when their lengths differ, which never
 * happens for two overlapping patterns: they have the same length, or `>` comes first).
 *
 * @param a - a valid pattern
 * @param b - a valid pattern
 */
export function generalize(a: string, b: string): string {
  const x = a.split('.')
  const y = b.split('.')
  const out: string[] = []
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const s = x[i]
    const t = y[i]
    if (s === undefined || t === undefined) {
      // One pattern ended: `>` must take the last common position, since it needs at least one token.
      out[out.length - 1] = '>'
      break
    }
    if (s === '>' || t === '>') {
      out.push('>')
      break
    }
    out.push(s === t ? s : '*')
  }
  return out.join('.')
}

/**
 * Adds a pattern to a set of non-overlapping stream subjects, merging what overlaps; returns the new set, or
 * `undefined` when the pattern is already covered.
 *
 * @param subjects - the stream's subjects (pairwise non-overlapping)
 * @param pattern - the pattern to cover
 */
export function addSubject(subjects: readonly string[], pattern: string): string[] | undefined {
  if (subjects.some((s) => patternCovers(s, pattern))) return undefined
  let merged = pattern
  let rest = [...subjects]
  for (;;) {
    const overlapping = rest.filter((s) => patternsOverlap(s, merged))
    if (overlapping.length === 0) break
    for (const s of overlapping) merged = generalize(merged, s)
    // Only what was merged leaves the set: a subject that overlaps the wider pattern is merged in the next round.
    rest = rest.filter((s) => !overlapping.includes(s))
  }
  rest.push(merged)
  return rest
}
