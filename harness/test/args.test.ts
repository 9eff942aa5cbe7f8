import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseCliArgs, UsageError } from '../src/args.js'
import { PROTOCOL_NAMES } from '../src/protocols/index.js'

const REPORTS = '/repo/reports'
const parse = (...argv: string[]) => parseCliArgs(argv, REPORTS, '/cwd')

describe('parseCliArgs', () => {
  it('runs every protocol, swarm last, into reports/ by default', () => {
    const o = parse()
    expect(o.protocols).toEqual(PROTOCOL_NAMES)
    expect(o.protocols.at(-1)).toBe('swarm')
    expect(o).toMatchObject({ quick: false, json: false, help: false, out: resolve(REPORTS) })
  })

  it('writes a quick run to reports/.quick/ so it never overwrites the committed report', () => {
    expect(parse('--quick').out).toBe(resolve(REPORTS, '.quick'))
    expect(parse('--quick', '--out', 'x').out).toBe(resolve('/cwd', 'x'))
  })

  it('takes protocols repeated, comma-separated or with =, in registry order without duplicates', () => {
    expect(parse('--protocol', 'swarm', '--protocol=parallel-init,swarm', '-p', 'multicast-routing').protocols).toEqual(['parallel-init', 'multicast-routing', 'swarm'])
  })

  it('accepts --out DIR and --out=DIR, --json, --help and a bare -- from pnpm', () => {
    expect(parse('--', '--out=/abs/dir', '--json').out).toBe('/abs/dir')
    expect(parse('--json').json).toBe(true)
    expect(parse('-h').help).toBe(true)
  })

  it.each([
    [['--protocol', 'nope'], /Unknown protocol "nope"; known protocols: parallel-init, batch-registration, .*swarm/],
    [['--protocol'], /--protocol needs a value/],
    [['--protocol', '--quick'], /--protocol needs a value/],
    [['--out='], /--out needs a value/],
    [['--out', 'a', '--out', 'b'], /--out given twice/],
    [['--quick=yes'], /--quick takes no value/],
    [['--fast'], /Unknown option "--fast"/],
    [['swarm'], /Unexpected argument "swarm"; protocols are chosen with --protocol NAME/],
  ])('rejects %j with a clear message', (argv, message) => {
    expect(() => parse(...argv)).toThrow(UsageError)
    expect(() => parse(...argv)).toThrow(message)
  })
})
