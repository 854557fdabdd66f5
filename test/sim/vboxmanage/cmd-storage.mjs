// `VBoxManage storagectl` and `storageattach` (VBoxManageStorageController.cpp).
import fs from 'node:fs'
import path from 'node:path'
import { getopt } from './getopt.mjs'
import { argumentError, syntaxError } from './usage.mjs'
import { srcLine } from './report.mjs'
import { findMedium, openImage } from './media.mjs'
import { lockForWrite, lockShared, requireMachine } from './machines.mjs'
import { CALLS } from './calls.mjs'

const FILE = 'VBoxManageStorageController.cpp'

// Per bus: default controller chip, ports (max, default) and devices per port.
const BUSES = {
  sata: { types: ['IntelAhci'], maxPortCount: 30, portCount: 30, devicesPerPort: 1 },
  ide: { types: ['PIIX4', 'PIIX3', 'ICH6'], maxPortCount: 2, portCount: 2, devicesPerPort: 2 },
  scsi: { types: ['LsiLogic', 'BusLogic'], maxPortCount: 16, portCount: 16, devicesPerPort: 1 },
  floppy: { types: ['I82078'], maxPortCount: 1, portCount: 1, devicesPerPort: 2 },
  'virtio-scsi': { types: ['VirtIO'], maxPortCount: 255, portCount: 1, devicesPerPort: 1 },
}

function findMachineFor(ctx, ref) {
  return requireMachine(ctx, ref, {
    call: 'FindMachine(Bstr(a->argv[0]).raw(), machine.asOutParam())',
    file: FILE,
    line: srcLine(ctx.env.version, 1118, 1082),
  })
}

export function runStorageCtl(ctx, args) {
  const { version } = ctx.env
  const defs = [
    { key: 'name', names: ['--name'], arg: 'string' },
    { key: 'add', names: ['--add'], arg: 'string' },
    { key: 'controller', names: ['--controller'], arg: 'string' },
    { key: 'portcount', names: ['--portcount', '--sataportcount'], arg: 'uint32' },
    { key: 'bootable', names: ['--bootable'], arg: 'onoff' },
    { key: 'hostiocache', names: ['--hostiocache'], arg: 'onoff' },
    { key: 'remove', names: ['--remove'], arg: 'none' },
  ]
  const o = {}
  for (const opt of getopt(ctx.report, 'storagectl', args.slice(1), defs)) {
    if (opt.positional !== undefined) syntaxError(ctx.report, 'storagectl', `Invalid parameter '${opt.positional}'`, { blankBeforeUsage: false })
    o[opt.key] = opt.value ?? true
  }
  if (!o.name) syntaxError(ctx.report, 'storagectl', 'Storage controller name not specified')
  const m = findMachineFor(ctx, args[0])
  lockForWrite(ctx, m, { call: CALLS.lockWrite, file: FILE, line: srcLine(version, 1124, 1088) })

  const controllers = m.config.storage
  let sc = controllers.find((c) => c.name === o.name)
  const machineError = (message, hr, call) => ctx.report.fail({ message, hr, component: 'SessionMachine', iface: 'IMachine', call, file: FILE, line: srcLine(version, 1190, 1150) })
  if (o.remove) {
    if (!sc) machineError(`Could not find a storage controller named '${o.name}'`, 'VBOX_E_OBJECT_NOT_FOUND', 'RemoveStorageController(Bstr(pszCtl).raw())')
    m.config.storage = controllers.filter((c) => c !== sc)
    return
  }
  if (o.add) {
    const bus = BUSES[o.add.toLowerCase()]
    if (!bus) argumentError(ctx.report, `Invalid --add argument '${o.add}'`)
    if (sc) {
      machineError(`Storage controller named '${o.name}' already exists`, 'VBOX_E_OBJECT_IN_USE', `AddStorageController(Bstr(pszCtl).raw(), StorageBus_${o.add.toUpperCase()}, ctl.asOutParam())`)
    }
    sc = {
      name: o.name,
      bus: o.add.toLowerCase(),
      type: bus.types[0],
      instance: controllers.filter((c) => c.bus === o.add.toLowerCase()).length,
      maxPortCount: bus.maxPortCount,
      portCount: bus.portCount,
      devicesPerPort: bus.devicesPerPort,
      bootable: true,
      attachments: [],
    }
    controllers.push(sc)
  }
  if (!sc) machineError(`Could not find a storage controller named '${o.name}'`, 'VBOX_E_OBJECT_NOT_FOUND', 'GetStorageControllerByName(Bstr(pszCtl).raw(), ctl.asOutParam())')
  if (o.controller !== undefined) {
    const type = BUSES[sc.bus].types.find((t) => t.toLowerCase() === o.controller.toLowerCase())
    if (!type) argumentError(ctx.report, `Invalid --type argument '${o.controller}'`)
    sc.type = type
  }
  if (o.portcount !== undefined) {
    if (o.portcount < 1 || o.portcount > sc.maxPortCount) {
      ctx.report.fail({
        message: `Invalid port count: ${o.portcount} (must be in range [1, ${sc.maxPortCount}])`,
        hr: 'E_INVALIDARG',
        component: 'StorageControllerWrap',
        iface: 'IStorageController',
        call: 'COMSETTER(PortCount)(portcount)',
        file: FILE,
        line: srcLine(version, 1296, 1256),
      })
    }
    sc.portCount = o.portcount
  }
  if (o.bootable !== undefined) sc.bootable = o.bootable
}

/** The medium named by --medium: registered, or opened from its file. */
function mediumFor(ctx, ref, deviceType) {
  const known = findMedium(ctx.state, ref, deviceType)
  if (known) return known
  const location = path.resolve(ref)
  if (!fs.existsSync(location)) {
    ctx.report.fail({
      message: `Could not find file for the medium '${location}' (VERR_FILE_NOT_FOUND)`,
      hr: 'VBOX_E_FILE_ERROR',
      component: 'MediumWrap',
      iface: 'IMedium',
      call: `OpenMedium(Bstr(pszMedium).raw(), DeviceType_${deviceType}, AccessMode_ReadWrite, fForceNewUuidOnOpen, pMedium2Mount.asOutParam())`,
      file: FILE,
      line: srcLine(ctx.env.version, 734, 709),
    })
  }
  return openImage(ctx.state, location, deviceType)
}

export function runStorageAttach(ctx, args) {
  const { version } = ctx.env
  const defs = [
    { key: 'storagectl', names: ['--storagectl'], arg: 'string' },
    { key: 'port', names: ['--port'], arg: 'uint32' },
    { key: 'device', names: ['--device'], arg: 'uint32' },
    { key: 'type', names: ['--type'], arg: 'string' },
    { key: 'medium', names: ['--medium'], arg: 'string' },
    { key: 'mtype', names: ['--mtype'], arg: 'string' },
    { key: 'comment', names: ['--comment'], arg: 'string' },
    { key: 'nonrotational', names: ['--nonrotational'], arg: 'onoff' },
    { key: 'discard', names: ['--discard'], arg: 'onoff' },
    { key: 'hotpluggable', names: ['--hotpluggable'], arg: 'onoff' },
    { key: 'forceunmount', names: ['--forceunmount'], arg: 'none' },
  ]
  const o = { port: 0, device: 0 }
  for (const opt of getopt(ctx.report, 'storageattach', args.slice(1), defs)) {
    if (opt.positional !== undefined) syntaxError(ctx.report, 'storageattach', `Invalid parameter '${opt.positional}'`, { blankBeforeUsage: false })
    o[opt.key] = opt.value ?? true
  }
  if (!o.storagectl) syntaxError(ctx.report, 'storageattach', 'Storage controller name not specified')
  const m = findMachineFor(ctx, args[0])
  lockShared(ctx, m, { call: CALLS.lockShared, file: FILE, line: srcLine(version, 452, 430) })

  const sc = m.config.storage.find((c) => c.name === o.storagectl)
  const where = { component: 'SessionMachine', iface: 'IMachine', file: FILE }
  if (!sc) {
    ctx.report.fail({
      ...where,
      message: `Could not find a storage controller named '${o.storagectl}'`,
      hr: 'VBOX_E_OBJECT_NOT_FOUND',
      call: 'GetStorageControllerByName(Bstr(pszCtl).raw(), storageCtl.asOutParam())',
      line: srcLine(version, 493, 471),
    })
  }
  if (o.port >= sc.portCount || o.device >= sc.devicesPerPort) argumentError(ctx.report, `Invalid port number ${o.port} or device number ${o.device}`)
  const slot = (a) => a.port === o.port && a.device === o.device
  const existing = sc.attachments.find(slot)

  if (o.medium === 'none') {
    if (!existing) {
      ctx.report.fail({
        ...where,
        message: `No storage device attached to device slot ${o.device} on port ${o.port} of controller '${sc.name}'`,
        hr: 'VBOX_E_OBJECT_NOT_FOUND',
        call: 'DetachDevice(Bstr(pszCtl).raw(), port, device)',
        line: srcLine(version, 585, 559),
      })
    }
    sc.attachments = sc.attachments.filter((a) => !slot(a))
    return
  }
  const type = o.type?.toLowerCase() ?? existing?.type
  if (type !== 'hdd' && type !== 'dvddrive') {
    if (o.type === undefined) syntaxError(ctx.report, 'storageattach', 'Argument --type must be specified')
    argumentError(ctx.report, `Invalid --type argument '${o.type}'`)
  }
  if (o.medium === undefined) syntaxError(ctx.report, 'storageattach', 'Argument --medium must be specified')
  let medium = null
  if (o.medium === 'emptydrive') {
    if (type !== 'dvddrive') argumentError(ctx.report, 'Attaching an empty drive is only supported for DVD and floppy drives')
  } else medium = mediumFor(ctx, o.medium, type === 'hdd' ? 'HardDisk' : 'DVD').uuid
  sc.attachments = sc.attachments.filter((a) => !slot(a))
  sc.attachments.push({ port: o.port, device: o.device, type, medium })
  sc.attachments.sort((a, b) => a.port - b.port || a.device - b.device)
}
