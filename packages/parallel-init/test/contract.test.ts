import { describeInitializerContract } from '@coord/kernel/testing'
import { ParallelInitializer, SequentialInitializer } from '../src/index.js'

describeInitializerContract('ParallelInitializer', () => new ParallelInitializer())
describeInitializerContract('ParallelInitializer (concurrency 2, continue policy)', () => new ParallelInitializer({ concurrency: 2, failurePolicy: 'continue' }))
describeInitializerContract('SequentialInitializer', () => new SequentialInitializer())
describeInitializerContract('SequentialInitializer (continue policy)', () => new SequentialInitializer({ failurePolicy: 'continue' }))
