import { LabError, CommandError } from '../util/errors.js'
import { fsError } from '../util/fs-errors.js'
import { EXIT } from '../util/exit-codes.js'
import { printJsonError } from './json-output.js'

const BUG_HINT = 'this is a bug in vmlab; run again with --verbose and report the output'

/** Prints an error the way a user can act on it (or, with --json, as `{error, hint, exitCode}` on stdout) and returns the exit code. */
export function reportError(thrown: unknown, verbose: boolean, json = false): number {
  // A file-system failure no caller put in words (a full disk, a read-only folder) is still not a bug.
  const err = fsError(thrown)
  if (err instanceof LabError) {
    if (json) printJsonError({ error: err.message, hint: err.hint ?? null, exitCode: err.exitCode })
    else {
      process.stderr.write(`error: ${err.message}\n`)
      if (err.hint) process.stderr.write(`hint: ${err.hint}\n`)
    }
    if (verbose && err instanceof CommandError && err.stderr) process.stderr.write(`--- stderr of the command ---\n${err.stderr}\n`)
    return err.exitCode
  }
  const e = err as Error
  const message = e?.message ?? String(err)
  if (json) printJsonError({ error: message, hint: BUG_HINT, exitCode: EXIT.failed })
  else process.stderr.write(`error: ${message}\n`)
  if (verbose && e?.stack) process.stderr.write(`${e.stack}\n`)
  else if (!json) process.stderr.write(`hint: ${BUG_HINT}\n`)
  return EXIT.failed
}
