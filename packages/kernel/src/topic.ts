import { CoordError, describeValue } from './errors.js'

/** Longest topic or pattern, in characters. */
export const MAX_TOPIC_LENGTH = 256

// Whitespace, C0/C1 controls and DEL: never allowed in a topic (NATS would split on a space).
// eslint-disable-next-line no-control-regex -- the control characters are what this pattern forbids
const FORBIDDEN = /[\s\u0000-\u001f\u007f-\u009f]/
const SURROGATE = /[\ud800-\udfff]/

/**
 * True when `s` holds a UTF-16 surrogate without its pair. Such a string has no UTF-8 form: NATS would carry it as
 * U+FFFD, so `a.\ud800` and `a.\udc00` would become one subject.
 */
function hasLoneSurrogate(s: string): boolean {
  if (!SURROGATE.test(s)) return false
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0xd800 || c > 0xdfff) continue
    if (c > 0xdbff) return true // a low surrogate not preceded by a high one
    const next = s.charCodeAt(i + 1)
    if (!(next >= 0xdc00 && next <= 0xdfff)) return true
    i++
  }
  return false
}

function check(value: unknown, what: 'topic' | 'pattern'): string {
  const code = what === 'topic' ? 'INVALID_TOPIC' : 'INVALID_PATTERN'
  if (typeof value !== 'string') throw new CoordError(code, `Expected a ${what} string, got ${describeValue(value)}`, { details: { value } })
  const fail = (why: string): never => {
    throw new CoordError(code, `Invalid ${what} ${describeValue(value)}: ${why}`, { details: { value } })
  }
  if (value.length === 0) fail('it is empty')
  if (value.length > MAX_TOPIC_LENGTH) fail(`it is longer than ${MAX_TOPIC_LENGTH} characters`)
  if (FORBIDDEN.test(value)) fail('it contains whitespace or a control character')
  if (hasLoneSurrogate(value)) fail('it contains an unpaired UTF-16 surrogate, which has no UTF-8 form')
  return value
}

/**
 * Checks a concrete topic (NATS subject grammar, no wildcards) and returns it.
 *
 * @param topic - a dot-separated topic such as `agent.42.status`
 * @throws CoordError `INVALID_TOPIC` for a non-string (a Proxy included), a wildcard, an empty token, whitespace or control characters, an unpaired surrogate, or more than 256 characters
 */
export function assertTopic(topic: unknown): string {
  if (typeof topic === 'string' && topic.length <= MAX_TOPIC_LENGTH && isPlainAsciiTopic(topic)) return topic
  const t = check(topic, 'topic')
  let start = 0
  for (let i = 0; i <= t.length; i++) {
    if (i === t.length || t.charCodeAt(i) === 46 /* . */) {
      if (i === start) throw new CoordError('INVALID_TOPIC', `Invalid topic ${describeValue(t)}: it has an empty token`, { details: { value: t } })
      start = i + 1
    } else {
      const c = t.charCodeAt(i)
      if (c === 42 /* * */ || c === 62 /* > */) {
        throw new CoordError('INVALID_TOPIC', `Invalid topic ${describeValue(t)}: it contains a wildcard; publish to a concrete topic`, {
          details: { value: t },
        })
      }
    }
  }
  return t
}

/**
 * The fast path of {@link assertTopic}: true for a topic of printable ASCII without wildcards or empty tokens, which is
 * valid; false sends the topic through the full check, which finds the reason (or accepts non-ASCII text).
 */
function isPlainAsciiTopic(t: string): boolean {
  let start = 0
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i)
    if (c === 46 /* . */) {
      if (i === start) return false
      start = i + 1
    } else if (c <= 32 || c >= 127 || c === 42 /* * */ || c === 62 /* > */) return false
  }
  return start < t.length
}

/**
 * Checks a subscription pattern and returns its tokens.
 *
 * `*` matches exactly one token; `>` matches one or more trailing tokens and must be last.
 *
 * @param pattern - such as `agent.*.status` or `agent.>`
 * @throws CoordError `INVALID_PATTERN` for the same reasons as {@link assertTopic}, and for misplaced wildcards
 */
export function parsePattern(pattern: unknown): readonly string[] {
  const p = check(pattern, 'pattern')
  const tokens = p.split('.')
  const last = tokens.length - 1
  for (let i = 0; i <= last; i++) {
    const tok = tokens[i]!
    if (tok.length === 0) invalidPattern(p, 'it has an empty token')
    else if (tok.length === 1) {
      if (tok === '>' && i !== last) invalidPattern(p, '`>` must be the last token')
    } else if (tok.includes('*') || tok.includes('>')) invalidPattern(p, `wildcards must be whole tokens, got ${describeValue(tok)}`)
  }
  return tokens
}

function invalidPattern(pattern: string, why: string): never {
  throw new CoordError('INVALID_PATTERN', `Invalid pattern ${describeValue(pattern)}: ${why}`, { details: { value: pattern } })
}

/** Returns true when `pattern` has a `*` or `>` token (a whole token, between dots or at an end). */
export function isWildcardPattern(pattern: string): boolean {
  const n = pattern.length
  for (let i = 0; i < n; i++) {
    const c = pattern.charCodeAt(i)
    // 42 '*', 62 '>', 46 '.'
    if ((c === 42 || c === 62) && (i === 0 || pattern.charCodeAt(i - 1) === 46) && (i === n - 1 || pattern.charCodeAt(i + 1) === 46)) return true
  }
  return false
}

/**
 * The reference matcher: does a concrete topic match a pattern? Plain and obviously correct, for tests and scans.
 *
 * @param pattern - a valid pattern
 * @param topic - a valid topic
 */
export function matchTopic(pattern: string, topic: string): boolean {
  const p = pattern.split('.')
  const t = topic.split('.')
  for (let i = 0; i < p.length; i++) {
    const tok = p[i]
    if (tok === '>') return t.length > i
    if (i >= t.length) return false
    if (tok !== '*' && tok !== t[i]) return false
  }
  return p.length === t.length
}
