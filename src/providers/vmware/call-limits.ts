/**
 * How long each vmrun / vmware-vdiskmanager call may take (see ../call-limits.ts), and what to do when one
 * hangs: vmrun waits on the VM's vmware-vmx process and on VMware's host service, and a wedged one makes it
 * wait without a word.
 */
import { CHANGE, PROBE, long, limitOptions, type CallLimit } from '../call-limits.js'
import type { RunOptions } from '../../util/run.js'

/** vmrun commands by name; `''` is vmrun alone, which prints its version. The rest take seconds. */
const LIMITS: Record<string, CallLimit> = {
  '': PROBE,
  list: PROBE,
  listSnapshots: PROBE,
  checkToolsState: PROBE,
  getGuestIPAddress: PROBE,
  start: long(5),
  // Writes the guest's memory to disk.
  suspend: long(10),
  snapshot: long(15),
  revertToSnapshot: long(15),
  // Merges the snapshot's disk files: as long as copying them.
  deleteSnapshot: long(30),
  // A linked clone takes seconds; a full one copies every disk.
  clone: long(30),
  deleteVM: long(10),
}

/** vmware-vdiskmanager: a growable disk is made in seconds; 10 min is a host that does not answer. */
export const VDISKMANAGER = long(10)

export function vmrunCallLimit(command: string): CallLimit {
  return LIMITS[command] ?? CHANGE
}

function whenHung(platform: NodeJS.Platform): string {
  const service =
    platform === 'win32'
      ? 'restart the "VMware Authorization Service" (services.msc) or VMware Workstation'
      : platform === 'darwin'
        ? 'quit and reopen VMware Fusion'
        : 'restart VMware Workstation (`sudo systemctl restart vmware` where it is installed as a service)'
  return `a VM's vmware-vmx process or VMware's host service may be wedged: run \`vmrun list\` by hand; if that hangs too, end the VM's vmware-vmx process or ${service}, then run the command again`
}

/** run() options for a vmrun (or vdiskmanager) call: its time limit and the hint when it is reached. */
export function vmwareCallOptions(limit: CallLimit, platform: NodeJS.Platform = process.platform, env?: NodeJS.ProcessEnv): Pick<RunOptions, 'timeoutMs' | 'timeoutHint'> {
  return limitOptions(limit, whenHung(platform), env)
}
