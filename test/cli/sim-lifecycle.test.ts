/**
 * The whole command line against the VirtualBox and VMware simulators: `lab up` brings every VM of a
 * three-node lab to the point where SSH is tried, snapshots, `lab reset` and `lab destroy` work, and the
 * simulated hypervisor ends exactly empty. The lab network is on loopback (127.77.0.0/24) so that the SSH
 * attempts never leave this machine; no SSH server answers there, which is the point where the simulators
 * stop and the real guests (QEMU suite) take over.
 */
import t, { type Test } from 'tap'
import { writeFileSync, readdirSync, existsSync, mkdirSync } from 'node:fs'
import { join, delimiter } from 'node:path'
import { execFileSync } from 'node:child_process'
import { lab, ROOT } from '../helpers/cli.js'
import { buildIso } from '../../src/media/iso9660.js'

t.setTimeout(1_200_000)

const SIM_BIN = join(ROOT, 'test', 'sim', 'bin')
const LAB = `name: simlab
os: rocky9
provider: auto
network: { cidr: 127.77.0.0/24 }
defaults: { cpus: 1, memory: 1536, disk: 10 }
nodes:
  - name: master
  - name: node1
  - name: node2
modules:
  - hosts
`

function setup(t: Pick<Test, 'testdir'>, provider: 'virtualbox' | 'vmware') {
  const dir = t.testdir({ 'lab.yaml': LAB, state: {}, vms: {}, cache: {} })
  const iso = join(dir, 'Rocky-install.iso')
  writeFileSync(iso, buildIso({ volumeId: 'Rocky-9-6-x86_64-dvd', files: [{ path: 'README', data: 'fake install medium\n' }] }))
  const networksConf = join(dir, 'networks.conf')
  writeFileSync(networksConf, '* 127.0.0.0/8 192.168.56.0/21\n')
  const networking = join(dir, 'networking')
  writeFileSync(
    networking,
    'VERSION=1,0\nanswer VNET_1_HOSTONLY_NETMASK 255.255.255.0\nanswer VNET_1_HOSTONLY_SUBNET 127.77.0.0\nanswer VNET_1_VIRTUAL_ADAPTER yes\nanswer VNET_8_HOSTONLY_NETMASK 255.255.255.0\nanswer VNET_8_HOSTONLY_SUBNET 192.168.207.0\nanswer VNET_8_NAT yes\n',
  )
  const env: NodeJS.ProcessEnv = {
    PATH: `${SIM_BIN}${delimiter}${process.env.PATH}`,
    NODE_OPTIONS: '',
    VMLAB_SIM_STATE: join(dir, 'state'),
    VMLAB_SIM_INSTALL_SECONDS: '1',
    VMLAB_SIM_ACPI_SECONDS: '0.2',
    VMLAB_SIM_LOCK_SECONDS: '0.2',
    VMLAB_SIM_NETWORKS_CONF: '* 127.0.0.0/8 192.168.56.0/21',
    VMLAB_VBOX_NETWORKS_CONF: networksConf,
    VMLAB_VBOX_VM_FOLDER: join(dir, 'vms'),
    VMLAB_VMWARE_VMS_DIR: join(dir, 'vms'),
    VMLAB_VMWARE_NETWORKING: networking,
    VMLAB_CACHE_DIR: join(dir, 'cache'),
    VMLAB_SSH_TIMEOUT: '3',
  }
  const sim = (cmd: string, args: string[]) => execFileSync(join(SIM_BIN, cmd), args, { env: { ...process.env, ...env }, encoding: 'utf8' })
  const run = (args: string[], timeoutMs = 240_000) => lab([...args, ...(args[0] === 'up' ? ['--provider', provider, '--iso', iso] : [])], { cwd: dir, env, timeoutMs })
  return { dir, env, sim, run }
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return []
  const out: string[] = []
  for (const name of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, name.name)
    if (name.isDirectory()) out.push(...filesUnder(p))
    else out.push(p)
  }
  return out
}

for (const provider of ['virtualbox', 'vmware'] as const) {
  t.test(`${provider}: up to the SSH stage, snapshots, reset, destroy leaves nothing`, async (t) => {
    t.setTimeout(600_000)
    const { dir, sim, run } = setup(t, provider)
    mkdirSync(join(dir, 'vms'), { recursive: true })

    const up = await run(['up'])
    t.equal(up.code, 1, 'up stops where SSH is tried')
    t.match(up.stderr, /base image vmlab-base-rocky9-[0-9a-f]{8} done/)
    t.match(up.stderr, /master: linked clone done/)
    t.match(up.stderr, /node2: boot done/)
    t.match(up.stderr, /ssh failed/)
    t.match(up.stderr, /error: .*(timed out|did not answer|refused|SSH)/i)

    const status = await run(['status', '--json'])
    t.equal(status.code, 0, status.stderr)
    const s = JSON.parse(status.stdout)
    t.same(
      s.nodes.map((n: { node: string; state: string }) => [n.node, n.state]),
      [
        ['master', 'running'],
        ['node1', 'running'],
        ['node2', 'running'],
      ],
    )
    for (const n of s.nodes) t.ok(n.snapshots.includes('clean'), `${n.node} has its clean snapshot`)
    t.match(s.base, { state: 'poweroff' })

    // Running up again resumes: nothing is created twice.
    const again = await run(['up'])
    t.notMatch(again.stderr, /linked clone done/, 'no clone made twice')

    const save = await run(['snapshot', 'save', 'exam'])
    t.equal(save.code, 0, save.stderr)
    const list = JSON.parse((await run(['snapshot', 'list', '--json'])).stdout)
    for (const n of list) t.same(n.snapshots.slice(-1), ['exam'])
    const dup = await run(['snapshot', 'save', 'exam'])
    t.equal(dup.code, 2)
    t.match(dup.stderr, /snapshot 'exam' exists already/)

    const reset = await run(['reset', 'exam'])
    t.match(reset.stderr, /restore exam done/, 'every node restored')
    t.equal(reset.code, 1, 'the clocks cannot be stepped without SSH')
    const after = JSON.parse((await run(['status', '--json'])).stdout)
    t.same(
      after.nodes.map((n: { state: string }) => n.state),
      ['running', 'running', 'running'],
    )

    const missing = await run(['reset', 'nope'])
    t.equal(missing.code, 2)
    t.match(missing.stderr, /has no snapshot 'nope'/)

    const destroy = await run(['destroy', '--force'])
    t.equal(destroy.code, 0, destroy.stderr)
    t.match(destroy.stdout, /removed 4 VMs/)
    if (provider === 'virtualbox') {
      t.equal(sim('VBoxManage', ['list', 'vms']), '', 'no VM registered')
      t.equal(sim('VBoxManage', ['list', 'hostonlyifs']).trim(), '', 'the host-only network the lab made is gone')
    } else {
      t.match(sim('vmrun', ['list']), /^Total running VMs: 0/)
    }
    t.same(filesUnder(join(dir, 'vms')), [], 'no VM file left')
    t.same(readdirSync(join(dir, '.lab', 'simlab')).sort(), ['keys', 'secrets.json'], 'only the credentials are kept')
  })
}

t.test('plan --commands prints the real CLI calls for both providers', async (t) => {
  const { run } = setup(t, 'virtualbox')
  const vbox = await run(['plan', '--commands', '--provider', 'virtualbox'])
  t.equal(vbox.code, 0, vbox.stderr)
  const lines = vbox.stdout.trim().split('\n')
  t.ok(
    lines.every((l) => /^(\S*\/)?VBoxManage /.test(l)),
    'one VBoxManage call per line (the binary as found on PATH)',
  )
  t.ok(lines.some((l) => /^(\S*\/)?VBoxManage clonevm vmlab-base-rocky9-\S+ --snapshot vmlab-base --options link --name vmlab-simlab-node2 --register/.test(l)))
  const vmware = await run(['plan', '--commands', '--provider', 'vmware'])
  t.equal(vmware.code, 0, vmware.stderr)
  t.match(vmware.stdout, /vmrun -T ws clone \S+vmlab-base-rocky9-\S+\.vmx \S+vmlab-simlab-master\.vmx linked -snapshot=vmlab-base -cloneName=vmlab-simlab-master/)
  // The ready snapshot at one instant: every node paused, each snapshotted (no --live on a paused
  // VirtualBox VM: it refuses that), then every node let go on.
  const vboxReady = lines.slice(lines.findIndex((l) => / controlvm vmlab-simlab-\w+ pause$/.test(l))).filter((l) => !/ (showvminfo|snapshot \S+ list) /.test(l))
  t.same(
    vboxReady.map((l) => l.replace(/^\S*VBoxManage /, '')),
    [
      ...['master', 'node1', 'node2'].map((n) => `controlvm vmlab-simlab-${n} pause`),
      ...['master', 'node1', 'node2'].map((n) => `snapshot vmlab-simlab-${n} take ready`),
      ...['master', 'node1', 'node2'].map((n) => `controlvm vmlab-simlab-${n} resume`),
    ],
  )
  const vmwareLines = vmware.stdout.trim().split('\n')
  t.same(
    vmwareLines
      .slice(vmwareLines.findIndex((l) => / pause /.test(l)))
      .filter((l) => !/ listSnapshots /.test(l))
      .map((l) => l.replace(/^\S*vmrun -T ws (\w+) \S+vmlab-simlab-(\w+)\.vmx(.*)$/, '$1 $2$3')),
    [...['pause', 'snapshot', 'unpause'].flatMap((c) => ['master', 'node1', 'node2'].map((n) => `${c} ${n}${c === 'snapshot' ? ' ready' : ''}`))],
  )
  const qemu = await run(['plan', '--commands', '--provider', 'qemu'])
  t.equal(qemu.code, 0, qemu.stderr)
  t.match(qemu.stdout, /qemu-img create -f qcow2 -F qcow2 -b \S+ \S+vmlab-simlab-node1\S*disk\.qcow2/)
})

t.test('plan --commands with snapshots: cold: the nodes shut down for the ready snapshot and boot again', async (t) => {
  const { dir, run } = setup(t, 'virtualbox')
  writeFileSync(join(dir, 'lab.yaml'), LAB.replace('provider: auto\n', 'provider: auto\nsnapshots: cold\n'))
  const vbox = await run(['plan', '--commands', '--provider', 'virtualbox'])
  t.equal(vbox.code, 0, vbox.stderr)
  const lines = vbox.stdout.trim().split('\n')
  t.notOk(
    lines.some((l) => / pause$| resume$/.test(l)),
    'nothing paused',
  )
  const ready = lines.slice(lines.findIndex((l) => / acpipowerbutton$/.test(l))).filter((l) => !/ (showvminfo|snapshot \S+ list) /.test(l))
  t.same(
    ready.map((l) => l.replace(/^\S*VBoxManage /, '')),
    [
      ...['master', 'node1', 'node2'].map((n) => `controlvm vmlab-simlab-${n} acpipowerbutton`),
      ...['master', 'node1', 'node2'].map((n) => `snapshot vmlab-simlab-${n} take ready`),
      ...['master', 'node1', 'node2'].map((n) => `startvm vmlab-simlab-${n} --type headless`),
    ],
  )
})
