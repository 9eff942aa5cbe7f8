import { describeAgentManagerContract } from '@coord/kernel/testing'
import { BatchRegistrar, SequentialRegistrar } from '../src/index.js'

describeAgentManagerContract('BatchRegistrar', (setup) => new BatchRegistrar({ ...setup, concurrency: 4 }))
describeAgentManagerContract('BatchRegistrar at concurrency 1', (setup) => new BatchRegistrar({ ...setup, concurrency: 1 }))
describeAgentManagerContract('SequentialRegistrar', (setup) => new SequentialRegistrar(setup))
