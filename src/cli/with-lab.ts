/**
 * Runs a lifecycle command on an opened lab: lock, provider, progress, and on Ctrl-C a clean stop that
 * says how to resume, and leaves the lock free (or, while a hypervisor command finishes, to the next command).
 */
import { openLab, type LabContext, type OpenOptions } from '../engine/lab-context.js'
import { reporterFor } from './progress.js'
import { ndjsonReporter, printJsonError } from './json-output.js'
import { EXIT } from '../util/exit-codes.js'
import { describeChildren } from '../state/lock.js'
import type { Reporter } from '../engine/events.js'

export interface LabCommandOptions {
  file?: string
  provider?: string
  verbose?: boolean
  json?: boolean
  /** With json: a long command's progress events go to stdout as NDJSON, before its result line. */
  events?: boolean
}

export async function withLab<T>(
  command: string,
  opts: LabCommandOptions & { allowDefault?: boolean; tolerateDamagedState?: boolean; warn?: boolean; needsLabFiles?: boolean },
  fn: (ctx: LabContext) => Promise<T>,
): Promise<T> {
  // With --json, stdout is the data: a long command's events are part of it (NDJSON), a short one's go to stderr.
  const report: Reporter = opts.json && opts.events ? ndjsonReporter(process.stdout) : reporterFor(process.stderr)
  const open: OpenOptions = { command, report, stderr: process.stderr, allowDefault: opts.allowDefault ?? false }
  if (opts.file !== undefined) open.file = opts.file
  if (opts.provider !== undefined) open.provider = opts.provider
  if (opts.verbose) open.verbose = true
  if (opts.tolerateDamagedState) open.tolerateDamagedState = true
  if (opts.warn) open.warn = true
  if (opts.needsLabFiles) open.needsLabFiles = true
  // Ctrl-C may come before the lab is open: while the lock is waited for, or a hypervisor is asked its version.
  let ctx: LabContext | undefined
  const onSignal = (signal: NodeJS.Signals) => {
    if (!ctx) {
      // Nothing is made before the lab is open; the lock, if taken, is freed on the way out (state/lock.ts).
      const message = `${command} interrupted (${signal}) before it changed anything`
      if (opts.json) printJsonError({ error: message, hint: 'run it again when you are ready', exitCode: EXIT.interrupted })
      process.stderr.write(`\n${message}; run it again when you are ready\n`)
      process.exit(EXIT.interrupted)
    }
    // A hypervisor command is left to finish (util/run.ts): the lock keeps it, and the next command waits for it.
    const opened = ctx
    const left = opened.runningCommands()
    const { list, it, is } = describeChildren(left)
    const still = left.length ? `; ${list} ${is} still finishing, and the next command waits for ${it}` : ''
    void opened.release().finally(() => {
      const hint = 'run it again to resume where it stopped, or `lab destroy` to clean up'
      if (opts.json) printJsonError({ error: `${command} interrupted (${signal})${still}`, hint, exitCode: EXIT.interrupted })
      process.stderr.write(`\n${command} interrupted (${signal})${still}; ${hint}\n`)
      process.exit(EXIT.interrupted)
    })
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  try {
    ctx = await openLab(open)
    return await fn(ctx)
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    await ctx?.release()
  }
}

/** Global options (-v) merged with the command's own. */
export function globalVerbose(cmd: { optsWithGlobals?: () => Record<string, unknown> }): boolean {
  return Boolean(cmd.optsWithGlobals?.().verbose)
}
