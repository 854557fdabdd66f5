import { CommandError, LabError } from '../util/errors.js'

/**
 * The SSH connection to a node is gone (dropped mid-command, VM rebooted or stopped). The
 * remote command may or may not have finished: reconnect and re-run idempotent steps only.
 */
export class GuestConnectionError extends LabError {
  readonly node: string
  constructor(node: string, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(message, opts)
    this.name = 'GuestConnectionError'
    this.node = node
  }
}

/** The node presented a host key other than the one lab generated for it. Never retried. */
export class HostKeyMismatchError extends LabError {
  readonly node: string
  readonly expected: string
  readonly presented: string | undefined
  constructor(node: string, message: string, opts: { expected: string; presented?: string; hint: string }) {
    super(message, { hint: opts.hint })
    this.name = 'HostKeyMismatchError'
    this.node = node
    this.expected = opts.expected
    this.presented = opts.presented
  }
}

/** sshd refused our key. Never retried: waiting does not make a wrong key right. */
export class GuestAuthError extends LabError {
  readonly node: string
  constructor(node: string, message: string, hint: string) {
    super(message, { hint })
    this.name = 'GuestAuthError'
    this.node = node
  }
}

/** A remote command ran past its time limit; it was killed on the node. */
export class GuestTimeoutError extends LabError {
  readonly node: string
  readonly timeoutMs: number
  constructor(node: string, message: string, timeoutMs: number, hint: string) {
    super(message, { hint })
    this.name = 'GuestTimeoutError'
    this.node = node
    this.timeoutMs = timeoutMs
  }
}

/** A remote command exited non-zero where success was required. */
export class GuestCommandError extends CommandError {
  readonly node: string
  constructor(opts: ConstructorParameters<typeof CommandError>[0] & { node: string }) {
    super(opts)
    this.name = 'GuestCommandError'
    this.node = opts.node
  }
}
