// The simulator's knobs, all read from the environment so that the code under test runs
// the simulator exactly as it would run the real VBoxManage (same argv, no extra flags).
import os from 'node:os'

const HOST_OSES = ['linux', 'darwin', 'windows']

/** Parses "7.0.14r161095" / "6.1.50r161033" into numbers; the raw text is what --version prints. */
export function parseVersion(raw) {
  const m = /^(\d+)\.(\d+)\.(\d+)(?:[_A-Za-z]*)?(?:r(\d+))?$/.exec(raw)
  if (!m) throw new Error(`VMLAB_SIM_VBOX_VERSION='${raw}' is not a version like 7.0.14r161095`)
  return { raw, major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) }
}

function seconds(env, name, fallback) {
  const text = env[name]
  if (text === undefined || text === '') return fallback
  const n = Number(text)
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name}='${text}' is not a number of seconds`)
  return n
}

/** "clonevm:1,startvm:2" → Map { clonevm → 1, startvm → 2 } */
function parseFailures(text) {
  const failures = new Map()
  if (!text) return failures
  for (const part of text.split(',')) {
    const m = /^\s*([a-z]+)(?::(\d+))?\s*$/.exec(part)
    if (!m) throw new Error(`VMLAB_SIM_FAIL='${text}': expected entries like clonevm:1`)
    failures.set(m[1], m[2] === undefined ? 1 : Number(m[2]))
  }
  return failures
}

export function readEnv(env = process.env) {
  const stateDir = env.VMLAB_SIM_STATE
  if (!stateDir) {
    throw new Error('VMLAB_SIM_STATE is not set: point it at a directory where the simulated VirtualBox keeps its state (a temp dir in tests)')
  }
  const hostOs = env.VMLAB_SIM_HOST_OS || 'linux'
  if (!HOST_OSES.includes(hostOs)) throw new Error(`VMLAB_SIM_HOST_OS='${hostOs}': expected one of ${HOST_OSES.join(', ')}`)
  const kernel = env.VMLAB_SIM_KERNEL_MODULE || 'loaded'
  if (kernel !== 'loaded' && kernel !== 'missing') {
    throw new Error(`VMLAB_SIM_KERNEL_MODULE='${kernel}': expected 'missing' (or unset)`)
  }
  return {
    stateDir,
    version: parseVersion(env.VMLAB_SIM_VBOX_VERSION || '7.0.14r161095'),
    hostOs,
    kernelModuleMissing: kernel === 'missing',
    // undefined = /etc/vbox/networks.conf absent
    networksConf: env.VMLAB_SIM_NETWORKS_CONF,
    installSeconds: seconds(env, 'VMLAB_SIM_INSTALL_SECONDS', 2),
    lockSeconds: seconds(env, 'VMLAB_SIM_LOCK_SECONDS', 1),
    acpiSeconds: seconds(env, 'VMLAB_SIM_ACPI_SECONDS', 1),
    // How long `snapshot take` works before the snapshot exists (0: at once).
    snapshotSeconds: seconds(env, 'VMLAB_SIM_SNAPSHOT_SECONDS', 0),
    // How long `createvm --register` waits between writing the settings file and registering the VM.
    createSeconds: seconds(env, 'VMLAB_SIM_CREATE_SECONDS', 0),
    // Invocations matching a line of this file wait while it does (see hold.mjs).
    holdFile: env.VMLAB_SIM_HOLD || undefined,
    failSpec: env.VMLAB_SIM_FAIL || '',
    failures: parseFailures(env.VMLAB_SIM_FAIL),
    kernelRelease: os.release(),
  }
}
