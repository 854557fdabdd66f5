// One exclusive lock file around every invocation: the code under test runs VBoxManage in
// parallel (clones), and each invocation reads, changes and writes the whole state.
import fs from 'node:fs'
import path from 'node:path'

const WAIT_MS = 60_000
const sleeper = new Int32Array(new SharedArrayBuffer(4))

function sleep(ms) {
  Atomics.wait(sleeper, 0, 0, ms)
}

function holderIsGone(lockPath) {
  let pid
  try {
    pid = Number(fs.readFileSync(lockPath, 'utf8'))
  } catch {
    return false // vanished or half-written: just retry
  }
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return false
  } catch (e) {
    return e.code === 'ESRCH'
  }
}

export async function withLock(dir, fn) {
  fs.mkdirSync(dir, { recursive: true })
  const lockPath = path.join(dir, 'state.lock')
  const deadline = Date.now() + WAIT_MS
  let fd
  for (;;) {
    try {
      fd = fs.openSync(lockPath, 'wx')
      break
    } catch (e) {
      if (e.code !== 'EEXIST') throw e
      // A holder that died (killed test run) must not block every later run.
      if (holderIsGone(lockPath)) {
        fs.rmSync(lockPath, { force: true })
        continue
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for the simulator lock ${lockPath}`)
      sleep(5 + Math.floor(Math.random() * 20))
    }
  }
  try {
    fs.writeSync(fd, String(process.pid))
    fs.closeSync(fd)
    return await fn()
  } finally {
    fs.rmSync(lockPath, { force: true })
  }
}
