// Machines: their settings, lookup by name or UUID, session locks, and the state changes that
// happen while nobody is looking (an unattended install powering the VM off, an ACPI
// shutdown finishing, the session lock that lingers after a power-off). Those are computed
// lazily from timestamps at the start of every invocation; no process runs a VM.
import path from 'node:path'
import { randomBytes, randomUUID } from 'node:crypto'
import { mediumById } from './media.mjs'

export const MAX_NICS = 8

/** A VirtualBox MAC: the 08:00:27 OUI and three random bytes, as showvminfo prints it. */
export function newMac() {
  return `080027${randomBytes(3).toString('hex').toUpperCase()}`
}

function defaultNic(slot) {
  return {
    enabled: slot === 0,
    attachment: slot === 0 ? 'nat' : 'null',
    type: '82540EM',
    mac: newMac(),
    cable: true,
    hostonly: '',
    hostonlynet: '',
    natpf: [],
  }
}

function defaultConfig(ostype) {
  return {
    ostype,
    memory: 128,
    cpus: 1,
    firmware: 'BIOS',
    boot: ['floppy', 'dvd', 'disk', 'none'],
    ioapic: true,
    rtcuseutc: false,
    graphicscontroller: 'vboxvga',
    vram: 8,
    audioEnabled: true,
    audioDriver: 'default',
    description: '',
    nics: Array.from({ length: MAX_NICS }, (_, i) => defaultNic(i)),
    storage: [],
  }
}

export function newMachine({ name, ostype, groups, cfgFile, uuid, now }) {
  const id = uuid ?? randomUUID()
  return {
    uuid: id,
    name,
    groups,
    cfgFile,
    hardwareuuid: id,
    config: defaultConfig(ostype),
    state: 'poweroff',
    stateChangeTime: now,
    sessionType: null,
    poweredOffAt: null,
    boot: null,
    /** Cold power-ons of the guest so far; a resume from a saved state is none. */
    boots: 0,
    /** The guest that a saved state holds (what `boot` was when it was saved). */
    savedGuest: null,
    acpiPressedAt: null,
    snapshots: [],
    currentSnapshot: null,
    guestProps: {},
  }
}

export function machineDir(m) {
  return path.dirname(m.cfgFile)
}

export function snapshotFolder(m) {
  return path.join(machineDir(m), 'Snapshots')
}

export function logFolder(m) {
  return path.join(machineDir(m), 'Logs')
}

export function nvramFile(m) {
  return path.join(machineDir(m), `${m.name}.nvram`)
}

export function findMachine(state, ref) {
  const id = ref.replace(/^\{|\}$/g, '').toLowerCase()
  return state.machines.find((m) => m.uuid === id) ?? state.machines.find((m) => m.name === ref)
}

/** FindMachine() with its CHECK_ERROR output when the VM does not exist. */
export function requireMachine(ctx, ref, { call, file, line }) {
  const m = findMachine(ctx.state, ref)
  if (m) return m
  return ctx.report.fail({
    message: `Could not find a registered machine named '${ref}'`,
    hr: 'VBOX_E_OBJECT_NOT_FOUND',
    component: 'VirtualBoxWrap',
    iface: 'IVirtualBox',
    call,
    file,
    line,
  })
}

export function isRunning(m) {
  return m.state === 'running' || m.state === 'paused'
}

/** Powers a VM off at time `at`; its session then stays locked for VMLAB_SIM_LOCK_SECONDS. */
export function powerOff(m, at) {
  m.state = 'poweroff'
  m.stateChangeTime = at
  m.sessionType = null
  m.boot = null
  m.acpiPressedAt = null
  m.poweredOffAt = at
}

/**
 * Applies what happened since the last invocation: installs finishing, ACPI shutdowns. The
 * delays are read from the environment of the current invocation, so a test can let time
 * "pass" by calling with a shorter delay.
 */
export function advanceClock(ctx) {
  const { installSeconds, acpiSeconds } = ctx.env
  for (const m of ctx.state.machines) {
    if (!isRunning(m)) continue
    const installedAt = m.boot?.mode === 'install' ? m.boot.startedAt + installSeconds * 1000 : Infinity
    const acpiAt = m.acpiPressedAt !== null ? m.acpiPressedAt + acpiSeconds * 1000 : Infinity
    const offAt = Math.min(installedAt, acpiAt)
    if (ctx.now < offAt) continue
    if (offAt === installedAt) {
      // The installer wrote an OS to the disk(s) before powering off.
      for (const a of hddAttachments(m.config)) mediumById(ctx.state, a.medium).installed = true
    }
    powerOff(m, offAt)
  }
}

/** 'locked' while a VM process holds it, 'unlocking' right after a power-off, else 'unlocked'. */
export function sessionState(ctx, m) {
  if (isRunning(m)) return 'locked'
  return m.poweredOffAt !== null && ctx.now < m.poweredOffAt + ctx.env.lockSeconds * 1000 ? 'unlocking' : 'unlocked'
}

function lockError(ctx, m, where) {
  return ctx.report.fail({
    message: `The machine '${m.name}' is already locked for a session (or being unlocked)`,
    hr: 'VBOX_E_INVALID_OBJECT_STATE',
    component: 'MachineWrap',
    iface: 'IMachine',
    ...where,
  })
}

/** LockMachine(LockType_Write): fails while the VM runs and while its session unlocks. */
export function lockForWrite(ctx, m, where) {
  if (sessionState(ctx, m) !== 'unlocked') lockError(ctx, m, where)
}

/** LockMachine(LockType_Shared): joins a running VM's session, fails while it unlocks. */
export function lockShared(ctx, m, where) {
  if (sessionState(ctx, m) === 'unlocking') lockError(ctx, m, where)
}

export function allAttachments(config) {
  return config.storage.flatMap((c) => c.attachments.map((a) => ({ ...a, controller: c.name })))
}

export function hddAttachments(config) {
  return allAttachments(config).filter((a) => a.type === 'hdd')
}

/** Every settings version of a machine: the current state and each snapshot. */
export function allConfigs(m) {
  return [m.config, ...m.snapshots.map((s) => s.config)]
}

/** Machines whose current state or snapshots use the medium. */
export function machinesUsing(state, mediumUuid) {
  return state.machines.filter((m) => allConfigs(m).some((c) => allAttachments(c).some((a) => a.medium === mediumUuid)))
}

export function clone(value) {
  return structuredClone(value)
}
