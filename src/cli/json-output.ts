/**
 * `--json`: what a script reads on stdout. A short command prints one JSON document; a long one (up, reset,
 * destroy, provision, halt, resume, snapshot save/delete) prints NDJSON: one line per progress event, then its
 * result as `{"type":"result", …}`. A failure is always the last line, `{"error", "hint", "exitCode"}`, with the
 * exit code of the table in util/exit-codes.ts.
 */
import type { EngineEvent, Reporter } from '../engine/events.js'

/** Was --json given (before a `--`, after which the words belong to a node's command)? */
export function jsonRequested(argv: readonly string[]): boolean {
  const end = argv.indexOf('--')
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json')
}

export function ndjsonReporter(out: NodeJS.WritableStream = process.stdout): Reporter {
  return (e: EngineEvent) => {
    out.write(JSON.stringify({ ...e, time: new Date().toISOString() }) + '\n')
  }
}

/** A short command's answer: one document, indented for the person who reads it too. */
export function printJson(data: unknown): void {
  process.stdout.write(JSON.stringify(data, null, 2) + '\n')
}

/** A long command's answer: the last NDJSON line. */
export function printResult(data: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify({ type: 'result', ...data }) + '\n')
}

export interface JsonError {
  error: string
  hint: string | null
  exitCode: number
}

export function printJsonError(e: JsonError): void {
  process.stdout.write(JSON.stringify(e) + '\n')
}
