// `VBoxManage createmedium` (also createhd/createvdi) and `closemedium` (VBoxManageDisk.cpp).
import fs from 'node:fs'
import path from 'node:path'
import { randomUUID } from 'node:crypto'
import { getopt } from './getopt.mjs'
import { argumentError, syntaxError } from './usage.mjs'
import { Exit, srcLine } from './report.mjs'
import { childrenOf, createBaseDisk, findMedium, forgetMedium, deleteMediumStorage } from './media.mjs'
import { machinesUsing } from './machines.mjs'

const FORMATS = ['VDI', 'VMDK', 'VHD']
const VARIANTS = ['standard', 'fixed', 'split2g', 'stream', 'esx', 'formatted', 'rawdisk']

export function runCreateMedium(ctx, args) {
  const { version } = ctx.env
  const defs = [
    { key: 'filename', names: ['--filename', '-filename'], arg: 'string' },
    { key: 'size', names: ['--size', '-size'], arg: 'uint32' },
    { key: 'sizebyte', names: ['--sizebyte'], arg: 'string' },
    { key: 'format', names: ['--format', '-format'], arg: 'string' },
    { key: 'variant', names: ['--variant', '-variant'], arg: 'string' },
    { key: 'diffparent', names: ['--diffparent'], arg: 'string' },
  ]
  const rest = ['disk', 'dvd', 'floppy'].includes(args[0]) ? args.slice(1) : args
  if (args[0] === 'dvd' || args[0] === 'floppy') {
    ctx.report.errRaw(`VBoxManage simulator: createmedium ${args[0]} is not simulated\n`)
    throw new Exit(1)
  }
  const o = { format: 'VDI', variant: 'Standard' }
  for (const opt of getopt(ctx.report, 'createmedium', rest, defs)) {
    if (opt.positional !== undefined) syntaxError(ctx.report, 'createmedium', `Invalid parameter '${opt.positional}'`, { blankBeforeUsage: false })
    o[opt.key] = opt.value
  }
  if (!o.filename) syntaxError(ctx.report, 'createmedium', 'Parameters --filename is required')
  if (o.diffparent !== undefined) {
    ctx.report.errRaw('VBoxManage simulator: createmedium --diffparent is not simulated\n')
    throw new Exit(1)
  }
  let sizeMB = o.size
  if (o.sizebyte !== undefined) sizeMB = Math.ceil(Number(o.sizebyte) / 1048576)
  if (sizeMB === undefined) syntaxError(ctx.report, 'createmedium', 'Parameter --size is required')
  const format = FORMATS.find((f) => f === o.format.toUpperCase())
  if (!format) argumentError(ctx.report, `Invalid format '${o.format}' specified`)
  for (const v of o.variant.split(',')) {
    if (!VARIANTS.includes(v.trim().toLowerCase())) argumentError(ctx.report, `Invalid medium variant '${o.variant}'`)
  }

  let location = path.resolve(o.filename)
  if (!path.extname(location)) location += `.${format.toLowerCase()}`
  const failure = { component: 'MediumWrap', iface: 'IMedium', handler: 'handleCreateMedium', file: 'VBoxManageDisk.cpp', line: srcLine(version, 623, 510) }
  if (fs.existsSync(location)) {
    ctx.report.progressFailure({
      ...failure,
      hr: 'VBOX_E_FILE_ERROR',
      title: 'Failed to create medium',
      message: `Could not create the medium storage unit '${location}'.\n${ctx.conv.prog}: error: ${format}: cannot create image '${location}' (VERR_ALREADY_EXISTS)`,
    })
  }
  const registered = findMedium(ctx.state, location, 'HardDisk')
  if (registered) {
    ctx.report.progressFailure({
      ...failure,
      percent: 90,
      hr: 'E_INVALIDARG',
      component: 'VirtualBoxWrap',
      iface: 'IVirtualBox',
      title: 'Failed to create medium',
      message: `Cannot register the hard disk '${location}' {${randomUUID()}} because a hard disk '${location}' with UUID {${registered.uuid}} already exists`,
    })
  }
  const medium = createBaseDisk(ctx.state, { location, format, variant: o.variant, sizeMB })
  ctx.report.progress()
  ctx.report.line(`Medium created. UUID: ${medium.uuid}`)
}

export function runCloseMedium(ctx, args) {
  const { version } = ctx.env
  const types = { disk: 'HardDisk', dvd: 'DVD', floppy: 'Floppy' }
  const deviceType = types[args[0]]
  const rest = deviceType ? args.slice(1) : args
  let ref
  let del = false
  for (const o of getopt(ctx.report, 'closemedium', rest, [{ key: 'delete', names: ['--delete', '-delete'], arg: 'none' }])) {
    if (o.positional === undefined) del = true
    else if (ref === undefined) ref = o.positional
    else syntaxError(ctx.report, 'closemedium', `Invalid parameter '${o.positional}'`)
  }
  if (ref === undefined) syntaxError(ctx.report, 'closemedium', 'Disk name or UUID required')
  const file = 'VBoxManageDisk.cpp'
  const medium = findMedium(ctx.state, ref, deviceType)
  if (!medium) {
    ctx.report.fail({
      message: `Could not find file for the medium '${path.resolve(ref)}' (VERR_FILE_NOT_FOUND)`,
      hr: 'VBOX_E_FILE_ERROR',
      component: 'MediumWrap',
      iface: 'IMedium',
      call: 'OpenMedium(Bstr(pszFilenameOrUuid).raw(), enmDevType, enmAccessMode, fForceNewUuidOnOpen, pMedium.asOutParam())',
      file,
      line: srcLine(version, 1531, 1539),
    })
  }
  const users = machinesUsing(ctx.state, medium.uuid)
  const children = childrenOf(ctx.state, medium.uuid)
  const inUse = { hr: 'VBOX_E_OBJECT_IN_USE', component: 'MediumWrap', iface: 'IMedium', file }
  const closeRefusal =
    users.length > 0
      ? `Medium '${medium.location}' cannot be closed because it is still attached to ${users.length} virtual machines`
      : children.length > 0
        ? `Cannot close medium '${medium.location}' because it has ${children.length} child media`
        : null
  if (del && closeRefusal) {
    const message = users.length > 0 ? `Cannot delete storage: medium '${medium.location}' is still attached to the following virtual machine(s): ${users.map((m) => m.uuid).join(', ')}` : closeRefusal
    ctx.report.api({ ...inUse, message, call: 'DeleteStorage(pProgress.asOutParam())', line: srcLine(version, 1557, 1545) })
    ctx.report.msg(`Failed to delete medium. Error code ${ctx.conv.hresultName('VBOX_E_OBJECT_IN_USE')}`)
  }
  if (closeRefusal) ctx.report.fail({ ...inUse, message: closeRefusal, call: 'Close()', line: srcLine(version, 1563, 1551) })
  if (del) {
    ctx.report.progress()
    deleteMediumStorage(ctx.state, medium.uuid)
  } else forgetMedium(ctx.state, medium.uuid)
}
