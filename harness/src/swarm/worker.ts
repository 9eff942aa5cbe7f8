// A child process running one swarm (or, with the argument `bare`, the bare load generator), so each run's CPU time
// and peak RSS are its own.
import 'reflect-metadata'
import { runBareLoad } from './bare-load.js'
import { runSwarm, type SwarmConfig } from './run-swarm.js'

const config = JSON.parse(process.argv[2] ?? '{}') as SwarmConfig
const run = process.argv[3] === 'bare' ? runBareLoad(config) : runSwarm(config)
run.then(
  (figures) => {
    process.send!({ ok: true, figures }, () => process.exit(0))
  },
  (e: unknown) => {
    process.send!({ ok: false, error: e instanceof Error ? `${(e as { code?: string }).code ? `${(e as { code?: string }).code}: ` : ''}${e.message}` : String(e) }, () => process.exit(1))
  },
)
