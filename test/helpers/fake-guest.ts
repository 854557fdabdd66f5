/**
 * A Guest that answers from a transcript: each expected command (exact text or a pattern) with the output
 * a real node gave. Module tests drive probe → plan → apply against it and assert the exact commands sent.
 */
import type { Guest, ExecResult } from '../../src/modules/module.js'
import { commandText } from '../../src/guest/remote-command.js'

export interface Answer {
  /** Matches the command text (argv arrays are joined with POSIX quoting, as sent over SSH). */
  match: string | RegExp
  code?: number
  stdout?: string
  stderr?: string
  /** Answer only once (default: every time it matches). */
  once?: boolean
  /** Computes the answer from the command instead (for simulations whose state the commands change). */
  reply?: (command: string) => { code?: number; stdout?: string; stderr?: string }
}

export class FakeGuest implements Guest {
  readonly commands: string[] = []
  /** What each command was given besides its text (same index as `commands`): stdin and the secrets to redact. */
  readonly execOptions: Array<{ input?: string; secrets?: string[] }> = []
  readonly uploads: Array<{ path: string; data: string; mode?: number; owner?: string }> = []
  /** Files the fake node holds; uploads land here and `cat` of them answers from here. */
  readonly files = new Map<string, string>()
  private answers: Answer[]

  constructor(answers: Answer[] = []) {
    this.answers = [...answers]
  }

  answer(...more: Answer[]): this {
    this.answers.unshift(...more)
    return this
  }

  async exec(cmd: string | string[], opts: { sudo?: boolean; input?: string | Buffer; secrets?: string[] } = {}): Promise<ExecResult> {
    const text = commandText(cmd)
    this.commands.push(opts.sudo ? `sudo ${text}` : text)
    this.execOptions.push({
      ...(opts.input === undefined ? {} : { input: typeof opts.input === 'string' ? opts.input : opts.input.toString('utf8') }),
      ...(opts.secrets === undefined ? {} : { secrets: opts.secrets }),
    })
    const i = this.answers.findIndex((a) => (typeof a.match === 'string' ? a.match === text : a.match.test(text)))
    if (i < 0) throw new Error(`FakeGuest: unexpected command:\n  ${text}\nknown patterns:\n  ${this.answers.map((a) => String(a.match)).join('\n  ')}`)
    const a = this.answers[i]!
    if (a.once) this.answers.splice(i, 1)
    const out = a.reply ? a.reply(text) : a
    return { code: out.code ?? 0, stdout: out.stdout ?? '', stderr: out.stderr ?? '' }
  }

  async upload(path: string, data: string | Buffer, opts: { mode?: number; owner?: string } = {}): Promise<void> {
    const text = typeof data === 'string' ? data : data.toString('utf8')
    this.uploads.push({ path, data: text, ...opts })
    this.files.set(path, text)
  }
}
