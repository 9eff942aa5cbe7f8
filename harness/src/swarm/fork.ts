import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { BareLoadConfig, BareLoadFigures } from './bare-load.js'
import type { SwarmConfig, SwarmFigures } from './run-swarm.js'

/**
 * Runs the compiled `worker.js` in a fresh child process and returns what it sent back.
 *
 * @param args - the worker's arguments
 * @param label - names the run in errors, such as `the legacy swarm at 1000 msg/s`
 * @param timeoutMs - kills the child after this long
 */
function forkWorker<T>(args: readonly string[], label: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(new URL('./worker.js', import.meta.url)), [...args], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], execArgv: [] })
    let stderr = ''
    let answered = false
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000)
    })
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${label} did not finish within ${timeoutMs} ms`))
    }, timeoutMs)
    child.on('message', (m: { ok: boolean; figures?: T; error?: string }) => {
      answered = true
      clearTimeout(timer)
      if (m.ok) resolve(m.figures!)
      else reject(new Error(`${label} failed: ${m.error}`))
    })
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      if (!answered) reject(new Error(`${label}: the process exited (${signal ?? code}) without figures: ${stderr.trim().slice(-500)}`))
    })
  })
}

/**
 * Runs one swarm in a fresh child process (the compiled `worker.js`) and returns its figures.
 *
 * @param config - the offered load and mode
 * @param timeoutMs - kills the child after this long
 * @throws Error with the child's error, its exit code, or the timeout
 */
export function forkSwarm(config: SwarmConfig, timeoutMs: number): Promise<SwarmFigures> {
  return forkWorker<SwarmFigures>([JSON.stringify(config)], `the ${config.mode} swarm at ${config.messageRate} msg/s`, timeoutMs)
}

/**
 * Runs the bare load generator (the same offered load, no kernel) in a fresh child process and returns its figures.
 *
 * @param config - the offered load
 * @param timeoutMs - kills the child after this long
 * @throws Error with the child's error, its exit code, or the timeout
 */
export function forkBareLoad(config: BareLoadConfig, timeoutMs: number): Promise<BareLoadFigures> {
  return forkWorker<BareLoadFigures>([JSON.stringify(config), 'bare'], `the bare load generator at ${config.messageRate} msg/s`, timeoutMs)
}
