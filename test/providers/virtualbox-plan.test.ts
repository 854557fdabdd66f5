/**
 * `lab plan --commands --provider virtualbox`: the provider runs against a RecordingRunner that answers
 * like a machine with VirtualBox 7 and nothing else, and the recorded argv are the plan. These lines
 * are checked against the VBoxManage grammar by hand: keep them exact.
 */
import t from 'tap'
import { RecordingRunner, type FreshMachine } from '../../src/providers/cli-runner.js'
import { freshMachine } from '../../src/providers/virtualbox/fresh-machine.js'
import { VirtualBoxProvider } from '../../src/providers/virtualbox/provider.js'
import type { VirtualBoxOptions } from '../../src/providers/virtualbox/options.js'
import { osInfo } from '../../src/lab/os-catalog.js'
import type { BaseSource, NetworkSpec } from '../../src/providers/provider.js'

const NET: NetworkSpec = { lab: 'docker', cidr: '192.168.56.0/24', prefix: 24, netmask: '255.255.255.0', hostIp: '192.168.56.1' }
const BASE = 'vmlab-base-rocky9-1a2b3c4d'
const ISO: BaseSource = {
  kind: 'iso',
  installIso: '/home/teacher/.cache/vmlab/isos/Rocky-9.6-x86_64-minimal.iso',
  oemdrvIso: '/home/teacher/labs/docker/.vmlab/oemdrv.iso',
}

/** What `lab up` asks of the provider for a three-node lab. */
async function upLab(answer: FreshMachine, extra: VirtualBoxOptions = {}, source: BaseSource = ISO): Promise<string[]> {
  const runner = new RecordingRunner(answer)
  const p = new VirtualBoxProvider({
    runner,
    binary: 'VBoxManage',
    platform: 'linux',
    arch: 'x64',
    vmFolder: '/home/teacher/vmlab-vms',
    networksConf: '/nonexistent/networks.conf',
    ...extra,
  })
  await p.detect()
  const network = await p.ensureNetwork(NET)
  await p.createBase({ name: BASE, os: osInfo('rocky9'), cpus: 2, memoryMiB: 2048, diskGiB: 20, source, network, installTimeoutMs: 3_600_000 })
  const nodes = ['master', 'node1', 'node2']
  for (const [i, n] of nodes.entries()) {
    await p.cloneLinked({
      name: `vmlab-docker-${n}`,
      base: BASE,
      baseSnapshot: 'base',
      cpus: 2,
      memoryMiB: 2048,
      mac: `08:00:27:5e:38:${(10 + i).toString(16).padStart(2, '0')}`,
      seedIso: `/home/teacher/labs/docker/.vmlab/seed-${n}.iso`,
      network,
      forwards: n === 'master' ? [{ host: 8080, guest: 80 }] : [],
      initialSnapshot: 'initial',
    })
  }
  for (const n of nodes) await p.start(`vmlab-docker-${n}`)
  return runner.lines()
}

const GOLDEN = [
  'VBoxManage --version',
  'VBoxManage list hostonlyifs',
  'VBoxManage hostonlyif create',
  'VBoxManage hostonlyif ipconfig vboxnet0 --ip 192.168.56.1 --netmask 255.255.255.0',
  'VBoxManage createvm --name vmlab-base-rocky9-1a2b3c4d --ostype RedHat_64 --register --basefolder /home/teacher/vmlab-vms --groups /vmlab',
  'VBoxManage list vms',
  'VBoxManage modifyvm vmlab-base-rocky9-1a2b3c4d --memory 2048 --cpus 2 --firmware bios --boot1 dvd --boot2 disk --boot3 none --boot4 none --ioapic on --rtcuseutc on --graphicscontroller vmsvga --vram 16 --audio-enabled off --nic1 nat --nictype1 82540EM --natpf1 ssh,tcp,127.0.0.1,2222,,22 --nic2 hostonly --hostonlyadapter2 vboxnet0 --nictype2 82540EM --cableconnected2 on',
  'VBoxManage storagectl vmlab-base-rocky9-1a2b3c4d --name SATA --add sata --controller IntelAhci --portcount 3 --bootable on',
  'VBoxManage createmedium disk --filename /home/teacher/vmlab-vms/vmlab/vmlab-base-rocky9-1a2b3c4d/vmlab-base-rocky9-1a2b3c4d.vdi --size 20480 --format VDI --variant Standard',
  'VBoxManage storageattach vmlab-base-rocky9-1a2b3c4d --storagectl SATA --port 0 --device 0 --type hdd --medium /home/teacher/vmlab-vms/vmlab/vmlab-base-rocky9-1a2b3c4d/vmlab-base-rocky9-1a2b3c4d.vdi',
  'VBoxManage storageattach vmlab-base-rocky9-1a2b3c4d --storagectl SATA --port 1 --device 0 --type dvddrive --medium /home/teacher/.cache/vmlab/isos/Rocky-9.6-x86_64-minimal.iso',
  'VBoxManage storageattach vmlab-base-rocky9-1a2b3c4d --storagectl SATA --port 2 --device 0 --type dvddrive --medium /home/teacher/labs/docker/.vmlab/oemdrv.iso',
  'VBoxManage startvm vmlab-base-rocky9-1a2b3c4d --type headless',
  'VBoxManage controlvm vmlab-base-rocky9-1a2b3c4d keyboardputscancode e0 48 e0 c8',
  'VBoxManage controlvm vmlab-base-rocky9-1a2b3c4d keyboardputscancode 0f 8f',
  'VBoxManage controlvm vmlab-base-rocky9-1a2b3c4d keyboardputscancode 39 b9 17 97 31 b1 1f 9f 14 94 34 b4 25 a5 1f 9f 0d 8d 23 a3 20 a0 2a 27 a7 aa 2a 26 a6 aa 2a 1e 9e aa 2a 30 b0 aa 2a 12 92 aa 2a 26 a6 aa 0d 8d 2a 18 98 aa 2a 12 92 aa 2a 32 b2 aa 2a 20 a0 aa 2a 13 93 aa 2a 2f af aa 2a 27 a7 aa 35 b5 25 a5 1f 9f 34 b4 2e ae 21 a1 22 a2 39 b9 17 97 31 b1 1f 9f 14 94 34 b4 14 94 12 92 2d ad 14 94',
  'VBoxManage controlvm vmlab-base-rocky9-1a2b3c4d keyboardputscancode 1c 9c',
  'VBoxManage snapshot vmlab-base-rocky9-1a2b3c4d list --machinereadable',
  'VBoxManage snapshot vmlab-base-rocky9-1a2b3c4d take base',
  'VBoxManage clonevm vmlab-base-rocky9-1a2b3c4d --snapshot base --options link --name vmlab-docker-master --register --basefolder /home/teacher/vmlab-vms --groups /vmlab',
  'VBoxManage modifyvm vmlab-docker-master --cpus 2 --memory 2048 --nic2 hostonly --hostonlyadapter2 vboxnet0 --macaddress2 0800275E380A --natpf1 delete ssh --natpf1 ssh,tcp,127.0.0.1,2223,,22 --natpf1 tcp-8080,tcp,127.0.0.1,8080,,80',
  'VBoxManage storageattach vmlab-docker-master --storagectl SATA --port 1 --device 0 --type dvddrive --medium /home/teacher/labs/docker/.vmlab/seed-master.iso',
  'VBoxManage snapshot vmlab-docker-master list --machinereadable',
  'VBoxManage snapshot vmlab-docker-master take initial',
  'VBoxManage clonevm vmlab-base-rocky9-1a2b3c4d --snapshot base --options link --name vmlab-docker-node1 --register --basefolder /home/teacher/vmlab-vms --groups /vmlab',
  'VBoxManage modifyvm vmlab-docker-node1 --cpus 2 --memory 2048 --nic2 hostonly --hostonlyadapter2 vboxnet0 --macaddress2 0800275E380B --natpf1 delete ssh --natpf1 ssh,tcp,127.0.0.1,2224,,22',
  'VBoxManage storageattach vmlab-docker-node1 --storagectl SATA --port 1 --device 0 --type dvddrive --medium /home/teacher/labs/docker/.vmlab/seed-node1.iso',
  'VBoxManage snapshot vmlab-docker-node1 list --machinereadable',
  'VBoxManage snapshot vmlab-docker-node1 take initial',
  'VBoxManage clonevm vmlab-base-rocky9-1a2b3c4d --snapshot base --options link --name vmlab-docker-node2 --register --basefolder /home/teacher/vmlab-vms --groups /vmlab',
  'VBoxManage modifyvm vmlab-docker-node2 --cpus 2 --memory 2048 --nic2 hostonly --hostonlyadapter2 vboxnet0 --macaddress2 0800275E380C --natpf1 delete ssh --natpf1 ssh,tcp,127.0.0.1,2225,,22',
  'VBoxManage storageattach vmlab-docker-node2 --storagectl SATA --port 1 --device 0 --type dvddrive --medium /home/teacher/labs/docker/.vmlab/seed-node2.iso',
  'VBoxManage snapshot vmlab-docker-node2 list --machinereadable',
  'VBoxManage snapshot vmlab-docker-node2 take initial',
  'VBoxManage showvminfo vmlab-docker-master --machinereadable',
  'VBoxManage startvm vmlab-docker-master --type headless',
  'VBoxManage showvminfo vmlab-docker-node1 --machinereadable',
  'VBoxManage startvm vmlab-docker-node1 --type headless',
  'VBoxManage showvminfo vmlab-docker-node2 --machinereadable',
  'VBoxManage startvm vmlab-docker-node2 --type headless',
]

t.test('the command list of a three-node lab on a fresh VirtualBox 7 host', async (t) => {
  t.same(await upLab(freshMachine), GOLDEN)
})

t.test('VirtualBox 6.1: only the audio switch differs', async (t) => {
  const six: FreshMachine = (file, args) => (args[0] === '--version' ? { stdout: '6.1.50r161033\n' } : freshMachine(file, args))
  const lines = await upLab(six)
  const changed = lines.flatMap((l, i) => (l === GOLDEN[i] ? [] : [[GOLDEN[i], l]]))
  t.equal(lines.length, GOLDEN.length)
  t.equal(changed.length, 1)
  t.match(changed[0]![0], / --audio-enabled off /)
  t.equal(changed[0]![1], changed[0]![0]!.replace(' --audio-enabled off ', ' --audio none '))
})

t.test('macOS with VirtualBox 7: a named host-only network', async (t) => {
  const lines = await upLab(freshMachine, { platform: 'darwin' })
  t.same(lines.slice(1, 3), ['VBoxManage list hostonlynets', 'VBoxManage hostonlynet add --name vmlab-docker --netmask 255.255.255.0 --lower-ip 192.168.56.1 --upper-ip 192.168.56.254 --enable'])
  t.notOk(lines.some((l) => l.includes('hostonlyif') || l.includes('hostonlyadapter')))
  t.ok(lines.some((l) => l.startsWith(`VBoxManage modifyvm ${BASE} `) && l.includes(' --nic2 hostonlynet --host-only-net2 vmlab-docker ')))
  t.ok(lines.some((l) => l.startsWith('VBoxManage modifyvm vmlab-docker-node1 ') && l.includes(' --nic2 hostonlynet --host-only-net2 vmlab-docker ')))
})

t.test('a base from a ready disk image: copied into the VM folder, no install', async (t) => {
  const lines = await upLab(freshMachine, {}, { kind: 'image', disk: '/home/teacher/images/rocky9.vmdk' })
  const disk = `/home/teacher/vmlab-vms/vmlab/${BASE}/${BASE}.vdi`
  t.ok(lines.includes(`VBoxManage clonemedium disk /home/teacher/images/rocky9.vmdk ${disk} --format VDI`))
  t.ok(lines.includes(`VBoxManage storageattach ${BASE} --storagectl SATA --port 0 --device 0 --type hdd --medium ${disk}`))
  t.notOk(lines.some((l) => l.startsWith('VBoxManage createmedium') || l.startsWith(`VBoxManage startvm ${BASE}`) || l.startsWith(`VBoxManage controlvm ${BASE}`)))
  t.ok(lines.includes(`VBoxManage snapshot ${BASE} take base`))
})

t.test('a kernel to boot directly is refused', async (t) => {
  await t.rejects(upLab(freshMachine, {}, { kind: 'image', disk: '/x.qcow2', kernel: '/vmlinuz' }), { message: /cannot boot the kernel/ })
})

t.test('without VMLAB_VBOX_VM_FOLDER, VirtualBox picks the folder', async (t) => {
  const lines = await upLab(freshMachine, { vmFolder: undefined, env: {} })
  t.ok(lines.includes(`VBoxManage createvm --name ${BASE} --ostype RedHat_64 --register --groups /vmlab`))
  t.ok(lines.some((l) => l.startsWith('VBoxManage createmedium disk --filename ') && l.includes(`VirtualBox VMs/vmlab/${BASE}/${BASE}.vdi`)))
})

t.test('Apple silicon runs no x86-64 guest, and VirtualBox 7.0 there no ARM one either', async (t) => {
  const p = new VirtualBoxProvider({ runner: new RecordingRunner(freshMachine), binary: 'VBoxManage', platform: 'darwin', arch: 'arm64' })
  const info = await p.detect()
  t.match(info.problems, [
    { fatal: true, problem: /VirtualBox on Apple Silicon runs ARM \(aarch64\) guests only/, fix: /arch: aarch64.*provider: qemu/ },
    { fatal: true, problem: /VirtualBox 7\.0\.14 cannot run ARM VMs: 7\.1 is the first/, fix: /7\.1 or later/ },
  ])
  t.equal(info.problems.length, 2)
})
