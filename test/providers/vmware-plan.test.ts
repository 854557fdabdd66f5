import t from 'tap'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { RecordingRunner } from '../../src/providers/cli-runner.js'
import { freshMachine } from '../../src/providers/vmware/fresh-machine.js'
import { VMwareProvider } from '../../src/providers/vmware/provider.js'
import { osInfo } from '../../src/lab/os-catalog.js'

const VMS = '/home/student/vmlab/vmware'
const BASE = 'vmlab-base-rocky9-1a2b3c4d'
const NODES = ['vmlab-swarm-master', 'vmlab-swarm-node1', 'vmlab-swarm-node2']

t.test('`lab plan --commands` for a 3-node lab on a fresh Workstation 17 host', async (t) => {
  const runner = new RecordingRunner(freshMachine)
  const p = new VMwareProvider({
    runner,
    platform: 'linux',
    env: { VMLAB_VMWARE_NETWORKING: join(t.testdirName, 'no-vmware-here') },
    vmsDir: VMS,
    vmrun: '/usr/bin/vmrun',
    vdiskmanager: '/usr/bin/vmware-vdiskmanager',
  })
  const network = await p.ensureNetwork({ lab: 'swarm', cidr: '192.168.56.0/24', prefix: 24, netmask: '255.255.255.0', hostIp: '192.168.56.1' })
  t.same(network, { id: 'vmnet1', created: false }, 'assumed when VMware is not installed here')
  await p.createBase({
    name: BASE,
    os: osInfo('rocky9'),
    cpus: 2,
    memoryMiB: 2048,
    diskGiB: 20,
    source: { kind: 'iso', installIso: '/home/student/.cache/vmlab/iso/Rocky-9.6-x86_64-minimal.iso', oemdrvIso: '/home/student/.local/state/vmlab/swarm/oemdrv.iso' },
    network,
    installTimeoutMs: 3_600_000,
  })
  for (const [i, name] of NODES.entries()) {
    await p.cloneLinked({
      name,
      base: BASE,
      baseSnapshot: 'base',
      cpus: 2,
      memoryMiB: 2048,
      mac: `00:50:56:2a:00:${(10 + i).toString(16).padStart(2, '0')}`,
      seedIso: `/home/student/.local/state/vmlab/swarm/${name}-seed.iso`,
      network,
      forwards: [],
      initialSnapshot: 'initial',
    })
  }
  for (const name of NODES) await p.start(name)

  const vmx = (name: string) => `${VMS}/${name}/${name}.vmx`
  t.same(runner.lines(), [
    `/usr/bin/vmware-vdiskmanager -c -s 20GB -a lsilogic -t 0 ${VMS}/${BASE}/${BASE}.vmdk`,
    `/usr/bin/vmrun -T ws start ${vmx(BASE)} nogui`,
    '/usr/bin/vmrun -T ws list',
    `/usr/bin/vmrun -T ws snapshot ${vmx(BASE)} base`,
    ...NODES.flatMap((n) => [`/usr/bin/vmrun -T ws clone ${vmx(BASE)} ${vmx(n)} linked -snapshot=base -cloneName=${n}`, `/usr/bin/vmrun -T ws snapshot ${vmx(n)} initial`]),
    ...NODES.map((n) => `/usr/bin/vmrun -T ws start ${vmx(n)} nogui`),
  ])
  t.notOk(existsSync(VMS), 'recording writes no file')
})

t.test('the fresh machine answers like Workstation 17 with nothing created', async (t) => {
  t.same(freshMachine('/usr/bin/vmrun', ['-T', 'ws', 'list']), { stdout: 'Total running VMs: 0\n' })
  t.same(freshMachine('C:\\Program Files (x86)\\VMware\\VMware Workstation\\vmrun.exe', ['-T', 'ws', 'listSnapshots', 'x.vmx']), {
    stdout: 'Total snapshots: 0\n',
  })
  t.match(freshMachine('/usr/bin/vmrun', []), { stdout: /^vmrun version 1\.17\.0 build-\d+\n/, exitCode: 255 })
  t.match(freshMachine('/usr/bin/vmware-vdiskmanager', ['-c', '-s', '20GB', '-a', 'lsilogic', '-t', '0', '/v/d.vmdk']), {
    stdout: /Virtual disk creation successful\./,
  })
  t.same(freshMachine('/usr/bin/vmrun', ['-T', 'ws', 'snapshot', 'x.vmx', 'base']), {})
})

t.test('detect() while recording: version from the usage, no problems', async (t) => {
  const runner = new RecordingRunner(freshMachine)
  const p = new VMwareProvider({ runner, platform: 'linux', env: {}, vmsDir: VMS, vmrun: '/usr/bin/vmrun', vdiskmanager: '/usr/bin/vmware-vdiskmanager' })
  const info = await p.detect()
  t.equal(info.version, '1.17.0 build-24238078')
  t.same(info.problems, [])
  t.same(runner.lines(), ['/usr/bin/vmrun', '/usr/bin/vmrun -T ws list'])
})

t.test('Fusion on Apple Silicon: arm64 guests only; x86-64 ones are refused before anything is made, with the reason', async (t) => {
  const make = (guestArch: 'x86_64' | 'aarch64', platform: NodeJS.Platform, arch: string) =>
    new VMwareProvider({ runner: new RecordingRunner(freshMachine), platform, arch, guestArch, env: {}, vmsDir: VMS, vmrun: '/v/vmrun', vdiskmanager: '/v/vmware-vdiskmanager' })
  t.same((await make('aarch64', 'darwin', 'arm64').detect()).problems, [])
  t.match((await make('x86_64', 'darwin', 'arm64').detect()).problems, [{ fatal: true, problem: /VMware Fusion on Apple Silicon runs arm64 guests only/, fix: /arch: aarch64/ }])
  t.match((await make('aarch64', 'darwin', 'x64').detect()).problems, [{ fatal: true, problem: /VMware Fusion on an Intel Mac runs x86-64 guests only/ }])
  t.match((await make('aarch64', 'linux', 'x64').detect()).problems, [{ fatal: true, problem: /VMware Workstation runs x86-64 guests only/, fix: /provider: qemu/ }])
})
