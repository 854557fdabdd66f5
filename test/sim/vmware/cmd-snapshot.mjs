// vmrun snapshot / listSnapshots / revertToSnapshot / deleteSnapshot. The snapshot tree lives
// in the VM's .vmsd, each snapshot's configuration in a .vmsn file next to it (real .vmsn
// files are binary; this one holds the .vmx text, which is the part that matters here).

import fs from 'node:fs'
import { Dictionary } from './dictionary.mjs'
import { SnapshotDb, createTimeWords } from './snapshot-db.mjs'
import { branchFrom, collectGarbage, consolidate, freezeDisks, knownDisks } from './vm-disks.mjs'
import { forget, isRunning, markSuspended, openVm, powerOff, runtimeOf, saveConfig } from './vm-power.mjs'
import { DiskError, readChain } from './vmdk.mjs'
import { errors } from './vmrun-errors.mjs'

/** VMware Player has no snapshots and no clones. */
export function refuseOnPlayer(ctx) {
  if (ctx.hostType === 'player') throw errors.notSupported()
}

function memoryFile(vm, snapshot) {
  return vm.resolve(snapshot.filename.replace(/\.vmsn$/, '.vmem'))
}

/** Snapshot clones whose .vmx still exists: they depend on the snapshot's disks. */
export function liveClones(snapshot) {
  return snapshot.clones.filter((c) => fs.existsSync(c))
}

/** Takes a snapshot of `vm` (also used by `clone linked` without -snapshot). */
export function takeSnapshot(ctx, vm, db, name) {
  try {
    for (const d of vm.disks()) readChain(vm.resolve(d.fileName))
  } catch (error) {
    if (error instanceof DiskError) throw errors.fileNotFound()
    throw error
  }
  const uid = db.lastUid + 1
  const snapshot = {
    uid,
    parent: db.current,
    filename: `${vm.base}-Snapshot${uid}.vmsn`,
    displayName: name,
    description: '',
    ...createTimeWords(ctx.now),
    disks: [],
    clones: [],
  }
  fs.writeFileSync(vm.resolve(snapshot.filename), vm.dict.toString())
  // A running VM's snapshot includes its memory: the .vmem is as large as the guest's memory (memsize MiB),
  // written sparse here so that a test does not fill the disk.
  if (isRunning(ctx, vm.vmx)) {
    fs.writeFileSync(memoryFile(vm, snapshot), '')
    fs.truncateSync(memoryFile(vm, snapshot), Number(vm.dict.get('memsize') ?? '0') * 1024 * 1024)
  }
  snapshot.disks = freezeDisks(vm)
  saveConfig(ctx, vm)
  db.snapshots.push(snapshot)
  db.lastUid = uid
  db.current = uid
  db.save(vm.vmsd)
  return snapshot
}

/** The one snapshot a name designates, with vmrun's errors for none and for several. */
function findSnapshot(db, name) {
  const found = db.find(name)
  if (found.length === 0) throw errors.snapshotNotFound()
  if (found.length > 1) throw errors.snapshotNotUnique()
  return found[0]
}

export function snapshot(ctx, [vmxArg, name, ...extra]) {
  if (name === undefined || extra.length > 0) throw errors.usage(extra[0])
  refuseOnPlayer(ctx)
  const vm = openVm(ctx, vmxArg)
  takeSnapshot(ctx, vm, SnapshotDb.load(vm.vmsd), name)
  return []
}

export function listSnapshots(ctx, [vmxArg, tree, ...extra]) {
  if (vmxArg === undefined || extra.length > 0) throw errors.usage(extra[0])
  if (tree !== undefined && tree.toLowerCase() !== 'showtree') throw errors.usage(tree)
  refuseOnPlayer(ctx)
  const vm = openVm(ctx, vmxArg)
  const db = SnapshotDb.load(vm.vmsd)
  const lines = db.walk().map(({ snapshot: s, depth }) => (tree ? '\t'.repeat(depth) : '') + s.displayName)
  return [`Total snapshots: ${db.snapshots.length}`, ...lines]
}

export function revertToSnapshot(ctx, [vmxArg, name, ...extra]) {
  if (name === undefined || extra.length > 0) throw errors.usage(extra[0])
  refuseOnPlayer(ctx)
  const vm = openVm(ctx, vmxArg)
  const db = SnapshotDb.load(vm.vmsd)
  const target = findSnapshot(db, name)
  const saved = vm.resolve(target.filename)
  if (!fs.existsSync(saved)) throw errors.fileNotFound()
  const before = knownDisks(vm, db)
  // A running VM is switched off first: vmrun leaves it off (or suspended) after a revert.
  const rt = runtimeOf(ctx, vm.vmx)
  if (rt?.power === 'running') powerOff(ctx, vm)
  fs.rmSync(vm.file('.vmss'), { force: true })
  forget(ctx, vm.vmx)
  vm.dict = Dictionary.parse(fs.readFileSync(saved, 'utf8'))
  branchFrom(vm, target.disks)
  vm.save()
  db.current = target.uid
  db.save(vm.vmsd)
  collectGarbage(vm, db, before)
  if (fs.existsSync(memoryFile(vm, target))) markSuspended(ctx, vm)
  return []
}

export function deleteSnapshot(ctx, [vmxArg, name, children, ...extra]) {
  if (name === undefined || extra.length > 0) throw errors.usage(extra[0])
  if (children !== undefined && children.toLowerCase() !== 'anddeletechildren') throw errors.usage(children)
  refuseOnPlayer(ctx)
  const vm = openVm(ctx, vmxArg)
  const db = SnapshotDb.load(vm.vmsd)
  const target = findSnapshot(db, name)
  const victims = children === undefined ? [target] : db.subtree(target.uid)
  // Linked clones need the snapshot's disks: VMware will not delete it while they exist.
  if (victims.some((s) => liveClones(s).length > 0)) throw errors.fileInUse()
  const before = knownDisks(vm, db)
  const gone = new Set(victims.map((s) => s.uid))
  for (const s of db.snapshots) if (s.parent === target.uid && !gone.has(s.uid)) s.parent = target.parent
  db.snapshots = db.snapshots.filter((s) => !gone.has(s.uid))
  if (db.current !== undefined && gone.has(db.current)) db.current = target.parent
  for (const s of victims) {
    fs.rmSync(vm.resolve(s.filename), { force: true })
    fs.rmSync(memoryFile(vm, s), { force: true })
  }
  const locked = new Set(db.snapshots.filter((s) => liveClones(s).length > 0).flatMap((s) => s.disks.map((d) => vm.resolve(d.fileName))))
  consolidate(vm, db, locked)
  saveConfig(ctx, vm)
  db.save(vm.vmsd)
  collectGarbage(vm, db, before)
  return []
}
