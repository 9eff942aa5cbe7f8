#!/usr/bin/env node
// Runs every example and checks its output; exits 1 when one fails. Each example also runs by hand (see its README).
//
//   node examples/run-all.mjs                        against this workspace's built packages (run `pnpm exec tsc -b`
//                                                    first): links examples/node_modules/@coord/* to packages/*
//   node examples/run-all.mjs --registry DIR [--version V]
//                                                    as a user would: copies each example into a temporary
//                                                    directory and installs its dependencies by name with npm from
//                                                    the registry that scripts/registry/start.sh started in DIR
//                                                    (@coord/* pinned to V when given)
//
// benchmark-your-plugin always runs in the workspace (the harness is not published), and only its contract check: the
// benchmark itself is `npm run bench` in its folder (see its README).
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, readdirSync, lstatSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const examples = dirname(fileURLToPath(import.meta.url))
const root = join(examples, '..')
const args = process.argv.slice(2)
const flag = (name) => {
  const i = args.indexOf(name)
  return i === -1 ? undefined : args[i + 1]
}
const registryDir = flag('--registry')
const version = flag('--version')

// Each check: the example's folder, the command run in it, and the lines its output must contain (one regex each).
const vitest = (dir) => ['node', [join(dir, 'node_modules', 'vitest', 'vitest.mjs'), 'run']]
const CHECKS = [
  {
    example: 'first-task',
    run: () => ['node', ['main.mjs']],
    expect: [/^met \[ 'r1', 'r2' \]$/],
  },
  {
    example: 'in-process-swarm',
    run: () => ['node', ['main.mjs']],
    expect: [
      /^startup: 5 managers in \d+ ms \(ParallelInitializer\)$/,
      /^critical path: config -> secrets -> storage -> scheduler \(\d+ ms\)$/,
      /^ {2}scheduler +\d+ -> +\d+ ms {2}ok$/,
      /^registered 1000 agents \(0 rejected\) in \d+ ms$/,
      /^routed 10 status messages through 'agent\.\*\.status'$/,
      /^coordination: met, 50 replies \(first: \{"id":"agent-\d+","estimateMs":42\}\)/,
      /^health: agent-2 healthy -> dead$/,
      /^health snapshot: agent-0=healthy agent-1=healthy agent-2=dead; live=true$/,
      /^stopped$/,
    ],
  },
  {
    example: 'custom-plugin',
    run: () => ['node', ['main.mjs']],
    expect: [
      /^batch-registration=enhanced multicast-routing=enhanced async-coordination=enhanced: bus TopicTrieRouter, coordinator EventDrivenCoordinator, met with 3 replies$/,
      /^batch-registration=enhanced multicast-routing=legacy async-coordination=enhanced: bus LinearScanRouter, coordinator EventDrivenCoordinator, met with 3 replies$/,
      /^batch-registration=legacy multicast-routing=legacy async-coordination=legacy: bus LinearScanRouter, coordinator PollingCoordinator, met with 3 replies$/,
      /^batch-registration=enhanced counting-router=enhanced async-coordination=enhanced: bus CountingRouter, .* met with 3 replies$/,
      /^counting-router \(enhanced\) counted \{"agent":1,"coord":3\}$/,
      /^batch-registration=enhanced counting-router=legacy async-coordination=enhanced: bus CountingRouter, .* met with 3 replies$/,
      /^counting-router \(legacy\) counted \{"agent":1,"coord":3\}$/,
    ],
  },
  {
    example: 'custom-plugin',
    title: 'contract suite (vitest)',
    run: (dir) => vitest(registryDir === undefined ? examples : dir),
    expect: [/✓ counting-router\.test\.mjs \(\d+ tests\)/, /^\s*Tests\s+(\d+) passed \(\1\)$/], // every test ran and passed
  },
  {
    example: 'nats-two-processes',
    run: () => ['node', ['main.mjs']],
    expect: [
      /^coordinator: NATS at /,
      /^agents: 10 agents announced from pid \d+$/,
      /^coordinator: registered 10 agents from the other process$/,
      /^coordinator: task met, 10 replies, sums 10, from 1 other process \(not \d+: true\)$/,
      /^coordinator: health 10 healthy$/,
      /^coordinator: dead agent-7; 9 healthy$/,
      /^agents: stopped$/,
      /^coordinator: agents' process exited with code 0$/,
      /^coordinator: stopped$/,
    ],
  },
  {
    example: 'benchmark-your-plugin',
    title: 'contract run of the harness (no benchmark)',
    workspaceOnly: true,
    // what `coord-harness --plugin FILE` runs before its benchmarks (harness/src/contract-run.ts), without them
    run: () => ['node', [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', join(root, 'harness', 'contract', 'vitest.config.ts')]],
    env: (dir) => ({ COORD_HARNESS_PLUGIN: join(dir, 'counting-router-plugin.mjs') }),
    expect: [/✓ candidate\.contract\.ts \(\d+ tests/, /^\s*Tests\s+\d+ passed( \| \d+ skipped)? \(\d+\)$/], // no failed
  },
]

const log = (line) => process.stderr.write(`examples: ${line}\n`)
const fail = (msg) => {
  log(msg)
  process.exit(1)
}

/** Links examples/node_modules/@coord/NAME to packages/NAME (and vitest to the root's), as a workspace would. */
function linkWorkspace() {
  if (!existsSync(join(root, 'packages', 'kernel', 'dist', 'index.js'))) fail('packages are not built: run `pnpm exec tsc -b` first')
  const scope = join(examples, 'node_modules', '@coord')
  mkdirSync(scope, { recursive: true })
  const link = (target, path) => {
    try {
      if (lstatSync(path)) rmSync(path, { recursive: true, force: true })
    } catch {
      // nothing there yet
    }
    symlinkSync(relative(dirname(path), target), path)
  }
  for (const name of readdirSync(join(root, 'packages'))) link(join(root, 'packages', name), join(scope, name))
  link(join(root, 'node_modules', 'vitest'), join(examples, 'node_modules', 'vitest'))
}

/** Copies an example into a temporary directory and installs its dependencies from the registry, by name. */
const installed = new Map()
function installFromRegistry(example) {
  if (installed.has(example)) return installed.get(example)
  const dir = join(mkdtempSync(join(tmpdir(), `coord-example-${example}-`)), example)
  const src = join(examples, example)
  cpSync(src, dir, { recursive: true, filter: (p) => !p.includes('node_modules') })
  const pkgPath = join(dir, 'package.json')
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8'))
  if (version !== undefined) for (const name of Object.keys(pkg.dependencies ?? {})) if (name.startsWith('@coord/')) pkg.dependencies[name] = version
  writeFileSync(pkgPath, `${JSON.stringify(pkg, null, 2)}\n`)
  const started = Date.now()
  const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', '--userconfig', join(registryDir, 'npmrc')], { cwd: dir, encoding: 'utf8' })
  if (r.status !== 0) fail(`${example}: npm install from the registry failed:\n${r.stdout}${r.stderr}`)
  const names = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).join(' ')
  log(`${example}: npm install ${names} from ${readFileSync(join(registryDir, 'url'), 'utf8').trim()} in ${((Date.now() - started) / 1000).toFixed(1)}s`)
  installed.set(example, dir)
  return dir
}

/** docs/GUIDE.md shows examples/first-task/main.mjs between markers: the two must not drift apart. */
function checkGuide() {
  const guide = readFileSync(join(root, 'docs', 'GUIDE.md'), 'utf8')
  const m = /<!-- first-task:start -->\s*```js\n([\s\S]*?)```\s*<!-- first-task:end -->/.exec(guide)
  const file = readFileSync(join(examples, 'first-task', 'main.mjs'), 'utf8')
  if (m === null) return 'docs/GUIDE.md has no first-task block'
  return m[1] === file ? undefined : 'docs/GUIDE.md shows a first task that differs from examples/first-task/main.mjs'
}

if (registryDir === undefined || CHECKS.some((c) => c.workspaceOnly)) linkWorkspace()
let passed = 0
let failed = 0
for (const check of CHECKS) {
  const fromRegistry = registryDir !== undefined && check.workspaceOnly !== true
  const dir = fromRegistry ? installFromRegistry(check.example) : join(examples, check.example)
  const [cmd, cmdArgs] = check.run(dir)
  const started = Date.now()
  const r = spawnSync(cmd, cmdArgs, {
    cwd: dir,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...(check.env?.(dir) ?? {}) },
  })
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`
  const lines = output.split('\n').map((l) => l.trimEnd())
  const missing = check.expect.filter((re) => !lines.some((l) => re.test(l)))
  const name = `${check.example}: ${check.title ?? `${cmd} ${cmdArgs.join(' ')}`}`
  const where = fromRegistry ? 'installed from the registry' : 'workspace'
  const secs = ((Date.now() - started) / 1000).toFixed(1)
  if (r.status === 0 && missing.length === 0) {
    passed++
    log(`ok   ${name} (${where}, ${secs}s)`)
  } else {
    failed++
    log(`FAIL ${name} (${where}, ${secs}s): exit ${r.status ?? r.signal}${r.error ? ` (${r.error.message})` : ''}`)
    for (const re of missing) log(`     missing a line matching ${re}`)
    const tail = lines.slice(-80) // the end of a long vitest report is where its summary is
    if (lines.length > tail.length) log(`     ... ${lines.length - tail.length} earlier lines left out`)
    process.stderr.write(`${tail.join('\n').replace(/^/gm, '     | ')}\n`)
  }
}
const guideProblem = checkGuide()
if (guideProblem === undefined) {
  passed++
  log('ok   docs/GUIDE.md shows examples/first-task/main.mjs as it is')
} else {
  failed++
  log(`FAIL ${guideProblem}`)
}
for (const dir of installed.values()) rmSync(dirname(dir), { recursive: true, force: true })
log(`${passed} passed, ${failed} failed`)
process.exit(failed === 0 ? 0 : 1)
