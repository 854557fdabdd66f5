// A VM's disk chains: the writable top disk named in the .vmx, the disks frozen by each
// snapshot, and their parents. Snapshots add delta disks (master-000001.vmdk …), reverting
// starts a fresh delta, deleting a snapshot merges a disk nobody needs any more into its
// parent, and files no chain reaches are removed — the way VMware manages redo logs.

import fs from 'node:fs'
import path from 'node:path'
import { DiskError, createDelta, diskFiles, parentPath, readDisk, reparent, touchContent } from './vmdk.mjs'

/** The simulator's record, inside a disk's own data base, that a guest OS was installed on it. */
const INSTALLED_KEY = 'ddb.vmlabSimGuestOS'

/** Disks reachable from `fileName` without failing on a missing link. */
function looseChain(file) {
  const out = []
  for (let f = file; f !== undefined && !out.some((d) => d.file === f); ) {
    let disk
    try {
      disk = readDisk(f)
    } catch (error) {
      if (error instanceof DiskError) break
      throw error
    }
    out.push(disk)
    f = parentPath(disk)
  }
  return out
}

function inVmDir(vm, file) {
  return path.dirname(file) === path.resolve(vm.dir)
}

/** Name of a disk as the .vmx and .vmsd write it: bare when next to the .vmx, else absolute. */
function diskRef(vm, file) {
  return inVmDir(vm, file) ? path.basename(file) : file
}

/** Every disk the VM knows: its current chains and its snapshots' chains, by absolute path. */
export function knownDisks(vm, db) {
  const known = new Map()
  const add = (fileName) => {
    for (const d of looseChain(vm.resolve(fileName))) known.set(d.file, d)
  }
  for (const d of vm.disks()) add(d.fileName)
  for (const s of db.snapshots) for (const d of s.disks) add(d.fileName)
  return known
}

/** Root name of a disk file: "master-000003.vmdk" → "master". */
export function rootName(file) {
  return path.basename(file, '.vmdk').replace(/-\d{6}$/, '')
}

function nextDeltaFile(vm, topFile) {
  const root = rootName(topFile)
  const used = new Set(fs.readdirSync(vm.dir))
  for (let n = 1; ; n++) {
    const name = `${root}-${String(n).padStart(6, '0')}.vmdk`
    if (!used.has(name)) return path.join(path.resolve(vm.dir), name)
  }
}

/** Puts a new delta on top of every disk; returns the frozen disks for the snapshot record. */
export function freezeDisks(vm) {
  return vm.disks().map(({ node, fileName }) => {
    const top = readDisk(vm.resolve(fileName))
    const delta = createDelta(nextDeltaFile(vm, top.file), top)
    vm.setDiskFile(node, diskRef(vm, delta.file))
    return { node, fileName }
  })
}

/** Reverting: each disk starts a fresh delta on top of what the snapshot froze. */
export function branchFrom(vm, frozen) {
  for (const { node, fileName } of frozen) {
    const base = readDisk(vm.resolve(fileName))
    const delta = createDelta(nextDeltaFile(vm, base.file), base)
    vm.setDiskFile(node, diskRef(vm, delta.file))
  }
}

function removeDisk(disk) {
  for (const f of diskFiles(disk)) fs.rmSync(f, { force: true })
  fs.rmSync(`${disk.file}.lck`, { recursive: true, force: true })
}

/** Deletes the VM's own disk files that no chain reaches any more. */
export function collectGarbage(vm, db, before) {
  const live = knownDisks(vm, db)
  for (const [file, disk] of before) {
    if (!live.has(file) && inVmDir(vm, file)) removeDisk(disk)
  }
}

/**
 * Merges every disk that no snapshot freezes any more into its only child, as VMware
 * consolidates after deleting a snapshot. `locked` are disks linked clones depend on.
 */
export function consolidate(vm, db, locked) {
  for (;;) {
    const known = knownDisks(vm, db)
    const frozen = new Set(db.snapshots.flatMap((s) => s.disks.map((d) => vm.resolve(d.fileName))))
    const children = new Map()
    for (const d of known.values()) {
      const p = parentPath(d)
      if (p !== undefined) children.set(p, [...(children.get(p) ?? []), d])
    }
    const target = [...known.values()].find((d) => {
      const kids = children.get(d.file) ?? []
      return inVmDir(vm, d.file) && !frozen.has(d.file) && kids.length === 1 && inVmDir(vm, kids[0].file) && !locked.has(kids[0].file)
    })
    if (!target) return
    const child = children.get(target.file)[0]
    mergeChildInto(vm, db, target, child, children.get(child.file) ?? [])
  }
}

function mergeChildInto(vm, db, parent, child, grandchildren) {
  if (child.ddb.has(INSTALLED_KEY)) parent.ddb.set(INSTALLED_KEY, child.ddb.get(INSTALLED_KEY))
  touchContent(parent)
  for (const g of grandchildren) reparent(g, parent)
  const ref = diskRef(vm, parent.file)
  for (const d of vm.disks()) if (vm.resolve(d.fileName) === child.file) vm.setDiskFile(d.node, ref)
  for (const s of db.snapshots) for (const d of s.disks) if (vm.resolve(d.fileName) === child.file) d.fileName = ref
  removeDisk(child)
}

/** Every file of the VM's own disks (for deleteVM); parents in other folders are kept. */
export function ownDiskFiles(vm, db) {
  return [...knownDisks(vm, db).values()].filter((d) => inVmDir(vm, d.file)).flatMap(diskFiles)
}

/** True when a guest OS was written to this disk or to a disk below it. */
export function chainInstalled(file) {
  return looseChain(file).some((d) => d.ddb.has(INSTALLED_KEY))
}

/** Records that a guest OS now lives on this disk. */
export function markInstalled(file) {
  const disk = readDisk(file)
  disk.ddb.set(INSTALLED_KEY, 'installed')
  touchContent(disk)
}

/** True when a guest OS was installed on the VM's boot disk or any disk below it. */
export function bootDiskInstalled(vm) {
  const boot = vm.disks()[0]
  return boot !== undefined && chainInstalled(vm.resolve(boot.fileName))
}

/** The installer finished: the guest wrote its OS to the boot disk. */
export function markBootDiskInstalled(vm) {
  const boot = vm.disks()[0]
  if (boot !== undefined) markInstalled(vm.resolve(boot.fileName))
}
