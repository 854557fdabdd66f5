/**
 * `lab class` on a Proxmox VE cluster (the PVE simulator): each student's instance gets their own pool and
 * @pve user with PVEVMUser on it, and `lab class access` puts that login and the web console on their
 * sheet, nothing of another student's. No guest answers SSH here: every `lab up` stops at that stage.
 */
import t from 'tap'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { lab } from '../helpers/cli.js'
import { buildIso } from '../../src/media/iso9660.js'
import { PveSim } from '../sim/proxmox/pve-sim.js'

t.setTimeout(900_000)

t.test('class up on Proxmox VE: a pool and a @pve user per student; the access sheet names theirs only', async (t) => {
  const sim = new PveSim({ taskMs: 10, installMs: 50 })
  const url = await sim.start()
  t.teardown(() => sim.stop())
  const dir = t.testdir({
    'lab.yaml': `name: pvecls
os: rocky9
provider: proxmox
proxmox: { url: "${url}", token: vmlab@pve!lab, storage: local-lvm, bridge: vmbr1 }
network: { cidr: 127.88.9.0/24 }
defaults: { cpus: 1, memory: 1536, disk: 10 }
nodes: [{ name: master }]
`,
    'class.yaml': 'lab: lab.yaml\npool: 127.88.0.0/16\nconcurrency: 1\nhosts:\n  - { name: pve1, provider: proxmox, connection: pve1, memory: 65536, cpus: 16 }\n',
    'roster.csv': 'id,name,email\ns01,Ana,ana@school.example\ns02,Ben,ben@school.example\n',
    cache: {},
  })
  const iso = join(dir, 'install.iso')
  writeFileSync(iso, buildIso({ volumeId: 'Rocky-9-6-x86_64-dvd', files: [{ path: 'README', data: 'fake\n' }] }))
  const env = { PVE_TOKEN_SECRET: sim.secret, VMLAB_CACHE_DIR: join(dir, 'cache'), VMLAB_SSH_TIMEOUT: '2', NODE_OPTIONS: '' }
  const run = (args: string[]) => lab(['class', ...args], { cwd: dir, env, timeoutMs: 600_000 })

  const up = await run(['up', 'roster.csv', '--iso', iso])
  t.equal(up.code, 1, 'every lab up stops where SSH is tried')
  t.same([...sim.pools.keys()].sort(), ['vmlab-s01', 'vmlab-s02'])
  t.same([...sim.users.keys()].sort(), ['s01@pve', 's02@pve'])
  t.same(sim.acl.map((a) => `${a.path} ${a.ugid} ${a.roleid}`).sort(), ['/pool/vmlab-s01 s01@pve PVEVMUser', '/pool/vmlab-s02 s02@pve PVEVMUser'])
  const base = [...sim.vms.values()].find((v) => v.template)
  t.equal(base?.pool, undefined, "the shared base is in no student's pool")
  t.same(
    [...sim.vms.values()]
      .filter((v) => !v.template)
      .map((v) => `${v.name} ${v.pool}`)
      .sort(),
    ['vmlab-pvecls.s01-master vmlab-s01', 'vmlab-pvecls.s02-master vmlab-s02'],
  )

  const access = await lab(['class', 'access', 's01'], { cwd: dir, env })
  t.equal(access.code, 0, access.stderr)
  t.match(access.stdout, `--- console ---\nProxmox VE web console: ${url}/`)
  t.match(access.stdout, /user s01, realm "Proxmox VE authentication server" \(s01@pve\), password \S{16}/)
  t.match(access.stdout, 'pool vmlab-s01')
  t.equal(sim.users.get('s01@pve')?.password, /password (\S+)/.exec(access.stdout)?.[1], 'the password on the sheet is the one PVE has')
  t.notMatch(access.stdout, /s02|vmlab-s02/, 'nothing of the other student')
  t.notMatch(access.stdout, sim.secret, 'nor the token secret')
  const log = readFileSync(join(dir, '.lab', 'pvecls', 'instances', 's01', 'logs', 'commands.log'), 'utf8')
  t.match(log, /https POST \/access\/users userid=s01@pve 'password=\*\*\*' /, 'the user is made in the command log')
  t.notMatch(log, sim.users.get('s01@pve')!.password!, "the student's password is not in it")

  // class destroy purges each student's passwords, so their logins on the cluster go too: nothing is left that opens nothing.
  const destroy = await run(['destroy'])
  t.equal(destroy.code, 0, destroy.stderr)
  t.same(
    [...sim.vms.values()].filter((v) => !v.template).map((v) => v.name),
    [],
    "no student's VM left",
  )
  t.same([...sim.users.keys()], [], 'no student user left')
  t.same([...sim.pools.keys()], [], 'no student pool left')
  t.same(sim.acl, [], 'no ACL left')
})
