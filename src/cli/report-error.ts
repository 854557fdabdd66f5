import { LabError, CommandError } from '../util/errors.js'
import { fsError } from '../util/fs-errors.js'

/** Prints an error the way a user can act on it and returns the exit code. */
export function reportError(thrown: unknown, verbose: boolean): number {
  // A file-system failure no caller put in words (a full disk, a read-only folder) is still not a bug.
  const err = fsError(thrown)
  if (err instanceof LabError) {
    process.stderr.write(`error: ${err.message}\n`)
    if (err.hint) process.stderr.write(`hint: ${err.hint}\n`)
    if (verbose && err instanceof CommandError && err.stderr) process.stderr.write(`--- stderr of the command ---\n${err.stderr}\n`)
    return err.exitCode
  }
  const e = err as Error
  process.stderr.write(`error: ${e?.message ?? String(err)}\n`)
  if (verbose && e?.stack) process.stderr.write(`${e.stack}\n`)
  else process.stderr.write('hint: this is a bug in vmlab; run again with --verbose and report the output\n')
  return 1
}
