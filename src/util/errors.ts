/**
 * Errors a user can act on. Every error that reaches the CLI carries an exit code (the table in
 * exit-codes.ts) and, where we know one, the fix.
 */
import { EXIT } from './exit-codes.js'

export class LabError extends Error {
  readonly exitCode: number
  readonly hint?: string
  constructor(message: string, opts: { exitCode?: number; hint?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause })
    this.name = 'LabError'
    this.exitCode = opts.exitCode ?? EXIT.failed
    if (opts.hint !== undefined) this.hint = opts.hint
  }
}

/** Bad input from the user (lab file, flags): exit code 2, nothing was changed. */
export class InputError extends LabError {
  constructor(message: string, hint?: string) {
    super(message, hint === undefined ? { exitCode: EXIT.badInput } : { exitCode: EXIT.badInput, hint })
    this.name = 'InputError'
  }
}

/** This machine cannot run the lab yet (no hypervisor, one not installed or not set up): exit code 3, nothing was created. */
export class HostError extends LabError {
  constructor(message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(message, { ...opts, exitCode: EXIT.host })
    this.name = 'HostError'
  }
}

/** A process we ran failed: keeps the argv and the tool's own words. */
export class CommandError extends LabError {
  readonly command: string[]
  readonly code: number | undefined
  readonly stdout: string
  readonly stderr: string
  constructor(opts: {
    message: string
    command: string[]
    code: number | undefined
    stdout: string
    stderr: string
    hint?: string
  }) {
    super(opts.message, opts.hint === undefined ? {} : { hint: opts.hint })
    this.name = 'CommandError'
    this.command = opts.command
    this.code = opts.code
    this.stdout = opts.stdout
    this.stderr = opts.stderr
  }
}

/** A process we ran did not finish within its time limit and was stopped. */
export class CommandTimeoutError extends CommandError {
  readonly waitedMs: number
  constructor(opts: ConstructorParameters<typeof CommandError>[0] & { waitedMs: number }) {
    super(opts)
    this.name = 'CommandTimeoutError'
    this.waitedMs = opts.waitedMs
  }
}
