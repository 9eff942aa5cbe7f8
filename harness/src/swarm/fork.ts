import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { SwarmConfig, SwarmFigures } from './run-swarm.js'

/**
 * Runs one swarm in a fresh child process (the compiled `worker.js`) and returns its figures.
 *
 * @param config - the offered load and mode
 * @param timeoutMs - kills the child after this long
 * @throws Error with the child's error, its exit code, or the timeout
 */
export function forkSwarm(config: SwarmConfig, timeoutMs: number): Promise<SwarmFigures> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(new URL('./worker.js', import.meta.url)), [JSON.stringify(config)], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], execArgv: [] })
    let stderr = ''
    let answered = false
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000)
    })
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`the ${config.mode} swarm at ${config.messageRate} msg/s did not finish within ${timeoutMs} ms`))
    }, timeoutMs)
    child.on('message', (m: { ok: boolean; figures?: SwarmFigures; error?: string }) => {
      answered = true
      clearTimeout(timer)
      if (m.ok) resolve(m.figures!)
      else reject(new Error(`the ${config.mode} swarm failed: ${m.error}`))
    })
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      if (!answered) reject(new Error(`the ${config.mode} swarm process exited (${signal ?? code}) without figures: ${stderr.trim().slice(-500)}`))
    })
  })
}
