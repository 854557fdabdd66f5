import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseListSnapshots, parseVmrunList, parseVmrunVersion, vmrunErrorLines } from '../../src/providers/vmware/vmrun-output.js'
import { VmrunError, vmrunErrorKind } from '../../src/providers/vmware/vmrun-error.js'
import { CommandError } from '../../src/util/errors.js'

const FIX = join(import.meta.dirname, '..', 'fixtures', 'vmware-provider')
const fixture = (name: string) => readFileSync(join(FIX, name), 'utf8')

t.test('vmrun list: absolute paths, spaces kept, CRLF removed', async (t) => {
  t.same(parseVmrunList(fixture('vmrun-list-linux.txt')), ['/home/teacher/vmlab/vmware/vmlab-swarm-master/vmlab-swarm-master.vmx', '/home/teacher/My VMs/old lab/old lab.vmx'])
  t.same(parseVmrunList(fixture('vmrun-list-windows.txt')), [
    'C:\\Users\\Jane Doe\\vmlab\\vmware\\vmlab-swarm-node1\\vmlab-swarm-node1.vmx',
    'D:\\Virtual Machines\\Windows 11 x64\\Windows 11 x64.vmx',
  ])
  t.same(parseVmrunList(fixture('vmrun-list-empty.txt')), [])
  t.throws(() => parseVmrunList('Error: Unknown error\n'), /no "/)
})

t.test('vmrun listSnapshots: names with spaces, Windows line ends', async (t) => {
  t.same(parseListSnapshots(fixture('vmrun-listsnapshots-windows.txt')), ['base', 'clean install', 'after docker (2)'])
  t.same(parseListSnapshots('Total snapshots: 0\n'), [])
})

t.test('Error: lines are found whatever surrounds them', async (t) => {
  t.same(vmrunErrorLines(fixture('vmrun-player-ws.txt')), ['Error: Service type VIX_SERVICEPROVIDER_VMWARE_WORKSTATION was specified, but not installed'])
  t.same(vmrunErrorLines('Total running VMs: 0\n'), [])
  t.same(vmrunErrorLines('Error: The file is already in use\r\n'), ['Error: The file is already in use'])
})

t.test("the version line that heads vmrun's usage", async (t) => {
  t.equal(parseVmrunVersion('vmrun version 1.17.0 build-24238078\n\nUsage: vmrun ...'), '1.17.0 build-24238078')
  t.equal(parseVmrunVersion('Invalid argument: x\r\nvmrun version 1.15.4 build-4352439\r\n'), '1.15.4 build-4352439')
  t.equal(parseVmrunVersion('nothing'), undefined)
})

t.test('error kinds from the known vmrun messages', async (t) => {
  const cases: Array<[string, string]> = [
    ['Error: Cannot open VM: /x/a.vmx, The virtual machine cannot be found', 'vm-not-found'],
    ['Error: The virtual machine is not powered on: /x/a.vmx', 'not-powered-on'],
    ['Error: The VMware Tools are not running in the virtual machine: /x/a.vmx', 'tools-not-running'],
    ['Error: The file is already in use', 'file-in-use'],
    ["Error: Cannot open the disk '/x/a.vmdk' or one of the snapshot disks it depends on. Failed to lock the file", 'file-in-use'],
    ['Error: The operation is not supported', 'not-supported'],
    ['Error: The operation was canceled', 'canceled'],
    ['Error: Service type VIX_SERVICEPROVIDER_VMWARE_WORKSTATION was specified, but not installed', 'product-not-installed'],
    ['Error: The snapshot does not exist', 'snapshot-not-found'],
    ['Error: Unable to get the IP address', 'other'],
  ]
  for (const [text, kind] of cases) t.equal(vmrunErrorKind(text), kind, text)
})

t.test('VmrunError is a CommandError that names the command and gives the fix', async (t) => {
  const e = new VmrunError({
    command: ['/usr/bin/vmrun', '-T', 'ws', 'snapshot', '/my vms/a.vmx', 'base'],
    code: 4294967295,
    stdout: 'Error: The operation is not supported\r\n',
    stderr: '',
    said: 'Error: The operation is not supported',
  })
  t.ok(e instanceof CommandError)
  t.equal(e.kind, 'not-supported')
  t.equal(e.code, 4294967295)
  t.match(e.message, "/usr/bin/vmrun -T ws snapshot '/my vms/a.vmx' base failed (exit 4294967295): Error: The operation is not supported")
  t.match(e.hint, /install VMware Workstation Pro/)
})
