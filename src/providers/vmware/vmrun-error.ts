/**
 * vmrun's failures as one typed error. vmrun prints `Error: …` on stdout and exits with 255 (4294967295 as
 * Windows reports -1), and a few errors come with exit code 0; the kind lets callers react to the ones that
 * have a remedy (retry a lock, fall back to a hard stop) and gives the user the fix.
 */
import { CommandError } from '../../util/errors.js'
import { quoteArgv } from '../../util/shell-quote.js'

export type VmrunErrorKind = 'vm-not-found' | 'not-powered-on' | 'tools-not-running' | 'file-in-use' | 'not-supported' | 'canceled' | 'product-not-installed' | 'snapshot-not-found' | 'other'

const KINDS: Array<[RegExp, VmrunErrorKind]> = [
  [/The virtual machine cannot be found/i, 'vm-not-found'],
  [/is not powered on/i, 'not-powered-on'],
  [/VMware Tools are not running/i, 'tools-not-running'],
  // VIX's "The file is already in use", and DiskLib's "Failed to lock the file" for a disk another VMware process holds.
  [/already in use|is locked|in use by another|Failed to lock the file/i, 'file-in-use'],
  [/operation is not supported/i, 'not-supported'],
  [/operation was canceled/i, 'canceled'],
  [/Service type \S+ was specified, but not installed/i, 'product-not-installed'],
  [/snapshot does not exist|Invalid snapshot name/i, 'snapshot-not-found'],
]

export const PLAYER_PROBLEM = 'VMware Workstation Player cannot take snapshots or make linked clones, and vmlab needs both'
export const PLAYER_FIX = 'install VMware Workstation Pro (free for personal use since 2024; it replaces Player and keeps your VMs), then run the command again'

const HINTS: Partial<Record<VmrunErrorKind, string>> = {
  'file-in-use':
    "another VMware process holds the VM's files (VMware lets go of them a few seconds after a VM stops, and vmlab waits half a minute for that): " +
    "close the VM's tab in VMware Workstation / Fusion, let another vmrun or `lab` command on it finish, or end a vmware-vmx process left by a crash, then run the command again",
  'not-supported': `${PLAYER_PROBLEM}: ${PLAYER_FIX}`,
  'product-not-installed': `vmrun found no VMware Workstation Pro / Fusion to talk to; ${PLAYER_FIX}`,
  canceled: "the VM did not power on: the reason is at the end of vmware.log in the VM's folder",
  'tools-not-running': 'the guest runs no VMware Tools (open-vm-tools), so only a hard power-off can stop it',
}

export function vmrunErrorKind(message: string): VmrunErrorKind {
  return KINDS.find(([re]) => re.test(message))?.[1] ?? 'other'
}

export class VmrunError extends CommandError {
  readonly kind: VmrunErrorKind
  /** vmrun's own words, e.g. `Error: The file is already in use`. */
  readonly said: string
  constructor(opts: { command: string[]; code: number; stdout: string; stderr: string; said: string }) {
    const kind = vmrunErrorKind(opts.said)
    const hint = HINTS[kind]
    super({
      message: `${quoteArgv(opts.command)} failed (exit ${opts.code}): ${opts.said}`,
      command: opts.command,
      code: opts.code,
      stdout: opts.stdout,
      stderr: opts.stderr,
      ...(hint === undefined ? {} : { hint }),
    })
    this.name = 'VmrunError'
    this.kind = kind
    this.said = opts.said
  }
}
