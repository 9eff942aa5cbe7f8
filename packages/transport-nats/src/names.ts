/** FNV-1a, 32 bits, in base 36: a short stable hash for consumer names. */
export function shortHash(text: string): string {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return (h >>> 0).toString(36)
}

/**
 * Turns any text into a valid JetStream consumer name part (letters, digits, `_` and `-`).
 *
 * @param text - a group or durable name
 */
export function safeName(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 48)
}

/**
 * The durable consumer name shared by every member of a group on a pattern, in every process.
 *
 * @param group - the group
 * @param pattern - the pattern
 */
export function groupConsumerName(group: string, pattern: string): string {
  return `coord_g_${safeName(group)}_${shortHash(`${group}\u0000${pattern}`)}`
}
