import { describeHealthMonitorContract } from '@coord/kernel/testing'
import { EventDrivenMonitor, PollingMonitor } from '../src/index.js'

describeHealthMonitorContract('EventDrivenMonitor', (s) => new EventDrivenMonitor({ hysteresis: s.hysteresis, tickMs: s.tickMs }))
describeHealthMonitorContract('EventDrivenMonitor (exact deadlines, tickMs 0)', (s) => new EventDrivenMonitor({ hysteresis: s.hysteresis, tickMs: 0 }))
describeHealthMonitorContract('PollingMonitor', (s) => new PollingMonitor({ hysteresis: s.hysteresis, intervalMs: s.tickMs }))
