/**
 * The whole command line against the PVE simulator, with stand-in guests answering SSH on the nodes' lab
 * addresses (test/helpers/node-sshd.ts): `lab up` to a finished lab, `lab status`, `lab snapshot save`,
 * `lab reset`, `lab destroy`, and the simulated cluster ends with no VM, no uploaded volume and no task
 * holding a lock. The HTTP calls are in the lab's command log, the token secret nowhere.
 */
import t from 'tap'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { lab } from '../helpers/cli.js'
import { startNodeSshds } from '../helpers/node-sshd.js'
import { buildIso } from '../../src/media/iso9660.js'
import { PveSim } from '../sim/proxmox/pve-sim.js'

t.setTimeout(900_000)

const SECRET = 'c0ffee00-1111-2222-3333-444455556666'

t.test('proxmox: up, status, snapshot, reset, destroy leaves the cluster as it was', async (t) => {
  const sim = new PveSim({ secret: SECRET, taskMs: 10, installMs: 50 })
  const url = await sim.start()
  t.teardown(() => sim.stop())
  const dir = t.testdir({
    'lab.yaml': `name: pvelab
os: rocky9
provider: proxmox
proxmox:
  url: ${url}
  token: vmlab@pve!lab
  storage: local-lvm
  bridge: vmbr1
  pool: vmlab-pvelab
network: { cidr: 127.86.1.0/24 }
defaults: { cpus: 1, memory: 1536, disk: 10 }
nodes: [{ name: master }, { name: node1 }]
`,
    cache: {},
  })
  const iso = join(dir, 'install.iso')
  writeFileSync(iso, buildIso({ volumeId: 'Rocky-9-6-x86_64-dvd', files: [{ path: 'README', data: 'fake install medium\n' }] }))
  const env = { PVE_TOKEN_SECRET: SECRET, VMLAB_CACHE_DIR: join(dir, 'cache'), VMLAB_SSH_TIMEOUT: '20', NODE_OPTIONS: '' }
  const run = (args: string[]) => lab(args, { cwd: dir, env, timeoutMs: 600_000 })
  const guests = await startNodeSshds(t, dir)

  const up = await run(['up', '--iso', iso])
  t.equal(up.code, 0, up.stderr)
  t.match(up.stderr, /master: linked clone done/)
  const vms = () => [...sim.vms.values()].map((v) => `${v.name}${v.template ? ' (template)' : ''} ${v.status}`).sort()
  t.match(vms(), [/^vmlab-base-rocky9-[0-9a-f]{8} \(template\) stopped$/, 'vmlab-pvelab-master running', 'vmlab-pvelab-node1 running'])
  t.ok(guests.commands().length > 0, 'the modules ran over SSH on the stand-in guests')

  const status = await run(['status', '--json'])
  t.equal(status.code, 0, status.stderr)
  const s = JSON.parse(status.stdout) as { nodes: Array<{ node: string; state: string; snapshots: string[] }> }
  t.same(
    s.nodes.map((n) => [n.node, n.state]),
    [
      ['master', 'running'],
      ['node1', 'running'],
    ],
  )
  for (const n of s.nodes) t.ok(n.snapshots.includes('ready'), `${n.node} has its ready snapshot`)

  const save = await run(['snapshot', 'save', 'exam'])
  t.equal(save.code, 0, save.stderr)
  t.same(
    sim.vmByName('vmlab-pvelab-master')!.snapshots.map((x) => x.name),
    ['clean', 'ready', 'exam'],
  )
  const reset = await run(['reset', 'clean'])
  t.equal(reset.code, 0, reset.stderr)
  t.match(reset.stderr, /restore clean done/)

  const log = readFileSync(join(dir, '.lab', 'pvelab', 'logs', 'commands.log'), 'utf8')
  t.match(log, /https POST \/nodes\/pve1\/qemu\/\d+\/clone newid=\d+ name=vmlab-pvelab-master pool=vmlab-pvelab target=pve1 full=0 → exit 200 /, 'the HTTP calls are in the command log')
  t.notMatch(log, SECRET, 'never the token secret')

  const destroy = await run(['destroy', '--force'])
  t.equal(destroy.code, 0, destroy.stderr)
  t.same(vms(), [], 'no VM left on the cluster')
  t.same(
    [...sim.volumes].filter((v) => !v.endsWith('/install.iso')),
    [],
    'no seed disc or image left on a storage (the install ISO stays for the next lab)',
  )
  t.same(
    [...sim.tasks.values()].filter((x) => !x.done).map((x) => x.upid),
    [],
    'no task still running',
  )

  t.notMatch(up.stderr + up.stdout + destroy.stdout + destroy.stderr, SECRET)
  t.ok(
    sim.headers.every((h) => h === `PVEAPIToken=vmlab@pve!lab=${SECRET}`),
    'every call carried the token',
  )
})
