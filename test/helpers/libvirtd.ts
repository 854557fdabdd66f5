/**
 * A libvirt daemon for the tests that need a real one (qemu:///system): the one running, else one started here
 * (as root, from libvirt-daemon-system) and stopped by its PID at the end; and a storage pool of the test's own
 * in a temporary folder, removed at the end. undefined when neither can be had (the test then skips, saying why).
 */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const URI = 'qemu:///system'

function virsh(...args: string[]) {
  return spawnSync('virsh', ['-c', URI, ...args], { encoding: 'utf8', env: { ...process.env, LANG: 'C' } })
}

export interface TestLibvirt {
  uri: string
  pool: string
  stop(): void
}

export async function testLibvirt(): Promise<TestLibvirt | string> {
  if (spawnSync('virsh', ['--version']).status !== 0) return 'virsh is not installed (apt install libvirt-clients)'
  let pidFile: string | undefined
  if (virsh('version').status !== 0) {
    if (process.getuid?.() !== 0 || !existsSync('/usr/sbin/libvirtd')) return 'no libvirt daemon runs, and this test cannot start one (root and libvirt-daemon-system needed)'
    pidFile = join(tmpdir(), `vmlab-test-libvirtd-${process.pid}.pid`)
    spawn('/usr/sbin/libvirtd', ['--pid-file', pidFile], { detached: true, stdio: 'ignore' }).unref()
    for (let i = 0; i < 50 && virsh('version').status !== 0; i++) await new Promise((r) => setTimeout(r, 200))
    if (virsh('version').status !== 0) return 'libvirtd did not answer within 10 s'
  }
  const pool = `vmlab-test-${process.pid}`
  const dir = mkdtempSync(join(tmpdir(), 'vmlab-pool-'))
  for (const args of [
    ['pool-define-as', pool, 'dir', '--target', dir],
    ['pool-start', pool],
  ]) {
    const r = virsh(...args)
    if (r.status !== 0) return `could not make the test pool: ${r.stderr}`
  }
  return {
    uri: URI,
    pool,
    stop() {
      virsh('pool-destroy', pool)
      virsh('pool-undefine', pool)
      rmSync(dir, { recursive: true, force: true })
      if (pidFile && existsSync(pidFile)) {
        const pid = Number(readFileSync(pidFile, 'utf8').trim())
        if (pid > 0) process.kill(pid, 'SIGTERM')
      }
    },
  }
}
