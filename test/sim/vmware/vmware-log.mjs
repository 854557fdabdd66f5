// vmware.log, the file every VMware user is told to read when a power-on fails. VMware
// rotates it on each power-on (vmware.log → vmware-0.log … vmware-2.log).

import fs from 'node:fs'
import path from 'node:path'
import { VMRUN_VERSION_LINE } from './vmrun-usage.mjs'

const KEEP = 3

function logPath(dir, i) {
  return path.join(dir, i < 0 ? 'vmware.log' : `vmware-${i}.log`)
}

function stamp(lines) {
  const ts = new Date().toISOString()
  return lines.map((l) => `${ts} In(05) vmx ${l}\n`).join('')
}

/** Starts a fresh vmware.log for a power-on, keeping the previous ones. */
export function startLog(vm) {
  fs.rmSync(logPath(vm.dir, KEEP - 1), { force: true })
  for (let i = KEEP - 2; i >= -1; i--) {
    if (fs.existsSync(logPath(vm.dir, i))) fs.renameSync(logPath(vm.dir, i), logPath(vm.dir, i + 1))
  }
  const build = VMRUN_VERSION_LINE.split(' ').pop()
  fs.writeFileSync(
    logPath(vm.dir, -1),
    stamp([`Log for VMware Workstation pid=${process.pid} version=17.6.0 build=${build} option=Release`, `DICT --- CONFIGURATION ${vm.vmx}`, 'VMXVmdb_LoadRawConfig: Loading raw config']),
  )
}

export function appendLog(vm, lines) {
  fs.appendFileSync(logPath(vm.dir, -1), stamp(lines))
}

/** Every vmware*.log of the VM, for deleteVM. */
export function logFiles(vm) {
  return Array.from({ length: KEEP + 1 }, (_, i) => logPath(vm.dir, i - 1))
}
