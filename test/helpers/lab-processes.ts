/**
 * Processes whose command line mentions a path (a lab's VMLAB_QEMU_DIR, a simulated lab's folder) and matches
 * `kind`: by default the QEMU and vde_switch processes a lab leaves running.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Test } from 'tap'
import { parentPid } from '../../src/util/proc-stat.js'

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

/** The processes whose parent is `pid`. */
export function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .map(Number)
    .filter((p) => parentPid(p) === pid)
}

/** What `lab destroy` must leave of a QEMU lab: no process of it, and nothing in its VM or network folders. */
export function assertNoQemuLeft(t: Test, qemuDir: string): void {
  t.same(processesMentioning(qemuDir), [], 'no qemu or vde_switch process of the lab')
  for (const sub of ['vms', 'networks']) t.same(existsSync(join(qemuDir, sub)) ? readdirSync(join(qemuDir, sub)) : [], [], `nothing in ${sub}`)
}

/** Processes (of this user) started with `name=value` in their environment: a simulated lab's hypervisor calls carry its VMLAB_SIM_STATE. */
export function processesWithEnv(name: string, value: string): string[] {
  const entry = `${name}=${value}`
  const out: string[] = []
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid)) {
    try {
      if (!readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(entry)) continue
      const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0]
      if (state !== 'Z') out.push(`${pid}: ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').slice(0, 120)}`)
    } catch {
      // gone, or not ours
    }
  }
  return out
}
