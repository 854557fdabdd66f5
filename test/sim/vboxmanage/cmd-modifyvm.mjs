// `VBoxManage modifyvm` (VBoxManageModifyVM.cpp): the settings a lab needs, in both the old
// and the VirtualBox 7 dashed spellings. All options apply or none (DiscardSettings on error).
import fs from 'node:fs'
import path from 'node:path'
import { getopt } from './getopt.mjs'
import { syntaxError } from './usage.mjs'
import { addRedirect, removeRedirect } from './nat.mjs'
import { Exit, srcLine } from './report.mjs'
import { findOsType, osTypePlatform } from './ostypes.mjs'
import { clone, lockForWrite, machineDir, MAX_NICS, newMac, requireMachine } from './machines.mjs'
import { parseGroups } from './cmd-createvm.mjs'
import { isMac7 } from './hostnet.mjs'
import { CALLS } from './calls.mjs'

const NIC_TYPES = ['Am79C970A', 'Am79C973', 'Am79C960', '82540EM', '82543GC', '82545EM', 'virtio']
const NIC_ATTACHMENTS = ['none', 'null', 'nat', 'bridged', 'intnet', 'hostonly', 'hostonlynet', 'natnetwork', 'generic']
const BOOT_DEVICES = ['none', 'floppy', 'dvd', 'disk', 'net']
const FIRMWARE = { bios: 'BIOS', efi: 'EFI', efi32: 'EFI32', efi64: 'EFI64', efidual: 'EFIDUAL' }
const GRAPHICS = ['none', 'vboxvga', 'vmsvga', 'vboxsvga']
// 7.1: the ARM platform's framebuffer; VMSVGA/VBoxSVGA/VBoxVGA are x86 devices.
const ARM_GRAPHICS = ['none', 'qemuramfb']
const CHIPSETS = { x86: ['piix3', 'ich9'], arm: ['armv8virtual'] }
const AUDIO_DRIVERS = ['null', 'default', 'oss', 'alsa', 'pulse', 'coreaudio', 'dsound', 'was']

// Settings the simulator accepts but does not model (showvminfo keeps printing defaults).
const ACCEPTED = [
  ['--acpi'],
  ['--pae'],
  ['--hwvirtex'],
  ['--x2apic'],
  ['--apic'],
  ['--hpet'],
  ['--longmode', '--long-mode'],
  ['--nestedpaging', '--nested-paging'],
  ['--largepages', '--large-pages'],
  ['--vtxvpid', '--vtx-vpid'],
  ['--vtxux', '--vtx-ux'],
  ['--nested-hw-virt'],
  ['--usb'],
  ['--usbohci', '--usb-ohci'],
  ['--usbehci', '--usb-ehci'],
  ['--usbxhci', '--usb-xhci'],
  ['--vrde'],
  ['--accelerate3d', '--accelerate-3d'],
]
const ACCEPTED_STRINGS = [
  ['--mouse'],
  ['--keyboard'],
  ['--clipboard'],
  ['--clipboard-mode'],
  ['--draganddrop', '--drag-and-drop'],
  ['--paravirtprovider', '--paravirt-provider'],
  ['--audiocontroller', '--audio-controller'],
  ['--biosbootmenu', '--bios-boot-menu'],
]

function definitions(env) {
  const defs = [
    { key: 'name', names: ['--name'], arg: 'string' },
    { key: 'groups', names: ['--groups'], arg: 'string' },
    { key: 'description', names: ['--description'], arg: 'string' },
    { key: 'ostype', names: ['--ostype'], names7: ['--os-type'], arg: 'string' },
    { key: 'memory', names: ['--memory'], arg: 'uint32' },
    { key: 'cpus', names: ['--cpus'], arg: 'uint32' },
    { key: 'vram', names: ['--vram'], arg: 'uint32' },
    { key: 'firmware', names: ['--firmware'], arg: 'string' },
    { key: 'ioapic', names: ['--ioapic'], arg: 'onoff' },
    { key: 'rtcuseutc', names: ['--rtcuseutc'], names7: ['--rtc-use-utc'], arg: 'onoff' },
    { key: 'graphicscontroller', names: ['--graphicscontroller'], arg: 'string' },
    { key: 'boot', names: ['--boot'], arg: 'string', indexed: true },
    { key: 'chipset', names: ['--chipset'], arg: 'string' },
    { key: 'audio', names: ['--audio'], arg: 'string' },
    { key: 'nictype', names: ['--nictype'], names7: ['--nic-type'], arg: 'string', indexed: true },
    { key: 'nic', names: ['--nic'], arg: 'string', indexed: true },
    { key: 'cable', names: ['--cableconnected'], names7: ['--cable-connected'], arg: 'onoff', indexed: true },
    { key: 'hostonly', names: ['--hostonlyadapter'], names7: ['--host-only-adapter'], arg: 'string', indexed: true },
    { key: 'mac', names: ['--macaddress'], names7: ['--mac-address'], arg: 'string', indexed: true },
    { key: 'natpf', names: ['--natpf'], names7: ['--nat-pf'], arg: 'string', indexed: true },
  ]
  if (env.version.major >= 7) {
    defs.push({ key: 'audioEnabled', names: ['--audio-enabled', '--audioenabled'], arg: 'onoff' })
    defs.push({ key: 'audioDriver', names: ['--audio-driver', '--audiodriver'], arg: 'string' })
  }
  if (isMac7(env)) defs.push({ key: 'hostonlynet', names: ['--host-only-net', '--hostonlynet'], arg: 'string', indexed: true })
  for (const names of ACCEPTED) defs.push({ key: 'ignored', names: [names[0]], names7: names.slice(1), arg: 'onoff' })
  for (const names of ACCEPTED_STRINGS) defs.push({ key: 'ignored', names: [names[0]], names7: names.slice(1), arg: 'string' })
  defs.push({ key: 'ignored', names: ['--uart'], arg: 'string', indexed: true })
  return defs
}

function setterError(ctx, message, call, { hr = 'E_INVALIDARG', component = 'SessionMachine', iface = 'IMachine', line }) {
  ctx.report.fail({ message, hr, component, iface, call, file: 'VBoxManageModifyVM.cpp', line })
}

/** modifyvm reports a bad value with errorArgument() but then fails with E_FAIL: exit code 1. */
function invalid(ctx, message) {
  ctx.report.msg(message)
  throw new Exit(1)
}

function nicIndex(ctx, index) {
  if (index >= 1 && index <= MAX_NICS) return index - 1
  return invalid(ctx, `Invalid NIC number ${index}`)
}

/** Renaming moves the machine folder and the files named after the VM when the folder carries the old name. */
function rename(ctx, m, newName) {
  const dir = machineDir(m)
  if (path.basename(dir) !== m.name) {
    m.name = newName
    return
  }
  const newDir = path.join(path.dirname(dir), newName)
  fs.renameSync(dir, newDir)
  const newCfg = path.join(newDir, `${newName}.vbox`)
  fs.renameSync(path.join(newDir, path.basename(m.cfgFile)), newCfg)
  const oldNvram = path.join(newDir, `${m.name}.nvram`)
  if (fs.existsSync(oldNvram)) fs.renameSync(oldNvram, path.join(newDir, `${newName}.nvram`))
  for (const medium of ctx.state.media) {
    if (medium.location.startsWith(dir + path.sep)) medium.location = newDir + medium.location.slice(dir.length)
  }
  m.cfgFile = newCfg
  m.name = newName
}

export function runModifyVm(ctx, args) {
  const { version } = ctx.env
  if (args.length < 2) syntaxError(ctx.report, 'modifyvm', 'Not enough parameters')
  const m = requireMachine(ctx, args[0], {
    call: 'FindMachine(Bstr(a->argv[0]).raw(), machine.asOutParam())',
    file: 'VBoxManageModifyVM.cpp',
    line: srcLine(version, 571, 547),
  })
  lockForWrite(ctx, m, { call: CALLS.lockWrite, file: 'VBoxManageModifyVM.cpp', line: srcLine(version, 578, 554) })

  const c = clone(m.config)
  const arm = c.platform === 'arm'
  // What an ARM VM has not: the x86 platform's settings (IPlatformX86), refused as the setter does.
  const x86Only = (option) => invalid(ctx, `${option} is not supported by the ARM platform of VM '${m.name}'`)
  let newName
  let groups
  for (const o of getopt(ctx.report, 'modifyvm', args.slice(1), definitions(ctx.env))) {
    if (o.positional !== undefined) syntaxError(ctx.report, 'modifyvm', `Invalid parameter '${o.positional}'`, { blankBeforeUsage: false })
    const v = o.value
    switch (o.key) {
      case 'name':
        newName = v
        break
      case 'groups':
        groups = parseGroups(v)
        break
      case 'description':
        c.description = v
        break
      case 'ostype':
        if (!findOsType(version, v) || osTypePlatform(v) !== (arm ? 'arm' : 'x86')) {
          setterError(ctx, `'${v}' is not a valid Guest OS type`, 'COMSETTER(OSTypeId)(Bstr(ValueUnion.psz).raw())', { line: srcLine(version, 611, 584) })
        }
        c.ostype = v
        break
      case 'memory':
        if (v < 4 || v > 2097152) {
          setterError(ctx, `Invalid RAM size: ${v} MB (must be in range [4, 2097152] MB)`, 'COMSETTER(MemorySize)(ValueUnion.u32)', { line: srcLine(version, 653, 623) })
        }
        c.memory = v
        break
      case 'cpus':
        if (v < 1 || v > 64) {
          setterError(ctx, `Invalid virtual CPU count: ${v} (must be in range [1, 64])`, 'COMSETTER(CPUCount)(ValueUnion.u32)', { line: srcLine(version, 880, 841) })
        }
        c.cpus = v
        break
      case 'vram':
        if (v > 256) {
          setterError(ctx, `Invalid video RAM size: ${v} MB (must be in range [0, 256] MB)`, 'COMSETTER(VRAMSize)(ValueUnion.u32)', {
            component: 'GraphicsAdapterWrap',
            iface: 'IGraphicsAdapter',
            line: srcLine(version, 665, 635),
          })
        }
        c.vram = v
        break
      case 'firmware':
        if (!FIRMWARE[v.toLowerCase()]) invalid(ctx, `Invalid --firmware argument '${v}'`)
        // The ARM platform boots UEFI only.
        if (arm && v.toLowerCase() !== 'efi') invalid(ctx, `Invalid --firmware argument '${v}'`)
        c.firmware = FIRMWARE[v.toLowerCase()]
        break
      case 'ioapic':
        if (arm) x86Only(o.option)
        c.ioapic = v
        break
      case 'rtcuseutc':
        c.rtcuseutc = v
        break
      case 'chipset':
        if (!CHIPSETS[arm ? 'arm' : 'x86'].includes(v.toLowerCase())) invalid(ctx, `Invalid --chipset argument '${v}'`)
        c.chipset = v.toLowerCase()
        break
      case 'graphicscontroller':
        if (!(arm ? ARM_GRAPHICS : GRAPHICS).includes(v.toLowerCase())) invalid(ctx, `Invalid --graphicscontroller argument '${v}'`)
        c.graphicscontroller = v.toLowerCase() === 'none' ? 'null' : v.toLowerCase()
        break
      case 'boot':
        if (o.index < 1 || o.index > 4) invalid(ctx, `Invalid boot slot number ${o.index}`)
        if (!BOOT_DEVICES.includes(v.toLowerCase())) invalid(ctx, `Invalid boot device '${v}'`)
        c.boot[o.index - 1] = v.toLowerCase()
        break
      case 'audio':
        if (v === 'none') c.audioEnabled = false
        else if (AUDIO_DRIVERS.includes(v)) {
          c.audioEnabled = true
          c.audioDriver = v
        } else invalid(ctx, `Invalid --audio argument '${v}'`)
        break
      case 'audioEnabled':
        c.audioEnabled = v
        break
      case 'audioDriver':
        if (v !== 'none' && !AUDIO_DRIVERS.includes(v)) invalid(ctx, `Invalid --audio-driver argument '${v}'`)
        c.audioDriver = v === 'none' ? 'null' : v
        break
      case 'nic': {
        const nic = c.nics[nicIndex(ctx, o.index)]
        const type = v.toLowerCase()
        if (!NIC_ATTACHMENTS.includes(type) || (type === 'hostonlynet' && !isMac7(ctx.env))) {
          invalid(ctx, `Invalid type '${v}' specfied for NIC ${o.index}`)
        }
        if (type === 'none') nic.enabled = false
        else {
          nic.enabled = true
          nic.attachment = type
        }
        break
      }
      case 'nictype': {
        const nic = c.nics[nicIndex(ctx, o.index)]
        const type = NIC_TYPES.find((t) => t.toLowerCase() === v.toLowerCase())
        if (!type) invalid(ctx, `Invalid NIC type '${v}' specified for NIC ${o.index}`)
        nic.type = type
        break
      }
      case 'cable':
        c.nics[nicIndex(ctx, o.index)].cable = v
        break
      case 'hostonly':
        c.nics[nicIndex(ctx, o.index)].hostonly = v.toLowerCase() === 'none' ? '' : v
        break
      case 'hostonlynet':
        c.nics[nicIndex(ctx, o.index)].hostonlynet = v
        break
      case 'mac': {
        const nic = c.nics[nicIndex(ctx, o.index)]
        if (v === 'auto') nic.mac = newMac()
        else if (/^[0-9a-f]{12}$/i.test(v) && (parseInt(v.slice(0, 2), 16) & 1) === 0) nic.mac = v.toUpperCase()
        else {
          setterError(ctx, 'Invalid MAC address format', 'COMSETTER(MACAddress)(Bstr(ValueUnion.psz).raw())', {
            component: 'NetworkAdapterWrap',
            iface: 'INetworkAdapter',
            line: srcLine(version, 2151, 2068),
          })
        }
        break
      }
      case 'natpf': {
        const nic = c.nics[nicIndex(ctx, o.index)]
        const where = { file: 'VBoxManageModifyVM.cpp', line: srcLine(version, 1973, 1790) }
        if (v !== 'delete') {
          addRedirect(ctx, nic, v, { command: 'modifyvm', option: o.option.replace(/\d+$/, ''), nicNumber: o.index, ...where })
          break
        }
        const name = o.fetch()
        if (name === undefined) syntaxError(ctx.report, 'modifyvm', 'Not enough parameters')
        removeRedirect(ctx, nic, name, { file: where.file, line: srcLine(version, 2002, 1766) })
        break
      }
      default:
        break
    }
  }
  m.config = c
  if (groups) m.groups = groups
  if (newName !== undefined && newName !== m.name) rename(ctx, m, newName)
}
