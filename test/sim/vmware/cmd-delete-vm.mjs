// vmrun deleteVM: removes every file of the VM (configuration, logs, snapshots and its own
// disks, never a linked clone's parent disks nor attached ISO images), then the folder if
// nothing else is left in it. A linked clone is also struck from its parent's .vmsd.

import fs from 'node:fs'
import path from 'node:path'
import { SnapshotDb } from './snapshot-db.mjs'
import { VmConfig } from './vm-config.mjs'
import { ownDiskFiles } from './vm-disks.mjs'
import { forget, isRunning, staleLockFolders } from './vm-power.mjs'
import { logFiles } from './vmware-log.mjs'
import { errors } from './vmrun-errors.mjs'
import { liveClones } from './cmd-snapshot.mjs'

function forgetClone(parentVmx, cloneVmx) {
  const vmsd = path.join(path.dirname(parentVmx), `${path.basename(parentVmx, path.extname(parentVmx))}.vmsd`)
  if (!fs.existsSync(vmsd)) return
  const db = SnapshotDb.load(vmsd)
  for (const s of db.snapshots) s.clones = s.clones.filter((c) => c !== cloneVmx)
  db.save(vmsd)
}

export function deleteVM(ctx, [vmxArg, ...extra]) {
  if (vmxArg === undefined || extra.length > 0) throw errors.usage(extra[0])
  const vm = VmConfig.open(vmxArg)
  if (isRunning(ctx, vm.vmx)) throw errors.alreadyRunning()
  const db = SnapshotDb.load(vm.vmsd)
  // The parent of linked clones cannot go while the clones need its disks.
  if (db.snapshots.some((s) => liveClones(s).length > 0)) throw errors.fileInUse()

  const files = [
    ...ownDiskFiles(vm, db),
    ...db.snapshots.flatMap((s) => [vm.resolve(s.filename), vm.resolve(s.filename.replace(/\.vmsn$/, '.vmem'))]),
    vm.resolve(vm.dict.get('nvram') ?? `${vm.base}.nvram`),
    vm.resolve(vm.dict.get('extendedConfigFile') ?? `${vm.base}.vmxf`),
    vm.file('.vmss'),
    vm.file('.vmsd'),
    ...logFiles(vm),
    vm.vmx,
  ]
  for (const parent of db.cloneOf) forgetClone(parent, vm.vmx)
  for (const lck of staleLockFolders(vm)) fs.rmSync(lck, { recursive: true, force: true })
  for (const f of files) fs.rmSync(f, { force: true })
  if (fs.readdirSync(vm.dir).length === 0) fs.rmdirSync(vm.dir)
  forget(ctx, vm.vmx)
  return []
}
