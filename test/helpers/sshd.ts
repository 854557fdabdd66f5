/**
 * A real OpenSSH server on 127.0.0.1 for the guest-layer tests: throw-away ed25519 keys, its
 * own config, pid file and authorized keys in a temp dir, two test users (one with
 * passwordless sudo, one with no sudo rights). Needs root and the Debian packages
 * openssh-server, openssh-client and sudo.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { rmSync } from 'node:fs'
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { run } from '../../src/util/run.js'

export const SUDO_USER = 'vmlabsudo'
export const PLAIN_USER = 'vmlabplain'

export interface KeyPair {
  private: string
  public: string
}

export interface TestSshd {
  host: string
  port: number
  /** The server's host key (the public line is what a session pins). */
  hostKey: KeyPair
  /** Login keys, authorized for root, SUDO_USER and PLAIN_USER. */
  userKey: KeyPair
  /** Starts sshd (again) on the same port with the same keys; resolves once it listens. */
  start(): Promise<void>
  /** Stops the listener and every connection it serves. */
  stop(): Promise<void>
  /** Stops and removes the temp dir and the sudoers drop-in. */
  destroy(): Promise<void>
  /** Kills the sshd processes serving open connections, as a crash or a reboot would; the listener stays. */
  killConnections(): Promise<number>
  /** TCP connections sshd accepted since it was created. */
  connections(): number
  log(): string
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

export async function keygen(dir: string, name: string): Promise<KeyPair> {
  const path = join(dir, name)
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `${name}@vmlab-test`, '-f', path])
  return { private: await readFile(path, 'utf8'), public: (await readFile(`${path}.pub`, 'utf8')).trim() }
}

/** useradd from parallel test files can collide on /etc/passwd's lock: retry until the user exists. */
async function ensureUser(name: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    if ((await run('id', ['-u', name], { reject: false })).exitCode === 0) return
    // '*' (no password, not locked): sshd without PAM refuses accounts whose password is locked ('!').
    const made = await run('useradd', ['-m', '-s', '/bin/sh', '-p', '*', name], { reject: false })
    if (made.exitCode === 0) return
    if (attempt >= 20) throw new Error(`useradd ${name} failed: ${made.stderr}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

/** Prepares keys, users and config on a free port; call start() to run sshd. */
export async function createSshd(): Promise<TestSshd> {
  const dir = await mkdtemp(join(tmpdir(), 'vmlab-sshd-'))
  // sshd reads authorized_keys as the logging-in user, so the directory must be traversable.
  await chmod(dir, 0o755)
  const port = await freePort()
  const hostKey = await keygen(dir, 'ssh_host_ed25519_key')
  const userKey = await keygen(dir, 'user_key')
  await ensureUser(SUDO_USER)
  await ensureUser(PLAIN_USER)
  await mkdir(join(dir, 'authorized_keys'), { mode: 0o755 })
  for (const user of ['root', SUDO_USER, PLAIN_USER]) {
    await writeFile(join(dir, 'authorized_keys', user), `${userKey.public}\n`, { mode: 0o644 })
  }
  const sudoers = `/etc/sudoers.d/vmlab-test-${port}`
  await writeFile(sudoers, `${SUDO_USER} ALL=(ALL) NOPASSWD: ALL\n`, { mode: 0o440 })
  const config = join(dir, 'sshd_config')
  await writeFile(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'ssh_host_ed25519_key')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys', '%u')}`,
      'StrictModes no',
      'UsePAM no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'PermitRootLogin prohibit-password',
      'Subsystem sftp internal-sftp',
      // VERBOSE logs one "Connection from" line per TCP connection, which the tests count.
      'LogLevel VERBOSE',
      'MaxStartups 100',
      '',
    ].join('\n'),
  )
  // Debian's sshd refuses to start without its privilege separation directory (made by systemd at boot).
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 })

  let child: ChildProcess | undefined
  let logText = ''

  // Should the test process end without its teardown (an uncaught error), still leave nothing behind.
  const onExit = (): void => {
    child?.kill('SIGKILL')
    rmSync(sudoers, { force: true })
    rmSync(dir, { recursive: true, force: true })
  }
  process.once('exit', onExit)

  const start = async (): Promise<void> => {
    if (child) return
    const proc = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] })
    child = proc
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer): void => {
        logText += chunk.toString('utf8')
        if (logText.includes(`Server listening on 127.0.0.1 port ${port}.`)) resolve()
      }
      proc.stderr?.on('data', onData)
      proc.once('exit', (code) => {
        if (child === proc) child = undefined
        reject(new Error(`sshd exited with ${code}:\n${logText}`))
      })
      proc.once('error', reject)
    })
  }

  const serving = async (): Promise<number[]> => {
    const listener = child?.pid
    if (listener === undefined) return []
    return (await descendants(listener)).filter((p) => p.comm === 'sshd').map((p) => p.pid)
  }

  const killConnections = async (): Promise<number> => {
    // Right after a login, sshd's monitor is still forking the session's own process: a child killed after its
    // parent would be reparented out of the tree and keep the connection open. Kill once the tree holds still.
    let pids = await serving()
    for (let tries = 0; tries < 20; tries++) {
      await new Promise((r) => setTimeout(r, 100))
      const again = await serving()
      if (again.length === pids.length && again.every((p, i) => p === pids[i])) break
      pids = again
    }
    for (const pid of pids) killQuietly(pid)
    return pids.length
  }

  const stop = async (): Promise<void> => {
    const proc = child
    if (!proc) return
    await killConnections()
    if (proc.exitCode !== null || proc.signalCode !== null) return
    const exited = new Promise((resolve) => proc.once('exit', resolve))
    proc.kill('SIGTERM')
    await exited
  }

  return {
    host: '127.0.0.1',
    port,
    hostKey,
    userKey,
    start,
    stop,
    destroy: async () => {
      process.removeListener('exit', onExit)
      await stop()
      await rm(sudoers, { force: true })
      await rm(dir, { recursive: true, force: true })
    },
    killConnections,
    connections: () => (logText.match(/^Connection from /gm) ?? []).length,
    log: () => logText,
  }
}

/** A started server that tap stops and cleans up when the test file ends. */
export async function startSshd(t: { teardown(fn: () => unknown): void }): Promise<TestSshd> {
  const sshd = await createSshd()
  t.teardown(() => sshd.destroy())
  await sshd.start()
  return sshd
}

interface Proc {
  pid: number
  ppid: number
  comm: string
}

async function processes(): Promise<Proc[]> {
  const out: Proc[] = []
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '')
    // pid (comm) state ppid …; comm may contain spaces and parentheses, so split at the last ')'.
    const close = stat.lastIndexOf(')')
    if (close === -1) continue
    const comm = stat.slice(stat.indexOf('(') + 1, close)
    const ppid = Number(stat.slice(close + 2).split(' ')[1])
    out.push({ pid: Number(name), ppid, comm })
  }
  return out
}

async function descendants(root: number): Promise<Proc[]> {
  const all = await processes()
  const found: Proc[] = []
  const queue = [root]
  while (queue.length > 0) {
    const parent = queue.shift()
    for (const p of all) {
      if (p.ppid === parent) {
        found.push(p)
        queue.push(p.pid)
      }
    }
  }
  return found
}

/** Processes whose command line contains `needle` (to check that a killed remote command is gone). */
export async function processesMatching(needle: string): Promise<number[]> {
  const pids: number[] = []
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue
    const cmdline = await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '')
    if (cmdline.split('\0').join(' ').includes(needle)) pids.push(Number(name))
  }
  return pids
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL')
  } catch {
    // Already gone.
  }
}
