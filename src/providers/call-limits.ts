/**
 * How long a hypervisor CLI call may run before lab stops it. A wedged VBoxSVC or VMware service makes its CLI
 * hang without a word, and lab would wait for ever, silent, holding the lab's lock. Each provider says which
 * kind each of its calls is, and what to do when one hangs (`<provider>/call-limits.ts`); the kinds and the
 * user's scale are shared here so that every provider reads `VMLAB_CLI_TIMEOUT_SCALE` the same way.
 */
import type { RunOptions } from '../util/run.js'
import { InputError } from '../util/errors.js'

/**
 * A probe asks and changes nothing (`--version`, `list`, `showvminfo`); a change sets something in seconds
 * (`modifyvm`, `storageattach`); a long operation makes, copies or starts something (disks, clones, snapshots).
 */
export type CallKind = 'probe' | 'change' | 'long'

export interface CallLimit {
  kind: CallKind
  ms: number
}

/** A probe answers in a second on a healthy host; 30 s is a wedged service, not a slow one. */
export const PROBE: CallLimit = { kind: 'probe', ms: 30_000 }

/** A change takes seconds; 2 min is a host that does not answer. */
export const CHANGE: CallLimit = { kind: 'change', ms: 120_000 }

/** A long operation's own limit, generous for the slowest host and the largest disk that still works. */
export function long(minutes: number): CallLimit {
  return { kind: 'long', ms: minutes * 60_000 }
}

const KINDS: readonly CallKind[] = ['probe', 'change', 'long']
export const SCALE_VARIABLE = 'VMLAB_CLI_TIMEOUT_SCALE'

/**
 * `VMLAB_CLI_TIMEOUT_SCALE`: one factor for every limit (`3` on a slow host), or one per kind
 * (`probe=0.1,long=0.01`, as the tests use to meet a hung CLI in seconds).
 */
export function timeoutScale(text: string | undefined): Record<CallKind, number> {
  const scale: Record<CallKind, number> = { probe: 1, change: 1, long: 1 }
  if (text === undefined || text.trim() === '') return scale
  const factor = (s: string) => {
    const n = Number(s)
    if (s.trim() === '' || !Number.isFinite(n) || n <= 0) throw badScale(text)
    return n
  }
  if (!text.includes('=')) {
    const n = factor(text)
    return { probe: n, change: n, long: n }
  }
  for (const part of text.split(',')) {
    const [kind, value, extra] = part.split('=').map((s) => s.trim())
    if (!KINDS.includes(kind as CallKind) || value === undefined || extra !== undefined) throw badScale(text)
    scale[kind as CallKind] = factor(value)
  }
  return scale
}

function badScale(text: string): InputError {
  return new InputError(
    `${SCALE_VARIABLE}=${JSON.stringify(text)} is not a time limit scale`,
    `set it to a positive factor for every hypervisor call's time limit (e.g. 2), or per kind of call (e.g. probe=2,change=2,long=3), or unset it`,
  )
}

/** The time limit for a call, and what the error says to do when it is reached. */
export function limitOptions(limit: CallLimit, whenHung: string, env: NodeJS.ProcessEnv = process.env): Pick<RunOptions, 'timeoutMs' | 'timeoutHint'> {
  const timeoutMs = Math.max(1, Math.round(limit.ms * timeoutScale(env[SCALE_VARIABLE])[limit.kind]))
  const slow = limit.kind !== 'probe' ? `; if it was only slow (a large disk, a busy host), give it longer with ${SCALE_VARIABLE}=3` : ''
  return { timeoutMs, timeoutHint: `${whenHung}${slow}` }
}
