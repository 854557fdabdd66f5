// vmrun clone SRC DST full|linked [-snapshot=NAME] [-cloneName=NAME]. The clone's .vmx is the
// source configuration (as of the snapshot) with a new identity and its own disks named
// "<disk>-cl1.vmdk"; a linked clone's disk is a delta whose parent is the snapshot's disk in
// the source folder. VMware records the link on both sides: snapshotN.cloneM in the source's
// .vmsd, cloneOf0 and sentinelN in the clone's .vmsd.

import fs from 'node:fs'
import path from 'node:path'
import { Dictionary } from './dictionary.mjs'
import { SnapshotDb } from './snapshot-db.mjs'
import { VmConfig } from './vm-config.mjs'
import { chainInstalled, markInstalled, rootName } from './vm-disks.mjs'
import { openVm, vmwareUuid, writeVmxf } from './vm-power.mjs'
import { DiskError, capacityOf, createDelta, createDisk, readChain } from './vmdk.mjs'
import { errors } from './vmrun-errors.mjs'
import { refuseOnPlayer, takeSnapshot } from './cmd-snapshot.mjs'

const TYPE_IDS = { monolithicSparse: 0, twoGbMaxExtentSparse: 1, monolithicFlat: 2, twoGbMaxExtentFlat: 3 }

function parseOptions(rest) {
  const opts = {}
  for (const arg of rest) {
    const m = /^-(snapshot|cloneName)=(.*)$/i.exec(arg)
    if (!m) throw errors.usage(arg)
    opts[m[1].toLowerCase()] = m[2]
  }
  return opts
}

function cloneDiskName(dir, parentFile) {
  for (let n = 1; ; n++) {
    const name = `${rootName(parentFile)}-cl${n}.vmdk`
    if (!fs.existsSync(path.join(dir, name))) return name
  }
}

/** A new identity: name, BIOS uuid, file names; MAC addresses VMware generated are dropped. */
function giveIdentity(clone, displayName) {
  const d = clone.dict
  const uuid = vmwareUuid()
  d.set('displayName', displayName)
  if (d.has('uuid.bios')) d.set('uuid.bios', uuid)
  if (d.has('uuid.location')) d.set('uuid.location', uuid)
  if (d.has('nvram')) d.set('nvram', `${clone.base}.nvram`)
  if (d.has('extendedConfigFile')) d.set('extendedConfigFile', `${clone.base}.vmxf`)
  for (const [key] of d.entries(/^ethernet\d+\.generatedAddress(Offset)?$/i)) d.delete(key)
  for (const key of ['checkpoint.vmState', 'sched.swap.derivedName']) d.delete(key)
}

export function clone(ctx, [srcArg, dstArg, kind, ...rest]) {
  if (kind === undefined) throw errors.usage()
  const type = kind.toLowerCase()
  if (type !== 'full' && type !== 'linked') throw errors.usage(kind)
  const opts = parseOptions(rest)
  refuseOnPlayer(ctx)
  const src = openVm(ctx, srcArg)
  const dst = path.resolve(dstArg)
  if (fs.existsSync(dst)) throw errors.fileExists()
  const db = SnapshotDb.load(src.vmsd)

  let snap
  if (opts.snapshot !== undefined) {
    const found = db.find(opts.snapshot)
    if (found.length === 0) throw errors.invalidSnapshotName(opts.snapshot)
    if (found.length > 1) throw errors.snapshotNotUnique()
    snap = found[0]
  } else if (type === 'linked') {
    // A linked clone needs a snapshot to hang from: vmrun takes one, always named "Clone".
    snap = takeSnapshot(ctx, src, db, 'Clone')
  }
  const config = snap ? Dictionary.parse(fs.readFileSync(src.resolve(snap.filename), 'utf8')) : src.dict.clone()
  const disks = snap ? snap.disks : src.disks()
  let chains
  try {
    chains = disks.map((d) => ({ ...d, chain: readChain(src.resolve(d.fileName)) }))
  } catch (error) {
    if (error instanceof DiskError) throw errors.fileNotFound()
    throw error
  }

  fs.mkdirSync(path.dirname(dst), { recursive: true })
  const copy = new VmConfig(dst, config)
  const sentinels = []
  for (const { node, chain } of chains) {
    const name = cloneDiskName(copy.dir, chain[0].file)
    const file = path.join(copy.dir, name)
    if (type === 'linked') {
      createDelta(file, chain[0])
    } else {
      const base = chain[chain.length - 1]
      createDisk(file, {
        sectors: capacityOf(chain[0]),
        adapter: base.ddb.get('ddb.adapterType') ?? 'lsilogic',
        type: TYPE_IDS[base.createType] ?? 0,
      })
      if (chainInstalled(chain[0].file)) markInstalled(file)
    }
    copy.setDiskFile(node, name)
    sentinels.push(name)
  }
  giveIdentity(copy, opts.clonename ?? `Clone of ${src.displayName()}`)
  copy.save()
  writeVmxf(copy.file('.vmxf'), copy)

  const own = new SnapshotDb()
  if (type === 'linked') {
    own.cloneOf = [src.vmx]
    own.sentinels = sentinels
    snap.clones.push(dst)
    db.save(src.vmsd)
  }
  own.save(copy.vmsd)
  return []
}
