// Snapshots as VirtualBox implements them on disk: taking one freezes the current images
// and puts a new differencing image "{uuid}.vdi" in the Snapshots folder on top of each;
// restoring throws the current differencing images away and starts fresh ones on top of
// the snapshot's; deleting merges a snapshot's image with its only child.
import fs from 'node:fs'
import path from 'node:path'
import { randomUUID } from 'node:crypto'
import { childrenOf, createDiff, deleteMediumStorage, mediumById } from './media.mjs'
import { allConfigs, clone, isRunning, snapshotFolder } from './machines.mjs'
import { stateTime } from './machinereadable.mjs'

export function savedStateFile(m, at) {
  return path.join(snapshotFolder(m), `${stateTime(at).replace(/:/g, '-')}Z.sav`)
}

function hddAttachmentsOf(config) {
  return config.storage.flatMap((c) => c.attachments.filter((a) => a.type === 'hdd' && a.medium))
}

/** FindSnapshot(): a UUID, or the first snapshot of that name in tree order. */
export function findSnapshot(m, ref) {
  const id = ref.replace(/^\{|\}$/g, '').toLowerCase()
  const byId = m.snapshots.find((s) => s.uuid === id)
  if (byId) return byId
  const ordered = []
  const walk = (parent) => {
    for (const s of m.snapshots.filter((x) => x.parent === parent)) {
      ordered.push(s)
      walk(s.uuid)
    }
  }
  walk(null)
  return ordered.find((s) => s.name === ref)
}

/**
 * A snapshot of a running (or paused) VM is an online one: VirtualBox saves the VM's state (its memory) into
 * a `.sav` file in the Snapshots folder, and the guest goes on from it when the snapshot is restored. Here the
 * guest's state is what it booted into and when (`boot`), so a VM resumed from it has not booted again.
 */
export function takeSnapshot(ctx, m, name, description) {
  const online = isRunning(m)
  const snap = {
    uuid: randomUUID(),
    name,
    description,
    parent: m.currentSnapshot,
    timeStamp: ctx.now,
    online,
    config: clone(m.config),
    stateFile: null,
    guest: null,
  }
  if (online) {
    snap.stateFile = path.join(snapshotFolder(m), `${stateTime(ctx.now).replace(/:/g, '-')}Z-${snap.uuid.slice(0, 8)}.sav`)
    fs.mkdirSync(path.dirname(snap.stateFile), { recursive: true })
    fs.writeFileSync(snap.stateFile, 'VBoxManage simulator: saved state of a snapshot\n')
    snap.guest = clone(m.boot)
  } else if (m.state === 'saved' && m.savedFile) {
    // Offline snapshot of a saved VM: VirtualBox keeps (a copy of) its state file with the snapshot.
    snap.stateFile = path.join(snapshotFolder(m), `${stateTime(ctx.now).replace(/:/g, '-')}Z-${snap.uuid.slice(0, 8)}.sav`)
    fs.copyFileSync(m.savedFile, snap.stateFile)
    snap.guest = clone(m.savedGuest ?? null)
  }
  for (const a of hddAttachmentsOf(m.config)) a.medium = createDiff(ctx.state, a.medium, snapshotFolder(m)).uuid
  m.snapshots.push(snap)
  m.currentSnapshot = snap.uuid
  return snap
}

/** Images only the current state uses: its differencing images, thrown away on restore. */
function currentOnlyDiffs(ctx, m) {
  const inSnapshots = new Set(m.snapshots.flatMap((s) => hddAttachmentsOf(s.config).map((a) => a.medium)))
  return hddAttachmentsOf(m.config)
    .map((a) => mediumById(ctx.state, a.medium))
    .filter((med) => med.parent && !inSnapshots.has(med.uuid) && childrenOf(ctx.state, med.uuid).length === 0)
}

/**
 * Restoring a snapshot with a saved state leaves the VM `saved` on a copy of that state (RestoreSnapshot copies
 * the file, so the snapshot keeps its own): the next startvm resumes the guest from it. Without one, `poweroff`.
 */
export function restoreSnapshot(ctx, m, snap) {
  for (const med of currentOnlyDiffs(ctx, m)) deleteMediumStorage(ctx.state, med.uuid)
  if (m.savedFile) fs.rmSync(m.savedFile, { force: true })
  m.savedFile = null
  m.savedGuest = null
  m.config = clone(snap.config)
  for (const a of hddAttachmentsOf(m.config)) a.medium = createDiff(ctx.state, a.medium, snapshotFolder(m)).uuid
  m.currentSnapshot = snap.uuid
  m.state = 'poweroff'
  if (snap.stateFile && fs.existsSync(snap.stateFile)) {
    m.savedFile = savedStateFile(m, ctx.now)
    fs.mkdirSync(path.dirname(m.savedFile), { recursive: true })
    fs.copyFileSync(snap.stateFile, m.savedFile)
    m.savedGuest = clone(snap.guest)
    m.state = 'saved'
  }
  m.stateChangeTime = ctx.now
}

/** The images whose merge blocks deleting the snapshot: a parent with several children. */
export function unmergeableImage(ctx, snap) {
  for (const a of hddAttachmentsOf(snap.config)) {
    const children = childrenOf(ctx.state, a.medium)
    if (children.length > 1) return { medium: mediumById(ctx.state, a.medium), children: children.length }
  }
  return null
}

/** Merges each snapshot image's only child into it and takes the snapshot out of the tree. */
export function deleteSnapshot(ctx, m, snap) {
  for (const a of hddAttachmentsOf(snap.config)) {
    const [child] = childrenOf(ctx.state, a.medium)
    if (!child) continue
    const parent = mediumById(ctx.state, a.medium)
    parent.installed = parent.installed || child.installed
    for (const config of allConfigs(m)) {
      for (const att of hddAttachmentsOf(config)) if (att.medium === child.uuid) att.medium = parent.uuid
    }
    for (const grandchild of childrenOf(ctx.state, child.uuid)) grandchild.parent = parent.uuid
    deleteMediumStorage(ctx.state, child.uuid)
  }
  if (snap.stateFile) fs.rmSync(snap.stateFile, { force: true })
  for (const s of m.snapshots) if (s.parent === snap.uuid) s.parent = snap.parent
  m.snapshots = m.snapshots.filter((s) => s !== snap)
  if (m.currentSnapshot === snap.uuid) m.currentSnapshot = snap.parent
}
