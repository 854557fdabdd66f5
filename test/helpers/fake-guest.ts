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

/**
 * One answer for every probe script (src/modules/lib/probe-script.ts): each section's command is answered by
 * the first of `answers` that matches it, and framed as the script frames it (a section ending in `2>&1`
 * gets the answer's stderr too, as the shell would fold it in). Tests of checks and modules then say what a
 * node answers to each command, whether it goes out alone or with other reads.
 */
export function sectioned(answers: Answer[]): Answer {
  const sections = scriptSections
  const find = (cmd: string) => answers.find((x) => (typeof x.match === 'string' ? x.match === cmd : x.match.test(cmd)))
  // Only a script all of whose sections it knows, so that other answers of the same guest keep theirs.
  const match = /^(sudo )?(echo '#vmlab:begin:|vmlab_d=)/
  match.test = (script: string) => /^(sudo )?(echo '#vmlab:begin:|vmlab_d=)/.test(script) && sections(script).every((s) => find(s.cmd) !== undefined)
  return {
    match,
    reply: (script) => {
      let stdout = ''
      for (const { name, cmd } of sections(script)) {
        const a = find(cmd)!
        const out = a.reply ? a.reply(cmd) : a
        const text = (out.stdout ?? '') + (/ 2>&1$/.test(cmd) ? (out.stderr ?? '') : '')
        stdout += `#vmlab:begin:${name}\n${text}\n#vmlab:end:${name}:${out.code ?? 0}\n`
      }
      return { stdout }
    },
  }
}

const SECTION = /echo '#vmlab:begin:([^']+)'\n([\s\S]*?)\nprintf '\\n#vmlab:end:\1:%s\\n' "\$\?"/g
// The side-by-side form (sectionScript's `parallel`): each command in a subshell writing to file i, then the
// names printed in order with `cat` of their file.
const PARALLEL_CMD = /^\( \( ([\s\S]*?)\n\) >"\$vmlab_d\/(\d+)" <\/dev\/null;/gm
const PARALLEL_NAME = /^echo '#vmlab:begin:([^']+)'; cat "\$vmlab_d\/(\d+)"/gm

/** The sections (name, command) of one probe script, in either form. */
export function scriptSections(script: string): { name: string; cmd: string }[] {
  if (!script.includes('$vmlab_d')) return [...script.matchAll(SECTION)].map((m) => ({ name: m[1]!, cmd: m[2]! }))
  const cmds = new Map([...script.matchAll(PARALLEL_CMD)].map((m) => [m[2]!, m[1]!]))
  return [...script.matchAll(PARALLEL_NAME)].map((m) => ({ name: m[1]!, cmd: cmds.get(m[2]!)! }))
}

/** The section commands of the probe scripts a FakeGuest received, in order. */
export function sectionCommands(guest: FakeGuest): string[] {
  return guest.commands.flatMap((c) => scriptSections(c).map((s) => s.cmd))
}
