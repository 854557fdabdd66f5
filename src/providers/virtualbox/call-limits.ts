/**
 * How long each VBoxManage call may take (see ../call-limits.ts), and what to do when one hangs: every
 * VBoxManage talks to the one VBoxSVC per user, and a wedged VBoxSVC makes them all wait without a word.
 */
import { PROBE, operation, limitOptions, type CallLimit } from '../call-limits.js'
import type { RunOptions } from '../../util/run.js'

/** Read-only sub-commands, by their first word; `snapshot VM list` is one too. */
const PROBES = new Set(['--version', 'list', 'showvminfo', 'guestproperty', 'showmediuminfo', 'mediumproperty'])

/** Operations that may take long, by their first word: the rest (modifyvm, storageattach, controlvm, …) take seconds. */
const LONG: Record<string, CallLimit> = {
  // A full copy of a large disk image.
  clonemedium: operation(60),
  createmedium: operation(10),
  createhd: operation(10),
  // A linked clone takes seconds; a full one copies every disk.
  clonevm: operation(30),
  // Deletes the VM's disks and snapshot images.
  unregistervm: operation(10),
  // The VM process starting, its disks opened and locked.
  startvm: operation(5),
  // Windows installs a network driver for a new host-only adapter.
  hostonlyif: operation(5),
}

const SNAPSHOT: Record<string, CallLimit> = {
  list: PROBE,
  showvminfo: PROBE,
  take: operation(15),
  restore: operation(15),
  restorecurrent: operation(15),
  // Merges the snapshot's differencing image into its parent: as long as copying it.
  delete: operation(30),
}

const QUICK = operation(2)

export function vboxCallLimit(args: readonly string[]): CallLimit {
  const [command = '', , action = ''] = args
  if (PROBES.has(command)) return PROBE
  if (command === 'snapshot') return SNAPSHOT[action] ?? QUICK
  return LONG[command] ?? QUICK
}

function whenHung(platform: NodeJS.Platform): string {
  const endIt = platform === 'win32' ? 'end VBoxSVC.exe in the Task Manager' : 'end VBoxSVC (`kill $(pgrep -x VBoxSVC)`)'
  return `VBoxSVC, VirtualBox's background service, may be wedged: run \`VBoxManage list vms\` by hand; if that hangs too, close VirtualBox, ${endIt} or log out and in, then run the command again`
}

/** run() options for `VBoxManage ARGS`: its time limit and the hint when it is reached. */
export function vboxCallOptions(args: readonly string[], platform: NodeJS.Platform, env?: NodeJS.ProcessEnv): Pick<RunOptions, 'timeoutMs' | 'timeoutHint'> {
  return limitOptions(vboxCallLimit(args), whenHung(platform), env)
}
