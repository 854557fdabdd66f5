import type { RemoteOutcome, RemoteProcess, StreamName } from './remote-process.js'

export type StopReason = { why: 'timeout' } | { why: 'overflow'; which: StreamName }

/**
 * Ends a remote command that ran too long or printed too much. `kill` must end it or give up
 * within a bounded time: sshd keeps a channel open for as long as its command runs, so after
 * a failed kill there is no outcome to wait for.
 */
export class Watchdog {
  /** Why the command was ended early, if it was. */
  stop: StopReason | undefined
  private proc: RemoteProcess | undefined
  private killing: Promise<void> | undefined
  private gaveUp: () => void = () => undefined
  private readonly killed = new Promise<undefined>((resolve) => {
    this.gaveUp = () => resolve(undefined)
  })

  constructor(private readonly kill: (proc: RemoteProcess) => Promise<void>) {}

  /** Ends the command, for the first reason given (also before `follow`: it acts once the process is known). */
  halt(reason: StopReason): void {
    this.stop ??= reason
    if (this.proc && !this.killing) this.killing = this.kill(this.proc).then(this.gaveUp)
  }

  /** Waits for the command, killing it after `timeoutMs`; undefined when it was killed and gave no outcome. */
  async follow(proc: RemoteProcess, timeoutMs: number): Promise<RemoteOutcome | undefined> {
    this.proc = proc
    if (this.stop) this.halt(this.stop)
    const timer = setTimeout(() => this.halt({ why: 'timeout' }), timeoutMs)
    try {
      return await Promise.race([proc.done, this.killed])
    } finally {
      clearTimeout(timer)
      await this.killing
    }
  }
}
