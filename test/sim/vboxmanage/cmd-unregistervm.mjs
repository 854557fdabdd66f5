// `VBoxManage unregistervm VM [--delete]` (handleUnregisterVM, Machine::unregister and
// Machine::deleteConfig). As for real, the machine is unregistered before its files go:
// when an image cannot be deleted (a base image that linked clones still build on), the
// command fails after the VM has already left the registry, and its files stay on disk.
import fs from 'node:fs'
import path from 'node:path'
import { getopt } from './getopt.mjs'
import { syntaxError } from './usage.mjs'
import { srcLine } from './report.mjs'
import { childrenOf, chainOf, forgetMedium, deleteMediumStorage, mediumById } from './media.mjs'
import { allAttachments, allConfigs, logFolder, machineDir, machinesUsing, nvramFile, requireMachine, sessionState, snapshotFolder } from './machines.mjs'

const FILE = 'VBoxManageMisc.cpp'

/**
 * Images the machine's current state and snapshots use, children before parents. Like
 * Machine::detachAllMedia, it also takes the unattached parents of its disks that have no
 * other child: the last linked clone to go takes an orphaned base image with it.
 */
function machineMedia(ctx, m, withRemovable) {
  const ids = new Set()
  for (const config of allConfigs(m)) {
    for (const a of allAttachments(config)) {
      if (!a.medium || (a.type !== 'hdd' && !withRemovable)) continue
      ids.add(a.medium)
      for (let p = mediumById(ctx.state, a.medium).parent; p; p = mediumById(ctx.state, p).parent) {
        if (childrenOf(ctx.state, p).length !== 1 || machinesUsing(ctx.state, p).length > 0) break
        ids.add(p)
      }
    }
  }
  const depth = (id) => chainOf(ctx.state, id).length
  return [...ids].sort((a, b) => depth(b) - depth(a)).map((id) => mediumById(ctx.state, id))
}

function removeIfEmpty(dir) {
  try {
    fs.rmdirSync(dir)
  } catch {
    // not empty or gone: VirtualBox leaves such folders alone too
  }
}

function deleteMachineFiles(m) {
  if (m.savedFile) fs.rmSync(m.savedFile, { force: true })
  for (const s of m.snapshots) if (s.stateFile) fs.rmSync(s.stateFile, { force: true })
  fs.rmSync(nvramFile(m), { force: true })
  fs.rmSync(m.cfgFile, { force: true })
  fs.rmSync(`${m.cfgFile}-prev`, { force: true })
  fs.rmSync(`${m.cfgFile}-tmp`, { force: true })
  const logs = logFolder(m)
  if (fs.existsSync(logs)) {
    for (const f of fs.readdirSync(logs)) if (/^VBox(\.log|\.png|UI\.log)(\.\d+)?$/.test(f)) fs.rmSync(path.join(logs, f))
    removeIfEmpty(logs)
  }
  removeIfEmpty(snapshotFolder(m))
  if (path.basename(machineDir(m)) === m.name) removeIfEmpty(machineDir(m))
}

export function runUnregisterVm(ctx, args) {
  const { version } = ctx.env
  const defs = [
    { key: 'delete', names: ['--delete', '-delete'], arg: 'none' },
    { key: 'deleteAll', names: ['--delete-all', '-delete-all'], arg: 'none' },
  ]
  let ref
  let del = false
  let deleteAll = false
  for (const o of getopt(ctx.report, 'unregistervm', args, defs)) {
    if (o.positional !== undefined) {
      if (ref !== undefined) syntaxError(ctx.report, 'unregistervm', `Invalid parameter '${o.positional}'`)
      ref = o.positional
    } else if (o.key === 'delete') del = true
    else deleteAll = true
  }
  if (ref === undefined) syntaxError(ctx.report, 'unregistervm', 'VM name required')
  const m = requireMachine(ctx, ref, {
    call: 'FindMachine(Bstr(VMName).raw(), machine.asOutParam())',
    file: FILE,
    line: srcLine(version, 187, 166),
  })
  if (sessionState(ctx, m) !== 'unlocked') {
    ctx.report.fail({
      message: `Cannot unregister the machine '${m.name}' while it is locked`,
      hr: 'VBOX_E_INVALID_OBJECT_STATE',
      component: 'MachineWrap',
      iface: 'IMachine',
      call: 'Unregister(fDeleteAll ? CleanupMode_DetachAllReturnHardDisksAndVMRemovable :CleanupMode_DetachAllReturnHardDisksOnly, ComSafeArrayAsOutParam(aMedia))',
      file: FILE,
      line: srcLine(version, 191, 170),
    })
  }
  const media = machineMedia(ctx, m, deleteAll)
  ctx.state.machines = ctx.state.machines.filter((x) => x !== m)
  // DeleteConfig and Close skip images another VM still has attached.
  const own = media.filter((med) => machinesUsing(ctx.state, med.uuid).length === 0)

  if (!del && !deleteAll) {
    for (const med of own) if (childrenOf(ctx.state, med.uuid).length === 0) forgetMedium(ctx.state, med.uuid)
    return
  }
  const operations = 1 + own.length + 3
  own.forEach((med, i) => {
    const children = childrenOf(ctx.state, med.uuid).length
    if (children > 0) {
      ctx.report.progressFailure({
        percent: Math.floor((100 * (1 + i)) / operations / 10) * 10,
        hr: 'VBOX_E_OBJECT_IN_USE',
        title: 'Machine delete failed',
        message: `Cannot close medium '${med.location}' because it has ${children} child media`,
        component: 'MediumWrap',
        iface: 'IMedium',
        handler: 'handleUnregisterVM',
        file: FILE,
        line: srcLine(version, 226, 205),
      })
    }
    deleteMediumStorage(ctx.state, med.uuid)
  })
  deleteMachineFiles(m)
  ctx.report.progress()
}
