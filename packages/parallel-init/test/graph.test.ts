import { describe, expect, it } from 'vitest'
import type { BaseManager } from '@coord/kernel'
import { compileGraph, failureChain } from '../src/graph.js'

const m = (name: string, ...dependsOn: string[]): BaseManager => ({ name, dependsOn, init: async () => {} })
const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn()
  } catch (e) {
    return (e as { code?: string }).code
  }
  return undefined
}

describe('compileGraph', () => {
  it('orders dependencies first, stably by input order', () => {
    const g = compileGraph([m('c', 'a'), m('a'), m('b'), m('d', 'c', 'b')])
    expect([...g.order].map((i) => g.managers[i]!.name)).toEqual(['a', 'b', 'c', 'd'])
  })

  it('counts a dependency listed twice once', () => {
    const g = compileGraph([m('a'), m('b', 'a', 'a')])
    expect(g.depCount[1]).toBe(1)
    expect([...g.dependents]).toEqual([1])
  })

  it('checks duplicates before self-dependencies, and those before missing dependencies and cycles', () => {
    expect(codeOf(() => compileGraph([m('a', 'zz'), m('b', 'b'), m('a')]))).toBe('DUPLICATE_MANAGER')
    expect(codeOf(() => compileGraph([m('a', 'a', 'zz')]))).toBe('SELF_DEPENDENCY')
    expect(codeOf(() => compileGraph([m('a', 'zz'), m('b', 'c'), m('c', 'b')]))).toBe('DEPENDENCY_MISSING')
    expect(codeOf(() => compileGraph([m('b', 'c'), m('c', 'b')]))).toBe('DEPENDENCY_CYCLE')
  })

  it('names the full cycle, a -> b -> c -> a, even behind acyclic managers', () => {
    try {
      compileGraph([m('x'), m('y', 'a'), m('a', 'x', 'b'), m('b', 'c'), m('c', 'a')])
      expect.unreachable()
    } catch (e) {
      expect((e as { details: { cycle: string[] } }).details.cycle).toEqual(['a', 'b', 'c', 'a'])
      expect((e as Error).message).toContain('a -> b -> c -> a')
    }
  })

  it('rejects a list that is not an array and a malformed manager', () => {
    expect(codeOf(() => compileGraph(null))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => compileGraph([m('a'), { name: 'b', dependsOn: [] }]))).toBe('INVALID_MANAGER')
    expect(codeOf(() => compileGraph([{ ...m('a'), timeoutMs: -1 }]))).toBe('INVALID_MANAGER')
  })

  it('keys names in a Map, so __proto__ and constructor are ordinary names', () => {
    const g = compileGraph([m('__proto__'), m('constructor', '__proto__'), m('toString', 'constructor')])
    expect([...g.order]).toEqual([0, 1, 2])
    expect(codeOf(() => compileGraph([m('a', 'constructor')]))).toBe('DEPENDENCY_MISSING')
    expect(codeOf(() => compileGraph([m('a', '__proto__')]))).toBe('DEPENDENCY_MISSING')
  })
})

describe('failureChain', () => {
  const g = compileGraph([
    m('storage'),
    m('agent-manager', 'storage'),
    m('workspace-sync', 'storage'),
    m('contract-service', 'agent-manager'),
    m('unified-coordination', 'agent-manager'),
    m('other'),
  ])

  it('follows the longest chain of dependents, ties to the manager listed first', () => {
    expect(failureChain(g, 0)).toEqual({
      chain: ['contract-service', 'agent-manager', 'storage'],
      blocked: ['agent-manager', 'workspace-sync', 'contract-service', 'unified-coordination'],
    })
  })

  it('is the manager alone when nothing depends on it', () => {
    expect(failureChain(g, 5)).toEqual({ chain: ['other'], blocked: [] })
  })
})
