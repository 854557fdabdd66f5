// `VBoxManage startvm` (VBoxManageMisc.cpp) and `controlvm` (VBoxManageControlVM.cpp).
// A started VM "boots" from what is attached: with an OEMDRV disc it installs and powers
// itself off after VMLAB_SIM_INSTALL_SECONDS; with an installed disk it runs an OS that
// honours ACPI; otherwise it sits at the installer's boot menu forever.
import fs from 'node:fs'
import path from 'node:path'
import { getopt } from './getopt.mjs'
import { syntaxError } from './usage.mjs'
import { Exit, srcLine } from './report.mjs'
import { hasInstalledOs, isoLabel, mediumById } from './media.mjs'
import { allAttachments, hddAttachments, isRunning, logFolder, MAX_NICS, nvramFile, powerOff, requireMachine, sessionState, lockShared } from './machines.mjs'
import { addRedirect, removeRedirect } from './nat.mjs'
import { savedStateFile } from './snapshots.mjs'
import { CALLS } from './calls.mjs'

function bootMode(ctx, m) {
  const labels = allAttachments(m.config)
    .filter((a) => a.type === 'dvddrive' && a.medium)
    .map((a) => isoLabel(mediumById(ctx.state, a.medium).location))
  const mode = labels.includes('OEMDRV') ? 'install' : hddAttachments(m.config).some((a) => hasInstalledOs(ctx.state, a.medium)) ? 'os' : 'menu'
  return { mode, startedAt: ctx.now }
}

/** What the VM process writes when it runs: the log and (7.x) the NVRAM file. */
function touchRuntimeFiles(ctx, m, how) {
  fs.mkdirSync(logFolder(m), { recursive: true })
  fs.appendFileSync(path.join(logFolder(m), 'VBox.log'), `VBoxManage simulator: VM started at ${new Date(ctx.now).toISOString()}, ${how}\n`)
  if (ctx.env.version.major >= 7 && !fs.existsSync(nvramFile(m))) fs.writeFileSync(nvramFile(m), 'VBoxManage simulator: NVRAM\n')
}

function startOne(ctx, ref, sessionType) {
  const { version } = ctx.env
  const m = requireMachine(ctx, ref, {
    call: 'FindMachine(Bstr(pszVM).raw(), machine.asOutParam())',
    file: 'VBoxManageMisc.cpp',
    line: srcLine(version, 698, 595),
  })
  if (sessionState(ctx, m) !== 'unlocked') {
    ctx.report.fail({
      message: `The machine '${m.name}' is already locked by a session (or being locked or unlocked)`,
      hr: 'VBOX_E_INVALID_OBJECT_STATE',
      component: 'MachineWrap',
      iface: 'IMachine',
      call: CALLS.launch,
      file: 'VBoxManageMisc.cpp',
      line: srcLine(version, 728, 626),
    })
  }
  ctx.report.line(`Waiting for VM "${ref}" to power on...`)
  // The VM process failed to start: ProgressErrorInfo, printed without a Context line.
  const startFailed = (message, component, iface) => {
    ctx.report.msg(message)
    ctx.report.msg(`Details: code ${ctx.conv.hresult('E_FAIL')}, component ${component}, interface ${iface}`)
    throw new Exit(1)
  }
  if (ctx.env.kernelModuleMissing && ctx.env.hostOs === 'linux') {
    startFailed(`The virtual machine '${m.name}' has terminated unexpectedly during startup with exit code 1 (0x1)`, 'MachineWrap', 'IMachine')
  }
  for (let i = 0; i < MAX_NICS; i++) {
    const nic = m.config.nics[i]
    if (nic.enabled && nic.attachment === 'hostonly' && !ctx.state.hostonlyifs.some((h) => h.name === nic.hostonly)) {
      startFailed(`Nonexistent host networking interface, name '${nic.hostonly}' (VERR_INTERNAL_ERROR)`, 'ConsoleWrap', 'IConsole')
    }
  }
  // From a saved state (savestate, or a snapshot restored with its memory) the guest goes on where it was:
  // no boot. Anything else is a power-on, and the guest boots (m.boots counts them, for tests).
  const resumed = m.state === 'saved' && m.savedFile && m.savedGuest ? m.savedGuest : null
  if (m.state === 'saved' && m.savedFile) fs.rmSync(m.savedFile, { force: true })
  m.savedFile = null
  m.savedGuest = null
  m.state = 'running'
  m.stateChangeTime = ctx.now
  m.sessionType = sessionType || 'gui'
  m.boot = resumed ?? bootMode(ctx, m)
  if (!resumed) m.boots = (m.boots ?? 0) + 1
  m.acpiPressedAt = null
  touchRuntimeFiles(ctx, m, resumed ? 'resumed from its saved state' : 'booted')
  ctx.report.line(`VM "${ref}" has been successfully started.`)
}

export function runStartVm(ctx, args) {
  const defs = [
    { key: 'type', names: ['--type', '-type'], arg: 'string' },
    { key: 'putenv', names: ['--putenv', '-E'], arg: 'string' },
  ]
  const vms = []
  let type = ''
  for (const o of getopt(ctx.report, 'startvm', args, defs)) {
    if (o.positional !== undefined) vms.push(o.positional)
    else if (o.key === 'type') type = o.value.toLowerCase()
  }
  if (vms.length === 0) syntaxError(ctx.report, 'startvm', 'at least one VM name or uuid required')
  let failed = false
  for (const vm of vms) {
    try {
      startOne(ctx, vm, type)
    } catch (e) {
      if (!(e instanceof Exit)) throw e
      failed = true
    }
  }
  if (failed) throw new Exit(1)
}

function hexByte(text) {
  return /^[0-9a-f]{2}$/i.test(text)
}

export function runControlVm(ctx, args) {
  const { version } = ctx.env
  const file = 'VBoxManageControlVM.cpp'
  if (args.length < 2) syntaxError(ctx.report, 'controlvm', 'Not enough parameters.')
  const m = requireMachine(ctx, args[0], {
    call: 'FindMachine(Bstr(a->argv[0]).raw(), machine.asOutParam())',
    file,
    line: srcLine(version, 315, 383),
  })
  const [, sub, ...rest] = args
  const invalidState = (state, must, call, line) =>
    ctx.report.fail({
      message: `Invalid machine state: ${state}${must}`,
      hr: 'VBOX_E_INVALID_VM_STATE',
      component: 'ConsoleWrap',
      iface: 'IConsole',
      call,
      file,
      line,
    })
  const powerDown = ['PowerDown(progress.asOutParam())', srcLine(version, 496, 564)]
  const powerButton = ['PowerButton()', srcLine(version, 546, 614)]
  // Right after a power-off the VM's session is still going away: the console answers for
  // a moment with its new state, other requests find the session locked.
  if (sessionState(ctx, m) === 'unlocking') {
    if (sub === 'poweroff') invalidState('PoweredOff', ' (must be Running, Paused or Stuck)', ...powerDown)
    if (sub === 'acpipowerbutton') invalidState('PoweredOff', '', ...powerButton)
  }
  lockShared(ctx, m, { call: CALLS.lockShared, file, line: srcLine(version, 320, 388) })
  if (!isRunning(m)) {
    ctx.report.msg(`Machine '${args[0]}' is not currently running${version.major >= 7 ? '.' : ''}`)
    throw new Exit(1)
  }
  if (sub === 'acpipowerbutton' && m.state === 'paused') invalidState('Paused', '', ...powerButton)
  const natpf = /^natpf(\d+)$/.exec(sub)
  if (sub === 'poweroff') {
    ctx.report.progress()
    powerOff(m, ctx.now)
  } else if (sub === 'acpipowerbutton') {
    // Only a booted OS reacts to the power button; an installer's boot menu ignores it.
    if (m.boot?.mode === 'os' && m.acpiPressedAt === null) m.acpiPressedAt = ctx.now
  } else if (sub === 'savestate') {
    ctx.report.progress()
    const guest = m.boot
    powerOff(m, ctx.now)
    m.savedGuest = guest
    m.state = 'saved'
    m.savedFile = savedStateFile(m, ctx.now)
    fs.mkdirSync(path.dirname(m.savedFile), { recursive: true })
    fs.writeFileSync(m.savedFile, 'VBoxManage simulator: saved state\n')
  } else if (sub === 'pause' || sub === 'resume') {
    // Console::pause refuses a VM that is paused already; Console::resume one that is not paused.
    if (sub === 'pause' && m.state === 'paused') invalidState('Paused', '', 'Pause()', srcLine(version, 466, 534))
    if (sub === 'resume' && m.state !== 'paused') {
      ctx.report.fail({
        message: 'Cannot resume the machine as it is not paused (machine state: Running)',
        hr: 'VBOX_E_INVALID_VM_STATE',
        component: 'ConsoleWrap',
        iface: 'IConsole',
        call: 'Resume()',
        file,
        line: srcLine(version, 481, 549),
      })
    }
    m.state = sub === 'pause' ? 'paused' : 'running'
    m.stateChangeTime = ctx.now
  } else if (sub === 'reset') {
    m.boot = bootMode(ctx, m)
  } else if (sub === 'keyboardputscancode') {
    if (rest.length === 0) syntaxError(ctx.report, 'controlvm', `Missing argument to '${sub}'.`)
    const bad = rest.find((b) => !hexByte(b))
    if (bad !== undefined) syntaxError(ctx.report, 'controlvm', `Error: '${bad}' is not a hex byte!`)
  } else if (natpf) {
    const n = Number(natpf[1])
    if (n < 1 || n > MAX_NICS) {
      ctx.report.msg(`Invalid NIC number ${n}`)
      throw new Exit(1)
    }
    const nic = m.config.nics[n - 1]
    if (rest.length === 0) syntaxError(ctx.report, 'controlvm', `Missing argument to '${sub}'.`)
    if (rest[0] === 'delete') {
      if (rest.length < 2) syntaxError(ctx.report, 'controlvm', `Missing argument to '${sub}'.`)
      removeRedirect(ctx, nic, rest[1], { file, line: srcLine(version, 1060, 1117) })
    } else addRedirect(ctx, nic, rest[0], { command: 'controlvm', option: sub, nicNumber: n, file, line: srcLine(version, 1040, 1097) })
  } else {
    syntaxError(ctx.report, 'controlvm', `Invalid parameter '${sub}'`)
  }
}
