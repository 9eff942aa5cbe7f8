/**
 * The subscriber handlers of the multicast-routing benchmarks, built so that no contender gets a favourable call site:
 * every handler is compiled from its own source text (`new Function`), so each has its own SharedFunctionInfo, its own
 * feedback and its own captured state, and V8 cannot share one inline cache among the subscribers of a topic.
 *
 * Every contender of one metric subscribes the same set (one distinct function per subscriber), and the set is warmed
 * up before any case is built: a handler's own code is then equally optimized whoever calls it, and only the call
 * sites (each library's own dispatch code) differ.
 */

/** A handler as the routers and the emitters call it (the argument is a message or a payload; it is not read). */
export type Handler = (m: unknown) => unknown

/**
 * What a set of handlers does per call:
 * - `small`: one add on its own state and the shared call counter;
 * - `big`: about 65 integer operations on its own state (too big for V8 to inline), then the counter;
 * - `async`: an async function doing what `small` does.
 */
export type HandlerKind = 'small' | 'big' | 'async'

/** Handler calls made since the last reset: each case is run once and its calls counted before it is timed. */
export const calls = { n: 0 }

/**
 * The body of a `big` handler: 13 lines of 5 integer operations each (shift, xor, multiply, add, truncate) with
 * constants of its own. Its bytecode is over V8's 460-byte inlining limit, so no call site can inline it.
 */
function bigBody(seed: number): string {
  const lines: string[] = []
  for (let j = 0; j < 13; j++) {
    const shift = 3 + ((seed + j * 7) % 13)
    const mul = 0x9e3779b1 + ((seed * 31 + j * 97) % 65_536) * 2
    const add = (seed * 40_503 + j * 2_654_435) % 1_000_003
    lines.push(`x = (Math.imul(x ^ (x >>> ${shift}), ${mul}) + ${add}) | 0;`)
  }
  return lines.join('\n')
}

/**
 * Builds `n` distinct handler functions, each compiled from its own source.
 *
 * @param n - how many
 * @param kind - what each does per call
 * @param tag - names the set (the series it belongs to): two sets never share source text
 */
export function distinctHandlers(n: number, kind: HandlerKind, tag: string): Handler[] {
  const id = tag.replace(/[^A-Za-z0-9]/g, '_')
  const out: Handler[] = []
  for (let i = 0; i < n; i++) {
    const name = `${kind}_${id}_${i}`
    const body =
      kind === 'big'
        ? `return function ${name}(m) {\nlet x = s.v ^ ${i};\n${bigBody(i)}\ns.v = x;\nc.n++;\n}`
        : `return ${kind === 'async' ? 'async ' : ''}function ${name}(m) { s.v = (s.v + ${i + 1}) | 0; c.n++; }`
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- distinct code per handler is the point
    out.push((new Function('c', 's', body) as (c: typeof calls, s: { v: number }) => Handler)(calls, { v: i }))
  }
  return out
}

/**
 * The favourable set: `n` closures of one function literal sharing one counter, as the old harness used. V8 can give
 * the call site one inline cache for all of them. Only for rows marked favourable.
 *
 * @param n - how many
 */
export function sameLiteralHandlers(n: number): Handler[] {
  return Array.from({ length: n }, () => () => {
    calls.n++
  })
}

/**
 * Distinct closures with distinct captured state, cheap enough to build 100k of: for memory figures, where the
 * handlers exist before and after the measurement and only what a subscription adds is counted.
 *
 * @param n - how many
 */
export function distinctClosures(n: number): Handler[] {
  const out: Handler[] = []
  for (let i = 0; i < n; i++) {
    const s = { v: i }
    out.push(() => {
      s.v++
    })
  }
  return out
}

/**
 * Calls every handler `times` times from one plain loop, so V8 has optimized each before any case is timed (a
 * handler reached once per 1000 publishes would otherwise still run in the interpreter), then resets the counter.
 *
 * @param handlers - the set
 * @param times - calls per handler
 */
export async function prewarm(handlers: readonly Handler[], times = 1000): Promise<void> {
  const payload = { seq: 0, ok: true }
  for (let t = 0; t < times; t++) for (let i = 0; i < handlers.length; i++) void handlers[i]!(payload)
  // Let async handlers' promises settle, and the compiler threads catch up.
  await new Promise((resolve) => setTimeout(resolve, 10))
  calls.n = 0
}
