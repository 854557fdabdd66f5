/**
 * How long each VBoxManage call may take (see ../call-limits.ts), and what to do when one hangs: every
 * VBoxManage talks to the one VBoxSVC per user, and a wedged VBoxSVC makes them all wait without a word.
 */
import { CHANGE, PROBE, long, limitOptions, type CallLimit } from '../call-limits.js'
import type { RunOptions } from '../../util/run.js'

/** Read-only sub-commands, by their first word; `snapshot VM list` is one too. */
const PROBES = new Set(['--version', 'list', 'showvminfo', 'guestproperty', 'showmediuminfo', 'mediumproperty'])

/** Long operations by their first word: the rest (modifyvm, storageattach, controlvm, …) are changes made in seconds. */
const LONG: Record<string, CallLimit> = {
  // A full copy of a large disk image.
  clonemedium: long(60),
  createmedium: long(10),
  createhd: long(10),
  // A linked clone takes seconds; a full one copies every disk.
  clonevm: long(30),
  // Deletes the VM's disks and snapshot images.
  unregistervm: long(10),
  // The VM process starting, its disks opened and locked.
  startvm: long(5),
  // Windows installs a network driver for a new host-only adapter.
  hostonlyif: long(5),
}

const SNAPSHOT: Record<string, CallLimit> = {
  list: PROBE,
  showvminfo: PROBE,
  take: long(15),
  restore: long(15),
  restorecurrent: long(15),
  // Merges the snapshot's differencing image into its parent: as long as copying it.
  delete: long(30),
}

export function vboxCallLimit(args: readonly string[]): CallLimit {
  const [command = '', , action = ''] = args
  if (PROBES.has(command)) return PROBE
  if (command === 'snapshot') return SNAPSHOT[action] ?? CHANGE
  // Writes the guest's memory to disk.
  if (command === 'controlvm' && action === 'savestate') return long(10)
  return LONG[command] ?? CHANGE
}

function whenHung(platform: NodeJS.Platform): string {
  const endIt = platform === 'win32' ? 'end VBoxSVC.exe in the Task Manager' : 'end VBoxSVC (`kill $(pgrep -x VBoxSVC)`)'
  return `VBoxSVC, VirtualBox's background service, may be wedged: run \`VBoxManage list vms\` by hand; if that hangs too, close VirtualBox, ${endIt} or log out and in, then run the command again`
}

/** run() options for `VBoxManage ARGS`: its time limit and the hint when it is reached. */
export function vboxCallOptions(args: readonly string[], platform: NodeJS.Platform, env?: NodeJS.ProcessEnv): Pick<RunOptions, 'timeoutMs' | 'timeoutHint'> {
  return limitOptions(vboxCallLimit(args), whenHung(platform), env)
}
