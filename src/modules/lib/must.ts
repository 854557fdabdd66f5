/** Running a command as root on a node, with failures that name the node, the command and its words. */
import type { Guest } from '../module.js'
import { commandText } from '../../guest/remote-command.js'
import { LabError } from '../../util/errors.js'
import { redact } from '../../util/run.js'

export interface MustOptions {
  secrets?: string[]
  timeoutMs?: number
  input?: string
  hint?: string
}

/** Runs argv through sudo and returns its stdout; a non-zero exit throws a LabError with the last lines it printed. */
export async function must(guest: Guest, node: string, argv: readonly string[], opts: MustOptions = {}): Promise<string> {
  const result = await guest.exec([...argv], {
    sudo: true,
    ...(opts.secrets === undefined ? {} : { secrets: opts.secrets }),
    ...(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }),
    ...(opts.input === undefined ? {} : { input: opts.input }),
  })
  if (result.code === 0) return result.stdout
  const said = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-5).join('\n')
  throw new LabError(redact(`${node}: \`${commandText([...argv])}\` exited with ${result.code}${said ? `:\n${said}` : ''}`, opts.secrets), opts.hint === undefined ? {} : { hint: opts.hint })
}
