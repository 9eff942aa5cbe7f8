#!/usr/bin/env node
// Microbenchmark of the event-monitoring deadline structures (issue 15), on a simulated clock.
//
//   pnpm exec tsc -b && node harness/bench/deadline-structures.mjs [--sizes 100,1000,10000,100000]
//       [--cases baseline,wheel,heap] [--samples 5] [--seconds 2] [--batch]
//
// Workload (the issue's): N agents heartbeat every 100 ms (one driver slice every 10 ms beats 1/10 of them, as the
// harness swarm does); a heartbeat is move(handle, now + 300). 2% of the agents stall each simulated second at a
// random time; a detected agent comes back 100 ms later (add), so the population stays stationary. The monitor's
// logic is simulated: one timer armed for next() rounded up to the 5 ms tick, never re-armed by a heartbeat (a
// heartbeat only moves a deadline later); a wake-up pops what is due and re-arms for next().
//
// Reported per case and size, as the median (and min–max) of interleaved samples (order reversed every other round):
// ns per heartbeat (the move, timed per driver slice), wake-ups per simulated second, ns per wake-up (popDue, the
// detections' bookkeeping and next(), timed per wake-up with hrtime, whose own cost is printed beside), and a
// correctness check: detections later than one tick after the deadline, or never, must be 0.
//
// --batch measures the monitors instead: EventDrivenMonitor.heartbeatMany(ids) against a heartbeat() loop and the
// legacy PollingMonitor's, ns per id and heartbeats/s, each size's ids watched (Date.now clock, 1 h interval so no timer
// fires), about `--seconds` × 1M heartbeats per sample; e.g. --batch --sizes 10000,100000.
//
// `baseline` is the bucket heap (the monitor's former structure on the new API). Run on a quiet machine; this script
// is not part of `pnpm run harness`.
import { parseArgs } from 'node:util'
import { DeadlineBucketHeap } from '../../packages/event-monitoring/dist/deadlines/deadline-bucket-heap.js'
import { DeadlineHeap } from '../../packages/event-monitoring/dist/deadlines/deadline-heap.js'
import { DeadlineWheel } from '../../packages/event-monitoring/dist/deadlines/deadline-wheel.js'
import { prng } from '../dist/prng.js'

const INTERVAL_MS = 100
const WINDOW_MS = 300
const TICK_MS = 5
const SLICE_MS = 10
const SLICES = INTERVAL_MS / SLICE_MS
const STALL_SHARE = 0.02
const COMEBACK_MS = 100
/** Simulated time before the measured window: every agent has heartbeated and the first deadlines have passed. */
const SETTLE_MS = WINDOW_MS + 2 * INTERVAL_MS

const CASES = {
  baseline: { name: 'bucket heap (baseline)', make: () => new DeadlineBucketHeap(TICK_MS) },
  wheel: { name: 'timing wheel', make: () => new DeadlineWheel(TICK_MS) },
  heap: { name: 'binary heap', make: () => new DeadlineHeap(TICK_MS) },
}

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '100,1000,10000,100000' },
    cases: { type: 'string', default: Object.keys(CASES).join(',') },
    samples: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '2' },
    batch: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
})
if (values.help) {
  console.log('node harness/bench/deadline-structures.mjs [--sizes 100,1000,10000,100000] [--cases baseline,wheel,heap] [--samples 5] [--seconds 2] [--batch]')
  process.exit(0)
}
const sizes = values.sizes.split(',').map(Number)
const caseKeys = values.cases.split(',')
const samples = Number(values.samples)
const seconds = Number(values.seconds)
for (const n of sizes) if (!Number.isInteger(n) || n < 1) fail(`Expected --sizes to be positive integers, got ${JSON.stringify(values.sizes)}`)
for (const k of caseKeys) if (!(k in CASES)) fail(`Expected --cases among ${Object.keys(CASES).join(', ')}, got ${JSON.stringify(k)}`)
if (!Number.isInteger(samples) || samples < 1) fail(`Expected --samples to be an integer >= 1, got ${JSON.stringify(values.samples)}`)
if (!(seconds > 0)) fail(`Expected --seconds to be a number > 0, got ${JSON.stringify(values.seconds)}`)

function fail(message) {
  console.error(message)
  process.exit(2)
}


const roundUp = (t) => Math.ceil(t / TICK_MS) * TICK_MS

/** The cost of one timed section's two hrtime reads, in ns (median of many). */
function hrtimeCost() {
  const d = []
  for (let i = 0; i < 10_000; i++) {
    const t0 = process.hrtime.bigint()
    d.push(Number(process.hrtime.bigint() - t0))
  }
  return median(d)
}

/** One sample: a fresh structure, the whole simulated workload, and its figures. */
function runOnce(make, agents, seed) {
  const set = make()
  const random = prng(seed)
  const base = 1_700_000_000_000
  const end = base + SETTLE_MS + seconds * 1000
  const stallUntil = new Float64Array(agents) // the agent beats when now >= stallUntil[i]; Infinity while stalled
  const deadline = new Float64Array(agents)
  const out = []
  let armedFor = Infinity
  const arm = (at) => {
    const due = roundUp(at)
    if (due < armedFor) armedFor = due
  }
  for (let i = 0; i < agents; i++) {
    deadline[i] = base + WINDOW_MS
    set.add(i, deadline[i])
  }
  arm(set.next())
  // stalls: 2% of the agents per simulated second, at random times inside the measured window
  const stalls = []
  const perSecond = Math.max(1, Math.round(agents * STALL_SHARE))
  for (let s = 0; s < seconds; s++) {
    for (let k = 0; k < perSecond; k++) stalls.push({ at: base + SETTLE_MS + (s + random()) * 1000, agent: Math.floor(random() * agents) })
  }
  stalls.sort((a, b) => a.at - b.at)
  let nextStall = 0
  let beatNs = 0
  let beats = 0
  let wakeNs = 0
  let wakes = 0
  let late = 0
  let detected = 0
  let stalled = 0
  const measuring = (t) => t >= base + SETTLE_MS
  let slice = 0
  let sliceAt = base + SLICE_MS
  for (;;) {
    const t = Math.min(sliceAt, armedFor)
    if (t > end) break
    while (nextStall < stalls.length && stalls[nextStall].at <= t) {
      const { agent } = stalls[nextStall++]
      if (stallUntil[agent] !== Infinity) {
        stallUntil[agent] = Infinity
        stalled++
      }
    }
    if (armedFor <= sliceAt) {
      // a wake-up: pop what is due, detect, re-arm for the earliest deadline left
      armedFor = Infinity
      out.length = 0
      const t0 = process.hrtime.bigint()
      set.popDue(t, out)
      for (let j = 0; j < out.length; j++) {
        const i = out[j]
        if (t - deadline[i] > TICK_MS) late++
        stallUntil[i] = t + COMEBACK_MS // comes back later (an add), so the population stays stationary
        detected++
      }
      const next = set.next()
      if (next !== undefined) arm(next)
      const dt = Number(process.hrtime.bigint() - t0)
      if (measuring(t)) {
        wakeNs += dt
        wakes++
      }
      continue
    }
    // a driver slice: 1/10 of the agents heartbeat (move), the ones back from a stall are added again
    const t0 = process.hrtime.bigint()
    let n = 0
    for (let i = slice; i < agents; i += SLICES) {
      const since = stallUntil[i]
      if (since > t) continue
      const d = t + WINDOW_MS
      deadline[i] = d
      if (!set.move(i, d)) {
        set.add(i, d)
        if (d < armedFor) arm(d)
      }
      n++
    }
    const dt = Number(process.hrtime.bigint() - t0)
    if (measuring(t)) {
      beatNs += dt
      beats += n
    }
    slice = (slice + 1) % SLICES
    sliceAt += SLICE_MS
  }
  // every stalled agent whose deadline passed before the end must have been detected
  let never = 0
  for (let i = 0; i < agents; i++) if (stallUntil[i] === Infinity && deadline[i] + TICK_MS < end && set.has(i)) never++
  return { nsPerBeat: beatNs / Math.max(1, beats), wakesPerS: wakes / seconds, nsPerWake: wakeNs / Math.max(1, wakes), lateOrNever: late + never, stalled, detected }
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2
}

const fmt = (x, digits = 1) => (Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: digits }) : '—')
const spread = (xs, digits = 1) => `${fmt(median(xs), digits)} (${fmt(Math.min(...xs), digits)}–${fmt(Math.max(...xs), digits)})`

function structures() {
  const hr = hrtimeCost()
  console.log(`deadline structures: ${samples} interleaved samples, ${seconds} s simulated each after ${SETTLE_MS} ms settle; heartbeat ${INTERVAL_MS} ms, deadline ${WINDOW_MS} ms, tick ${TICK_MS} ms, ${STALL_SHARE * 100}% stalls/s`)
  console.log(`hrtime pair cost (included in each ns/wake-up figure, spread over a slice's beats in ns/heartbeat): ${fmt(hr)} ns\n`)
  // warm-up: every case once at the largest size, so the JIT has seen the hot loops
  for (const k of caseKeys) runOnce(CASES[k].make, Math.max(...sizes), 1)
  for (const agents of sizes) {
    const results = Object.fromEntries(caseKeys.map((k) => [k, []]))
    for (let s = 0; s < samples; s++) {
      const order = s % 2 === 0 ? caseKeys : [...caseKeys].reverse()
      for (const k of order) results[k].push(runOnce(CASES[k].make, agents, 1000 + s))
    }
    console.log(`N = ${agents.toLocaleString('en-US')}`)
    console.log('| case | ns/heartbeat | wake-ups/s | ns/wake-up | late or never |')
    console.log('| --- | ---: | ---: | ---: | ---: |')
    for (const k of caseKeys) {
      const r = results[k]
      console.log(`| ${CASES[k].name} | ${spread(r.map((x) => x.nsPerBeat))} | ${spread(r.map((x) => x.wakesPerS))} | ${spread(r.map((x) => x.nsPerWake), 0)} | ${r.reduce((a, x) => a + x.lateOrNever, 0)} |`)
    }
    console.log('')
  }
}

async function batch() {
  const { EventDrivenMonitor, PollingMonitor } = await import('../../packages/event-monitoring/dist/index.js')
  const hour = 3_600_000
  console.log(`heartbeatMany vs heartbeat(): ${samples} interleaved samples, ids watched with a 1 h interval (no timer fires)\n`)
  for (const agents of sizes) {
    const ids = Array.from({ length: agents }, (_, i) => `agent-${i}`)
    const rounds = Math.max(1, Math.round((seconds * 1_000_000) / agents)) // about `seconds` × 1M heartbeats per sample
    const cases = {
      'EventDrivenMonitor.heartbeatMany': (m) => m.heartbeatMany(ids),
      'EventDrivenMonitor.heartbeat loop': (m) => {
        for (let i = 0; i < ids.length; i++) m.heartbeat(ids[i])
      },
      'PollingMonitor.heartbeat loop (legacy)': (m) => {
        for (let i = 0; i < ids.length; i++) m.heartbeat(ids[i])
      },
    }
    const monitors = {
      'EventDrivenMonitor.heartbeatMany': new EventDrivenMonitor({ tickMs: TICK_MS }),
      'EventDrivenMonitor.heartbeat loop': new EventDrivenMonitor({ tickMs: TICK_MS }),
      'PollingMonitor.heartbeat loop (legacy)': new PollingMonitor({ intervalMs: hour }),
    }
    for (const m of Object.values(monitors)) for (const id of ids) m.watch(id, { heartbeatIntervalMs: hour })
    const names = Object.keys(cases)
    const results = Object.fromEntries(names.map((k) => [k, []]))
    for (const k of names) cases[k](monitors[k]) // warm-up
    for (let s = 0; s < samples; s++) {
      for (const k of s % 2 === 0 ? names : [...names].reverse()) {
        const t0 = process.hrtime.bigint()
        for (let r = 0; r < rounds; r++) cases[k](monitors[k])
        results[k].push(Number(process.hrtime.bigint() - t0) / (rounds * agents))
      }
    }
    for (const m of Object.values(monitors)) await m.stop()
    console.log(`N = ${agents.toLocaleString('en-US')} (${rounds} rounds of ${agents.toLocaleString('en-US')} per sample)`)
    console.log('| case | ns/heartbeat | heartbeats/s (M) |')
    console.log('| --- | ---: | ---: |')
    for (const k of names) console.log(`| ${k} | ${spread(results[k])} | ${spread(results[k].map((ns) => 1000 / ns), 2)} |`)
    console.log('')
  }
}

if (values.batch) await batch()
else structures()
