// `VBoxManage createvm` (handleCreateVM in VBoxManageMisc.cpp).
import fs from 'node:fs'
import path from 'node:path'
import { getopt } from './getopt.mjs'
import { syntaxError } from './usage.mjs'
import { srcLine } from './report.mjs'
import { findOsType, osTypePlatform } from './ostypes.mjs'
import { newMachine } from './machines.mjs'
import { defaultMachineFolder } from './state.mjs'

export function parseGroups(text) {
  return text.split(',').filter((g) => g !== '')
}

/** ComposeMachineFilename(): <base>[/<primary group>]/<name>/<name>.vbox */
export function composeSettingsFile(ctx, name, groups, baseFolder) {
  const base = baseFolder ? path.resolve(baseFolder) : defaultMachineFolder(ctx.stateDir)
  const group = groups[0] && groups[0] !== '/' ? groups[0] : ''
  return path.join(base, ...group.split('/').filter(Boolean), name, `${name}.vbox`)
}

/** Machine::init refusing to overwrite a settings file (createvm, clonevm). */
export function refuseExistingSettings(ctx, cfgFile, where) {
  if (!fs.existsSync(cfgFile)) return
  ctx.report.fail({
    message: `Machine settings file '${cfgFile}' already exists`,
    hr: 'VBOX_E_FILE_ERROR',
    component: 'MachineWrap',
    iface: 'IMachine',
    ...where,
  })
}

/** The settings file as VirtualBox starts it: the machine's UUID and name are what a reader looks for. */
export function writeSettingsFile(m) {
  fs.mkdirSync(path.dirname(m.cfgFile), { recursive: true })
  fs.writeFileSync(
    m.cfgFile,
    [
      '<?xml version="1.0"?>',
      '<!-- VBoxManage simulator: a settings file holding what vmlab reads of one -->',
      '<VirtualBox xmlns="http://www.virtualbox.org/" version="1.19-linux">',
      `  <Machine uuid="{${m.uuid}}" name="${m.name}" OSType="${m.config.ostype}" snapshotFolder="Snapshots">`,
      '  </Machine>',
      '</VirtualBox>',
      '',
    ].join('\n'),
  )
}

export function runCreateVm(ctx, args) {
  const defs = [
    { key: 'name', names: ['--name', '-name'], arg: 'string' },
    { key: 'groups', names: ['--groups'], arg: 'string' },
    { key: 'basefolder', names: ['--basefolder', '-basefolder'], arg: 'string' },
    { key: 'ostype', names: ['--ostype', '-ostype'], arg: 'string' },
    { key: 'uuid', names: ['--uuid', '-uuid'], arg: 'string' },
    { key: 'register', names: ['--register', '-register'], arg: 'none' },
    { key: 'default', names: ['--default', '-default'], arg: 'none' },
  ]
  // 7.1 made VMs of one platform or the other; earlier releases know no such option (getopt says so).
  if (ctx.env.version.major > 7 || (ctx.env.version.major === 7 && ctx.env.version.minor >= 1)) {
    defs.push({ key: 'platform', names: ['--platform-architecture', '--platform-arch'], arg: 'string' })
  }
  const o = { groups: ['/'] }
  for (const opt of getopt(ctx.report, 'createvm', args, defs)) {
    if (opt.positional !== undefined) syntaxError(ctx.report, 'createvm', `Invalid parameter '${opt.positional}'`, { blankBeforeUsage: false })
    else if (opt.key === 'groups') o.groups = parseGroups(opt.value)
    else o[opt.key] = opt.value ?? true
  }
  if (!o.name) syntaxError(ctx.report, 'createvm', 'Parameter --name is required')
  const platform = (o.platform ?? 'x86').toLowerCase()
  if (platform !== 'x86' && platform !== 'arm') syntaxError(ctx.report, 'createvm', `Invalid --platform-architecture argument '${o.platform}'`, { blankBeforeUsage: false })

  const { version } = ctx.env
  const where = {
    call:
      version.major >= 7
        ? 'CreateMachine(bstrSettingsFile.raw(), bstrName.raw(), ComSafeArrayAsInParam(groups), bstrOsTypeId.raw(), createFlags.raw(), bstrCipher.raw(), bstrPasswordId.raw(), Bstr(strPassword).raw(), machine.asOutParam())'
        : 'CreateMachine(bstrSettingsFile.raw(), bstrName.raw(), ComSafeArrayAsInParam(groups), bstrOsTypeId.raw(), createFlags.raw(), machine.asOutParam())',
    file: 'VBoxManageMisc.cpp',
    line: srcLine(version, 383, 274),
  }
  const ostype = o.ostype ?? (platform === 'arm' ? 'Other_arm64' : 'Other')
  if (!findOsType(version, ostype) || osTypePlatform(ostype) !== platform) {
    ctx.report.fail({
      message: `Guest OS type '${ostype}' is invalid`,
      hr: 'VBOX_E_OBJECT_NOT_FOUND',
      component: 'VirtualBoxWrap',
      iface: 'IVirtualBox',
      ...where,
    })
  }
  const cfgFile = composeSettingsFile(ctx, o.name, o.groups, o.basefolder)
  refuseExistingSettings(ctx, cfgFile, where)

  const m = newMachine({ name: o.name, ostype, groups: o.groups, cfgFile, uuid: o.uuid?.toLowerCase(), now: ctx.now })
  m.config.platform = platform
  writeSettingsFile(m)
  const register = (ctx) => {
    if (o.register) ctx.state.machines.push(m)
    ctx.report.line(`Virtual machine '${o.name}' is created${o.register ? ' and registered' : ''}.`)
    ctx.report.line(`UUID: ${m.uuid}`)
    ctx.report.line(`Settings file: '${cfgFile}'`)
  }
  // handleCreateVM saves the settings file, then registers the machine, then prints: a VBoxManage killed
  // in between leaves a settings file no registered VM owns (VMLAB_SIM_CREATE_SECONDS widens that moment).
  if (o.register && ctx.env.createSeconds > 0) ctx.later = { afterSeconds: ctx.env.createSeconds, run: register }
  else register(ctx)
}
