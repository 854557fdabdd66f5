/**
 * VBoxManage's own error text, typed. An API failure is printed on stderr as
 *
 *   VBoxManage: error: <message>
 *   VBoxManage: error: Details: code <NAME> (0x…), component <X>Wrap, interface <I>, callee nsISupports
 *   VBoxManage: error: Context: "<call>" at line N of file VBoxManage<X>.cpp
 *
 * (`VBoxManage.exe:` and CRLF on Windows; `Code <NAME> (0x…) - text (extended info not available)` when
 * the API gave no error info; several message lines when a long operation failed). Some failures exit 0,
 * so the presence of these lines decides, not the exit code.
 */
import { quoteArgv } from '../../util/shell-quote.js'
import { CommandError } from '../../util/errors.js'
import { explainError, SESSION_LOCKED } from './vbox-hints.js'

export interface VBoxErrorInfo {
  /** The error lines that are neither Details nor Context: what went wrong, in VirtualBox's words. */
  messages: string[]
  /** Result code name: VBOX_E_OBJECT_NOT_FOUND, E_ACCESSDENIED, NS_ERROR_FAILURE, … */
  codeName?: string
  hresult?: number
  component?: string
  interface?: string
  /** The API call VBoxManage made, from the Context line. */
  context?: string
  /** A VirtualBox runtime status named in a message, e.g. VERR_VMX_NO_VMX. */
  status?: string
}

// RTMsgError prefixes the program's own name, which is lower case when run through the Linux symlink.
const ERROR_LINE = /^vboxmanage(?:\.exe)?: error: ?(.*)$/i
const DETAILS = /^Details: code ([A-Z0-9_]+) \((0x[0-9a-fA-F]+)\)(?:, component ([^,]*))?(?:, interface ([^,]*))?/
const NO_INFO = /^Code ([A-Z0-9_]+) \((0x[0-9a-fA-F]+)\) - (.*?)(?: \(extended info not available\))?$/
const CONTEXT = /^Context: "(.*)" at line \d+ of file \S+$/
const STATUS = /\b(VERR_[A-Z0-9_]+)\b/

export function splitLines(text: string): string[] {
  return text.split(/\r?\n/)
}

/** The error block in VBoxManage's stderr, or undefined when there is none. */
export function parseVBoxError(stderr: string): VBoxErrorInfo | undefined {
  const lines = splitLines(stderr)
    .map((l) => ERROR_LINE.exec(l.trimEnd())?.[1])
    .filter((l): l is string => l !== undefined)
  if (lines.length === 0) return undefined
  const info: VBoxErrorInfo = { messages: [] }
  for (const line of lines) {
    const details = DETAILS.exec(line)
    const noInfo = details ? null : NO_INFO.exec(line)
    const context = CONTEXT.exec(line)
    if (details) {
      info.codeName = details[1]
      info.hresult = Number.parseInt(details[2]!, 16)
      if (details[3]) info.component = details[3]
      if (details[4]) info.interface = details[4]
    } else if (noInfo) {
      info.codeName = noInfo[1]
      info.hresult = Number.parseInt(noInfo[2]!, 16)
      info.messages.push(noInfo[3]!)
    } else if (context) {
      info.context = context[1]
    } else if (line.trim() !== '') {
      info.messages.push(line.trim())
    }
  }
  const status = info.messages.map((m) => STATUS.exec(m)?.[1]).find((s) => s !== undefined)
  if (status) info.status = status
  return info
}

/**
 * Transient refusals right after a power-off or while another client holds the VM: Vagrant and
 * Packer retry these, and so do we.
 */
function isTransient(info: VBoxErrorInfo): boolean {
  return info.messages.some((m) => SESSION_LOCKED.test(m) || /object is not ready/i.test(m))
}

/** What controlvm says about a VM that is off (7.x, and 6.x or while its session is still closing). */
export const NOT_RUNNING = /is not currently running|Invalid machine state: (PoweredOff|Aborted|Saved)/i

/** A failed VBoxManage call: the argv, VirtualBox's message and result code, and what to do about it. */
export class VBoxError extends CommandError {
  /** Result code name (VBOX_E_OBJECT_NOT_FOUND, …); `code` stays the exit code as in every CommandError. */
  readonly codeName: string | undefined
  readonly info: VBoxErrorInfo
  readonly transient: boolean
  constructor(opts: { command: string[]; exitCode: number; stdout: string; stderr: string; info: VBoxErrorInfo; platform: NodeJS.Platform }) {
    const what = opts.info.messages.join(' ') || `exited with ${opts.exitCode}`
    const code = opts.info.codeName ? ` (${opts.info.codeName})` : ''
    super({
      message: `${quoteArgv(opts.command)} failed: ${what}${code}`,
      command: opts.command,
      code: opts.exitCode,
      stdout: opts.stdout,
      stderr: opts.stderr,
      hint: explainError(opts.info, opts.command, opts.platform),
    })
    this.name = 'VBoxError'
    this.codeName = opts.info.codeName
    this.info = opts.info
    this.transient = isTransient(opts.info)
  }

  get notFound(): boolean {
    return this.codeName === 'VBOX_E_OBJECT_NOT_FOUND'
  }
}

/** The last non-empty line a command printed on stdout, for failures that say nothing on stderr. */
export function lastLine(text: string): string | undefined {
  return splitLines(text)
    .map((l) => l.trim())
    .filter(Boolean)
    .at(-1)
}
