/** The QEMU and vde_switch processes whose command line mentions a path (a lab's VMLAB_QEMU_DIR): what a lab leaves running. */
import { readdirSync, readFileSync } from 'node:fs'

export function processesMentioning(path: string, kind: RegExp = /qemu-system|vde_switch/): string[] {
  const out: string[] = []
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ')
      if (cmd.includes(path) && kind.test(cmd)) out.push(`${pid}: ${cmd.slice(0, 120)}`)
    } catch {
      // gone
    }
  }
  return out
}
