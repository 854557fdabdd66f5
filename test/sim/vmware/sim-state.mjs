// The simulated host's runtime state (which VMs run, since when) in one JSON file, guarded by
// an exclusive lock file because tests run several vmrun processes at once. Everything VMware
// itself keeps on disk (.vmx, .vmsd, .vmdk) lives in those real files, not here.

import fs from 'node:fs'
import path from 'node:path'

const STATE_FILE = 'vmware-host.json'
const LOCK_FILE = 'vmware-host.lock'
const LOCK_WAIT_MS = 60_000
const STALE_LOCK_MS = 120_000

function emptyState() {
  return { version: 1, vms: {}, installedDisks: {}, consumedFailures: [], startSeq: 0 }
}

export function sleepSync(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

function processAlive(pid) {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return error.code === 'EPERM'
  }
}

/** A lock whose owner died, or that is far older than any command takes, is broken. */
function breakIfStale(lockPath) {
  try {
    const pid = Number(fs.readFileSync(lockPath, 'utf8'))
    const age = Date.now() - fs.statSync(lockPath).mtimeMs
    if ((Number.isInteger(pid) && pid > 0 && !processAlive(pid)) || age > STALE_LOCK_MS) {
      fs.rmSync(lockPath, { force: true })
    }
  } catch {
    // The owner released it between our attempts: just retry.
  }
}

function acquire(lockPath) {
  const deadline = Date.now() + LOCK_WAIT_MS
  for (;;) {
    try {
      const fd = fs.openSync(lockPath, 'wx')
      fs.writeSync(fd, String(process.pid))
      fs.closeSync(fd)
      return
    } catch (error) {
      if (error.code !== 'EEXIST') throw error
    }
    if (Date.now() > deadline) {
      throw new Error(`vmware simulator: timed out waiting for ${lockPath}`)
    }
    breakIfStale(lockPath)
    sleepSync(10 + Math.floor(Math.random() * 30))
  }
}

/**
 * Runs `fn(state)` with the lock held and saves the state afterwards, also when `fn` throws:
 * a consumed injected failure or a VM that powered itself off must stay recorded.
 */
export function withHostState(stateDir, fn) {
  fs.mkdirSync(stateDir, { recursive: true })
  const lockPath = path.join(stateDir, LOCK_FILE)
  const statePath = path.join(stateDir, STATE_FILE)
  acquire(lockPath)
  try {
    const state = fs.existsSync(statePath) ? JSON.parse(fs.readFileSync(statePath, 'utf8')) : emptyState()
    try {
      return fn(state)
    } finally {
      const tmp = `${statePath}.${process.pid}.tmp`
      fs.writeFileSync(tmp, JSON.stringify(state, null, 2))
      fs.renameSync(tmp, statePath)
    }
  } finally {
    fs.rmSync(lockPath, { force: true })
  }
}
