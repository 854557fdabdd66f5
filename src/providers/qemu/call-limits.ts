/**
 * How long each qemu-img, qemu and vde_switch call may take (see ../call-limits.ts), and what to do when one
 * hangs: these are plain programs working on local files, so a hang is a stuck disk or file system, or an
 * image another process holds.
 */
import { CHANGE, PROBE, long, limitOptions, type CallLimit } from '../call-limits.js'
import type { RunOptions } from '../../util/run.js'

/** qemu-img by sub-command (and `snapshot`'s flag): reads are probes, a new qcow2 takes a moment. */
export function qemuImgCallLimit(args: readonly string[]): CallLimit {
  const [command, flag] = args
  if (command === 'info' || (command === 'snapshot' && flag === '-l')) return PROBE
  // Taking, applying or deleting an internal snapshot rewrites the image's tables; converting copies it.
  if (command === 'snapshot') return long(10)
  if (command === 'convert') return long(30)
  return CHANGE
}

/** `qemu-system-… --version`, `vde_switch -d` (it returns once it runs in the background). */
export const QEMU_PROBE = PROBE

/** run() options for a call of `tool`: its time limit and the hint when it is reached. */
export function qemuCallOptions(tool: string, limit: CallLimit, env?: NodeJS.ProcessEnv): Pick<RunOptions, 'timeoutMs' | 'timeoutHint'> {
  const hint = `\`${tool}\` may be stuck on a slow or hung disk or file system (an NFS mount?), or on an image another process holds: run the command by hand to see, check that no other qemu process uses the lab's files, then run the command again`
  return limitOptions(limit, hint, env)
}
