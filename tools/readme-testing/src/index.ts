/**
 * This repository's README test tooling (private, not published): each package's test writes its README's example
 * out as a module ({@link writeReadmeExample}), runs it under fake timers and compares what it printed with the
 * README ({@link runMainWithFakeTimers}, {@link readmePrintedLines}).
 *
 * @packageDocumentation
 */
export { writeReadmeExample } from './readme-example.js'
export type { ReadmeExample, ReadmeExampleOptions } from './readme-example.js'
export { readmePrintedLines, runMainWithFakeTimers } from './readme-run.js'
