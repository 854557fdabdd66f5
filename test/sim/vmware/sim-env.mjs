// The knobs that turn this machine into the VMware host a test wants (see README-vmware.md).

export class SimConfigError extends Error {}

const PRODUCTS = ['ws', 'fusion', 'player']
const HOST_OSES = ['linux', 'darwin', 'windows']

/** Reads and checks the VMLAB_SIM_* variables; `needState` is false for usage-only calls. */
export function readSimEnv(env, { needState }) {
  const hostOs = pick(env, 'VMLAB_SIM_HOST_OS', HOST_OSES, 'linux')
  const product = pick(env, 'VMLAB_SIM_VMWARE_PRODUCT', PRODUCTS, hostOs === 'darwin' ? 'fusion' : 'ws')
  const installSeconds = Number(env.VMLAB_SIM_INSTALL_SECONDS ?? '2')
  if (!Number.isFinite(installSeconds) || installSeconds < 0) {
    throw new SimConfigError(`VMLAB_SIM_INSTALL_SECONDS must be a number of seconds >= 0 (got "${env.VMLAB_SIM_INSTALL_SECONDS}")`)
  }
  const snapshotSeconds = Number(env.VMLAB_SIM_SNAPSHOT_SECONDS || '0')
  if (!Number.isFinite(snapshotSeconds) || snapshotSeconds < 0) {
    throw new SimConfigError(`VMLAB_SIM_SNAPSHOT_SECONDS must be a number of seconds >= 0 (got "${env.VMLAB_SIM_SNAPSHOT_SECONDS}")`)
  }
  const lockSeconds = Number(env.VMLAB_SIM_LOCK_SECONDS || '0')
  if (!Number.isFinite(lockSeconds) || lockSeconds < 0) {
    throw new SimConfigError(`VMLAB_SIM_LOCK_SECONDS must be a number of seconds >= 0 (got "${env.VMLAB_SIM_LOCK_SECONDS}")`)
  }
  const tools = env.VMLAB_SIM_VMWARE_TOOLS ?? '0'
  if (tools !== '0' && tools !== '1') {
    throw new SimConfigError(`VMLAB_SIM_VMWARE_TOOLS must be 0 or 1 (got "${tools}")`)
  }
  const stateDir = env.VMLAB_SIM_STATE
  if (needState && !stateDir) {
    throw new SimConfigError('VMLAB_SIM_STATE is not set: point it at a writable directory where the simulated VMware host keeps its state')
  }
  return {
    hostOs,
    product,
    installMs: installSeconds * 1000,
    // How long `vmrun snapshot` works before the snapshot exists (0: at once).
    snapshotMs: snapshotSeconds * 1000,
    // While a file is at this path, `vmrun snapshot` waits before the snapshot exists: a test holds the moment open.
    snapshotHold: env.VMLAB_SIM_SNAPSHOT_HOLD || undefined,
    // How long the VMware process of a VM that powered off still holds its files.
    lockMs: lockSeconds * 1000,
    tools: tools === '1',
    stateDir,
    failSpecs: parseFailSpecs(env.VMLAB_SIM_FAIL ?? ''),
    // Real vmrun.exe ends lines with CRLF; callers on Windows must cope with it.
    eol: hostOs === 'windows' ? '\r\n' : '\n',
    // Windows and macOS file systems ignore case, so one VM may be named with two spellings.
    pathKey: hostOs === 'linux' ? (p) => p : (p) => p.toLowerCase(),
  }
}

function pick(env, name, allowed, fallback) {
  const value = env[name] ?? fallback
  if (!allowed.includes(value)) {
    throw new SimConfigError(`${name} must be one of ${allowed.join(', ')} (got "${value}")`)
  }
  return value
}

/**
 * VMLAB_SIM_FAIL="cmd[:exit][=message],..." — each entry fails the next call of `cmd` once.
 * The message defaults to VIX's generic "Error: Unknown error"; `exit` lets a test reproduce
 * vmrun's habit of printing an error with exit code 0.
 */
function parseFailSpecs(text) {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((spec, index) => {
      const eq = spec.indexOf('=')
      const head = eq === -1 ? spec : spec.slice(0, eq)
      const message = eq === -1 ? undefined : spec.slice(eq + 1)
      const [command, exit] = head.split(':')
      const exitCode = exit === undefined ? undefined : Number(exit)
      if (!command || (exit !== undefined && !Number.isInteger(exitCode))) {
        throw new SimConfigError(`VMLAB_SIM_FAIL entry "${spec}" is not of the form cmd[:exit][=message]`)
      }
      return { id: `${index}:${spec}`, command: command.toLowerCase(), exitCode, message }
    })
}
