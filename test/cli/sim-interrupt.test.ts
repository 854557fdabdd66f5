/**
 * Fault injection: `lab up` killed with SIGKILL at each stage (watched through its journal), then either
 * resumed by the next `lab up` or cleaned up by `lab destroy`, against the VirtualBox simulator. Nothing
 * may be orphaned: no VM, disk or host-only network is left, and no VM is ever created twice.
 */
import t from 'tap'
import { writeFileSync, readFileSync, existsSync, readdirSync } from 'node:fs'
import { join, delimiter } from 'node:path'
import { execFileSync, spawn } from 'node:child_process'
import { lab, ROOT, LAB_BIN } from '../helpers/cli.js'
import { buildIso } from '../../src/media/iso9660.js'

t.setTimeout(1_800_000)

const SIM_BIN = join(ROOT, 'test', 'sim', 'bin')
const LAB = 'name: cut\nos: rocky9\nnetwork: { cidr: 127.78.0.0/24 }\ndefaults: { cpus: 1, memory: 1536, disk: 10 }\nnodes: [{ name: master }, { name: node1 }]\n'

function setup(t: { testdir: typeof t.testdir }) {
  const dir = t.testdir({ 'lab.yaml': LAB, state: {}, vms: {} })
  const iso = join(dir, 'install.iso')
  writeFileSync(iso, buildIso({ volumeId: 'ROCKY', files: [{ path: 'README', data: 'x\n' }] }))
  const conf = join(dir, 'networks.conf')
  writeFileSync(conf, '* 127.0.0.0/8\n')
  const env: NodeJS.ProcessEnv = {
    PATH: `${SIM_BIN}${delimiter}${process.env.PATH}`,
    NODE_OPTIONS: '',
    VMLAB_SIM_STATE: join(dir, 'state'),
    VMLAB_SIM_INSTALL_SECONDS: '2',
    VMLAB_SIM_ACPI_SECONDS: '0.2',
    VMLAB_SIM_LOCK_SECONDS: '0.2',
    VMLAB_SIM_NETWORKS_CONF: '* 127.0.0.0/8',
    VMLAB_VBOX_NETWORKS_CONF: conf,
    VMLAB_VBOX_VM_FOLDER: join(dir, 'vms'),
    VMLAB_CACHE_DIR: join(dir, 'cache'),
    VMLAB_SSH_TIMEOUT: '2',
  }
  const vbox = (...args: string[]) => execFileSync(join(SIM_BIN, 'VBoxManage'), args, { env: { ...process.env, ...env }, encoding: 'utf8' })
  return { dir, env, iso, vbox }
}

/** Starts `lab up` and kills it with SIGKILL as soon as its journal shows `line`. */
async function upKilledAt(dir: string, env: NodeJS.ProcessEnv, iso: string, line: RegExp): Promise<boolean> {
  const journal = join(dir, '.lab', 'cut', 'journal.jsonl')
  const child = spawn(process.execPath, [LAB_BIN, 'up', '--provider', 'virtualbox', '--iso', iso], { cwd: dir, env: { ...process.env, ...env }, stdio: 'ignore' })
  const exited = new Promise<void>((r) => child.on('exit', () => r()))
  let killed = false
  for (;;) {
    const text = existsSync(journal) ? readFileSync(journal, 'utf8') : ''
    if (line.test(text)) {
      child.kill('SIGKILL')
      killed = true
      break
    }
    if (child.exitCode !== null) break
    await new Promise((r) => setTimeout(r, 25))
  }
  await exited
  return killed
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]))
}

const CUTS: Array<{ name: string; at: RegExp; then: 'resume' | 'destroy' }> = [
  { name: 'right after the network', at: /"step":"network","phase":"done"/, then: 'destroy' },
  { name: 'while the base installs', at: /"step":"base","phase":"start"/, then: 'resume' },
  { name: 'while the base installs', at: /"step":"base","phase":"start"/, then: 'destroy' },
  { name: 'while the first node is cloned', at: /"step":"clone:[a-z0-9]+","phase":"start"/, then: 'resume' },
  { name: 'after the clones', at: /"step":"clone:node1","phase":"done"/, then: 'destroy' },
]

for (const cut of CUTS) {
  t.test(`killed ${cut.name}, then ${cut.then}`, async (t) => {
    const { dir, env, iso, vbox } = setup(t)
    t.ok(await upKilledAt(dir, env, iso, cut.at), 'lab up was killed at that point')
    if (cut.then === 'resume') {
      const again = await lab(['up', '--provider', 'virtualbox', '--iso', iso], { cwd: dir, env, timeoutMs: 600_000 })
      t.match(again.stderr, /taking over the lock of `lab up`/, 'the stale lock is taken over with a message')
      t.match(again.stderr, /ssh failed/, 'the resumed run gets as far as SSH')
      const vms = vbox('list', 'vms').trim().split('\n').map((l) => l.split('"')[1])
      t.equal(vms.length, 3, `base and two nodes, nothing twice: ${vms.join(', ')}`)
      t.equal(new Set(vms).size, vms.length)
      for (const node of ['master', 'node1']) t.match(vbox('snapshot', `vmlab-cut-${node}`, 'list', '--machinereadable'), /SnapshotName="clean"/)
    }
    const destroy = await lab(['destroy', '--force'], { cwd: dir, env, timeoutMs: 600_000 })
    t.equal(destroy.code, 0, destroy.stderr)
    t.equal(vbox('list', 'vms'), '', 'no VM left')
    t.equal(vbox('list', 'hostonlyifs').trim(), '', 'no network left')
    t.same(filesUnder(join(dir, 'vms')), [], 'no disk or VM file left')
  })
}
