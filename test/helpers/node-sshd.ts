/**
 * Stand-in guests for a simulated lab: one OpenSSH server per node on the node's lab address, port 22, with
 * the host key vmlab generated for that node and the lab's own key authorized for root. With them, `lab up`
 * against a simulator gets past SSH to a finished lab (snapshot `ready`) instead of stopping where SSH is
 * tried. Commands run on this machine, so the guest side is kept harmless: a clock step (`date -s`, chronyc)
 * is answered by shims instead of touching the host's clock, and every command is recorded.
 *
 * Needs root (port 22, root login) and openssh-server.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync, chmodSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { loadLab } from '../../src/lab/load.js'
import { ensureCredentials } from '../../src/engine/credentials.js'
import { ensureHostKeys } from '../../src/engine/node-identity.js'

export interface NodeSshds {
  /** Every command the stand-in guests were asked to run, in order. */
  commands(): string[]
  stop(): Promise<void>
}

const SHIMS: Record<string, string> = {
  date: '#!/bin/sh\nfor a in "$@"; do case "$a" in -s|--set*) exit 0;; esac; done\nexec /bin/date "$@"\n',
  chronyc: '#!/bin/sh\nexit 0\n',
}

/** Makes the lab's keys (as `lab up` would, and keeps them) and starts a server for every node. */
export async function startNodeSshds(t: { teardown(fn: () => unknown): void }, labDir: string, file = 'lab.yaml'): Promise<NodeSshds> {
  const loaded = await loadLab(file, { cwd: labDir })
  const creds = await ensureCredentials(loaded)
  const dir = join(labDir, 'guests')
  const shims = join(dir, 'bin')
  mkdirSync(shims, { recursive: true })
  for (const [name, text] of Object.entries(SHIMS)) writeFileSync(join(shims, name), text, { mode: 0o755 })
  const log = join(dir, 'commands.log')
  const shell = join(dir, 'guest-shell')
  writeFileSync(shell, `#!/bin/sh\nprintf '%s\\n' "$SSH_ORIGINAL_COMMAND" >> ${log}\nPATH=${shims}:$PATH; export PATH\nexec /bin/sh -c "$SSH_ORIGINAL_COMMAND"\n`, { mode: 0o755 })
  writeFileSync(join(dir, 'authorized_keys'), creds.publicKey + '\n', { mode: 0o644 })
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 })

  const children: ChildProcess[] = []
  for (const node of loaded.lab.nodes) {
    const keys = await ensureHostKeys(loaded.stateDir, node)
    const hostKey = join(dir, `${node.name}_host_key`)
    writeFileSync(hostKey, keys.ed25519.private, { mode: 0o600 })
    chmodSync(hostKey, 0o600)
    const config = join(dir, `${node.name}_sshd_config`)
    writeFileSync(
      config,
      [
        `ListenAddress ${node.ip}:22`,
        `HostKey ${hostKey}`,
        `PidFile ${join(dir, `${node.name}.pid`)}`,
        `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
        `ForceCommand ${shell}`,
        'StrictModes no',
        'UsePAM no',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'PermitRootLogin prohibit-password',
        'MaxStartups 100',
        '',
      ].join('\n'),
    )
    const child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] })
    children.push(child)
    await new Promise<void>((resolve, reject) => {
      let text = ''
      child.stderr!.on('data', (d: Buffer) => {
        text += d.toString()
        if (text.includes('Server listening on')) resolve()
      })
      child.once('exit', (code) => reject(new Error(`sshd for ${node.name} exited with ${code}:\n${text}`)))
    })
  }
  const stop = async () => {
    await Promise.all(children.map((c) => (c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((r) => (c.once('exit', r), c.kill('SIGTERM'))))))
  }
  t.teardown(stop)
  return {
    commands: () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []),
    stop,
  }
}
