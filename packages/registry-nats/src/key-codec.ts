import { createHash } from 'node:crypto'

/** A KV key token may hold these characters unchanged; every other character is written as `=XX` per UTF-8 byte. */
const PLAIN = /^[A-Za-z0-9_-]$/
/** Longest encoded token kept as is; a longer one is replaced by `==` and its SHA-256 (keys stay short subjects). */
const MAX_TOKEN = 200

/** Key prefix of agent entries: `a.<id>`. */
export const AGENT_PREFIX = 'a.'
/** Key prefix of batch commit markers: `b.<batch id>`. */
export const BATCH_PREFIX = 'b.'

/**
 * Encodes any string into one KV key token (no dots): characters outside `A-Z a-z 0-9 _ -` become `=XX` per UTF-8
 * byte, so the encoding is reversible and distinct strings give distinct tokens. Tokens longer than 200 characters
 * become `==<sha256 hex>` (then not reversible, still distinct in practice).
 *
 * @param text - an agent id or an idempotency key
 */
export function encodeToken(text: string): string {
  let out = ''
  for (const ch of text) {
    if (PLAIN.test(ch)) out += ch
    else for (const byte of Buffer.from(ch, 'utf8')) out += `=${byte.toString(16).toUpperCase().padStart(2, '0')}`
  }
  if (out.length > MAX_TOKEN) return `==${createHash('sha256').update(text, 'utf8').digest('hex')}`
  return out
}

/**
 * Reverses {@link encodeToken}; undefined for a hashed or malformed token.
 *
 * @param token - a key token written by {@link encodeToken}
 */
export function decodeToken(token: string): string | undefined {
  if (token.startsWith('==') || token.length === 0) return undefined
  const bytes: number[] = []
  for (let i = 0; i < token.length; i++) {
    const ch = token[i]!
    if (ch === '=') {
      const hex = token.slice(i + 1, i + 3)
      if (!/^[0-9A-F]{2}$/.test(hex)) return undefined
      bytes.push(Number.parseInt(hex, 16))
      i += 2
    } else if (PLAIN.test(ch)) bytes.push(ch.charCodeAt(0))
    else return undefined
  }
  return Buffer.from(bytes).toString('utf8')
}

/** The KV key of an agent. */
export function agentKey(id: string): string {
  return AGENT_PREFIX + encodeToken(id)
}
