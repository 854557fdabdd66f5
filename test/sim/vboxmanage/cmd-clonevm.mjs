// `VBoxManage clonevm` (handleCloneVM in VBoxManageMisc.cpp, Machine::cloneTo).
// A linked clone gets one differencing image per disk, in its own Snapshots folder, on top
// of the source snapshot's image; it starts with no snapshots and (unless KeepAllMACs) new MACs.
import path from 'node:path'
import { getopt } from './getopt.mjs'
import { argumentError, syntaxError } from './usage.mjs'
import { srcLine } from './report.mjs'
import { copyDisk, createDiff } from './media.mjs'
import { clone, newMac, newMachine, requireMachine, snapshotFolder } from './machines.mjs'
import { findSnapshot } from './snapshots.mjs'
import { composeSettingsFile, parseGroups, refuseExistingSettings, writeSettingsFile } from './cmd-createvm.mjs'
import { CALLS } from './calls.mjs'

const FILE = 'VBoxManageMisc.cpp'
const OPTIONS = ['link', 'keepallmacs', 'keepnatmacs', 'keepdisknames', 'keephwuuids']
const MODES = ['machine', 'machineandchildren', 'machinechildren', 'all']

export function runCloneVm(ctx, args) {
  const { version } = ctx.env
  const defs = [
    { key: 'snapshot', names: ['--snapshot'], arg: 'string' },
    { key: 'name', names: ['--name'], arg: 'string' },
    { key: 'groups', names: ['--groups'], arg: 'string' },
    { key: 'basefolder', names: ['--basefolder'], arg: 'string' },
    { key: 'mode', names: ['--mode'], arg: 'string' },
    { key: 'options', names: ['--options'], arg: 'string' },
    { key: 'uuid', names: ['--uuid'], arg: 'string' },
    { key: 'register', names: ['--register'], arg: 'none' },
  ]
  const o = { options: new Set(), groups: ['/'] }
  let source
  for (const opt of getopt(ctx.report, 'clonevm', args, defs)) {
    if (opt.positional !== undefined) {
      if (source !== undefined) syntaxError(ctx.report, 'clonevm', `Invalid parameter '${opt.positional}'`)
      source = opt.positional
    } else if (opt.key === 'options') {
      for (const part of opt.value.split(',').map((p) => p.trim().toLowerCase())) {
        if (!OPTIONS.includes(part)) argumentError(ctx.report, `Invalid clone options '${opt.value}'\n`)
        o.options.add(part)
      }
    } else if (opt.key === 'mode') {
      if (!MODES.includes(opt.value.toLowerCase())) argumentError(ctx.report, `Invalid clone mode '${opt.value}'\n`)
    } else if (opt.key === 'groups') o.groups = parseGroups(opt.value)
    else o[opt.key] = opt.value ?? true
  }
  if (source === undefined) syntaxError(ctx.report, 'clonevm', 'VM name required')

  const src = requireMachine(ctx, source, {
    call: 'FindMachine(Bstr(pszSrcName).raw(), srcMachine.asOutParam())',
    file: FILE,
    line: srcLine(version, 645, 547),
  })
  let snap
  if (o.snapshot !== undefined) {
    snap = findSnapshot(src, o.snapshot)
    if (!snap) {
      ctx.report.fail({
        message: `Could not find a snapshot named '${o.snapshot}'`,
        hr: 'VBOX_E_OBJECT_NOT_FOUND',
        component: 'MachineWrap',
        iface: 'IMachine',
        call: 'FindSnapshot(Bstr(pszSnapshotName).raw(), srcSnapshot.asOutParam())',
        file: FILE,
        line: srcLine(version, 655, 555),
      })
    }
  }
  const name = o.name ?? `${source} Clone`
  const cfgFile = composeSettingsFile(ctx, name, o.groups, o.basefolder)
  refuseExistingSettings(ctx, cfgFile, {
    call:
      version.major >= 7
        ? 'CreateMachine(bstrSettingsFile.raw(), Bstr(pszTrgName).raw(), ComSafeArrayAsInParam(groups), NULL, createFlags.raw(), NULL, NULL, NULL, trgMachine.asOutParam())'
        : 'CreateMachine(bstrSettingsFile.raw(), Bstr(pszTrgName).raw(), ComSafeArrayAsInParam(groups), NULL, createFlags.raw(), trgMachine.asOutParam())',
    file: FILE,
    line: srcLine(version, 683, 583),
  })
  const link = o.options.has('link')
  if (link && !snap) {
    ctx.report.fail({
      message: 'Linked clone can only be created from a snapshot',
      hr: 'E_INVALIDARG',
      component: 'MachineWrap',
      iface: 'IMachine',
      call: CALLS.cloneTo,
      file: FILE,
      line: srcLine(version, 697, 592),
    })
  }

  const target = newMachine({ name, ostype: 'Other', groups: o.groups, cfgFile, uuid: o.uuid?.toLowerCase(), now: ctx.now })
  target.config = clone((snap ?? src).config)
  if (o.options.has('keephwuuids')) target.hardwareuuid = src.hardwareuuid
  for (const nic of target.config.nics) {
    const keep = o.options.has('keepallmacs') || (o.options.has('keepnatmacs') && nic.attachment === 'nat')
    if (!keep) nic.mac = newMac()
  }
  let diskNo = 0
  for (const sc of target.config.storage) {
    for (const a of sc.attachments) {
      if (a.type !== 'hdd' || !a.medium) continue
      diskNo++
      a.medium = link
        ? createDiff(ctx.state, a.medium, snapshotFolder(target)).uuid
        : copyDisk(ctx.state, a.medium, path.join(path.dirname(cfgFile), diskNo === 1 ? `${name}.vdi` : `${name}-disk${diskNo}.vdi`)).uuid
    }
  }
  writeSettingsFile(target)
  ctx.report.progress()
  if (o.register) ctx.state.machines.push(target)
  ctx.report.line(`Machine has been successfully cloned as "${name}"`)
}
