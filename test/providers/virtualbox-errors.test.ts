import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { parseVBoxError, VBoxError } from '../../src/providers/virtualbox/vbox-error.js'
import { explainError } from '../../src/providers/virtualbox/vbox-hints.js'
import { CommandError } from '../../src/util/errors.js'

const fixture = (name: string): string => readFileSync(join(import.meta.dirname, '..', 'fixtures', 'virtualbox', name), 'utf8')

t.test('the three-line API error', async (t) => {
  const info = parseVBoxError(fixture('error-not-found.txt'))!
  t.same(info.messages, ["Could not find a registered machine named 'vmlab-docker-node9'"])
  t.equal(info.codeName, 'VBOX_E_OBJECT_NOT_FOUND')
  t.equal(info.hresult, 0x80bb0001)
  t.equal(info.component, 'VirtualBoxWrap')
  t.equal(info.interface, 'IVirtualBox')
  t.equal(info.context, 'FindMachine(Bstr(VMNameOrUuid).raw(), machine.asOutParam())')
})

t.test('Windows: VBoxManage.exe prefix and CRLF; lock errors are transient', async (t) => {
  const info = parseVBoxError(fixture('error-locked-windows-crlf.txt'))!
  t.same(info.messages, ["The machine 'vmlab-docker-master' is already locked for a session (or being unlocked)"])
  t.equal(info.codeName, 'VBOX_E_INVALID_OBJECT_STATE')
  t.equal(info.interface, 'IMachine')
  const error = new VBoxError({
    command: ['C:\\Program Files\\Oracle\\VirtualBox\\VBoxManage.exe', 'modifyvm', 'vmlab-docker-master', '--cpus', '2'],
    exitCode: 1,
    stdout: '',
    stderr: fixture('error-locked-windows-crlf.txt'),
    info,
    platform: 'win32',
  })
  t.ok(error instanceof CommandError)
  t.ok(error.transient)
  t.equal(error.codeName, 'VBOX_E_INVALID_OBJECT_STATE')
  t.equal(error.code, 1, 'code stays the exit code')
  t.match(error.message, /modifyvm vmlab-docker-master --cpus 2 failed: The machine 'vmlab-docker-master' is already locked .*\(VBOX_E_INVALID_OBJECT_STATE\)/)
  t.match(error.hint, /controlvm vmlab-docker-master poweroff/)
})

t.test('unregistervm refused while the session lock outlives a power-off: transient, and the hint is the lock', async (t) => {
  // As VirtualBox 7 prints it (Machine::unregister, quoted in a Vagrant report).
  const stderr = fixture('error-unregister-locked.txt')
  const info = parseVBoxError(stderr)!
  t.same(info.messages, ["Cannot unregister the machine 'vmlab-docker-node2' while it is locked"])
  t.equal(info.codeName, 'VBOX_E_INVALID_OBJECT_STATE')
  const error = new VBoxError({ command: ['VBoxManage', 'unregistervm', 'vmlab-docker-node2', '--delete'], exitCode: 1, stdout: '', stderr, info, platform: 'linux' })
  t.ok(error.transient, 'retried like every session-lock refusal')
  t.match(error.hint, /session lock of vmlab-docker-node2/)
  t.match(error.hint, /VirtualBox GUI/, 'says what holds it when it persists')
  t.notMatch(error.hint, /linked clone/, 'linked clones have nothing to do with it')
  const medium = parseVBoxError(
    "VBoxManage: error: Medium '/v/base.vdi' is locked for writing by another task\nVBoxManage: error: Details: code VBOX_E_INVALID_OBJECT_STATE (0x80bb0007), component MediumWrap, interface IMedium\n",
  )!
  t.ok(new VBoxError({ command: ['VBoxManage', 'clonevm', 'b'], exitCode: 1, stdout: '', stderr: '', info: medium, platform: 'linux' }).transient, 'a medium lock too')
})

t.test('"not ready" is transient, "not found" is not', async (t) => {
  const notReady = parseVBoxError(
    'VBoxManage: error: The object is not ready\nVBoxManage: error: Details: code E_ACCESSDENIED (0x80070005), component VirtualBoxWrap, interface IVirtualBox, callee nsISupports\n',
  )!
  const mk = (stderr: string) => new VBoxError({ command: ['VBoxManage', 'clonevm', 'b'], exitCode: 1, stdout: '', stderr, info: parseVBoxError(stderr)!, platform: 'linux' })
  t.ok(mk('VBoxManage: error: The object is not ready\n').transient)
  t.equal(notReady.codeName, 'E_ACCESSDENIED')
  const notFound = mk(fixture('error-not-found.txt'))
  t.notOk(notFound.transient)
  t.ok(notFound.notFound)
  t.match(notFound.hint, /VBoxManage list vms/)
})

t.test('no extended info: "Code X (0x…) - text"', async (t) => {
  const info = parseVBoxError(fixture('error-ipconfig-access-denied.txt'))!
  t.equal(info.codeName, 'E_ACCESSDENIED')
  t.same(info.messages, ['Access denied'])
  t.match(info.context, /^EnableStaticIPConfig/)
  const hint = explainError(info, ['VBoxManage', 'hostonlyif', 'ipconfig', 'vboxnet1', '--ip', '10.10.0.1', '--netmask', '255.255.0.0'], 'linux')
  t.match(hint, /add the line `\* 10\.10\.0\.0\/16` to \/etc\/vbox\/networks\.conf/)
})

t.test('progress failures: several message lines, the result code, no callee', async (t) => {
  const info = parseVBoxError(fixture('error-unregister-base.txt'))!
  t.equal(info.messages.length, 2)
  t.equal(info.messages[0], 'Machine delete failed')
  t.match(info.messages[1], /because it has 3 child media/)
  t.equal(info.codeName, 'VBOX_E_OBJECT_IN_USE')
  const hint = explainError(info, ['VBoxManage', 'unregistervm', 'vmlab-base-rocky9-1a2b3c4d', '--delete'], 'linux')
  t.match(hint, /linked clones of vmlab-base-rocky9-1a2b3c4d.*destroy them first/)
})

t.test('Hyper-V / VT-x statuses get the Windows fix', async (t) => {
  const info = parseVBoxError(fixture('error-startvm-vtx-windows-crlf.txt'))!
  t.equal(info.status, 'VERR_NEM_NOT_AVAILABLE')
  t.equal(info.codeName, 'E_FAIL')
  t.match(explainError(info, ['VBoxManage.exe', 'startvm', 'x'], 'win32'), /bcdedit \/set hypervisorlaunchtype off/)
  const noVmx = parseVBoxError(
    'VBoxManage: error: VT-x is not available (VERR_VMX_NO_VMX)\nVBoxManage: error: Details: code NS_ERROR_FAILURE (0x80004005), component ConsoleWrap, interface IConsole\n',
  )!
  t.equal(noVmx.status, 'VERR_VMX_NO_VMX')
  t.match(explainError(noVmx, ['VBoxManage', 'startvm', 'x'], 'win32'), /Hyper-V/)
  t.match(explainError(noVmx, ['VBoxManage', 'startvm', 'x'], 'linux'), /BIOS\/UEFI/)
  const kvm = parseVBoxError("VBoxManage: error: VirtualBox can't operate in VMX root mode. Please disable the KVM kernel extension, recompile your kernel and reboot (VERR_VMX_IN_VMX_ROOT_MODE).\n")!
  t.match(explainError(kvm, ['VBoxManage', 'startvm', 'x'], 'linux'), /modprobe -r kvm_intel kvm/)
})

t.test('kernel driver missing at start', async (t) => {
  const info = parseVBoxError(
    "VBoxManage: error: The virtual machine 'x' has terminated unexpectedly during startup with exit code 1 (0x1).  More details may be available in '/home/u/VirtualBox VMs/x/Logs/VBoxHardening.log'\nVBoxManage: error: Kernel driver not installed (rc=-1908)\nVBoxManage: error: Details: code NS_ERROR_FAILURE (0x80004005), component MachineWrap, interface IMachine\n",
  )!
  t.match(explainError(info, ['VBoxManage', 'startvm', 'x'], 'linux'), /sudo \/sbin\/vboxconfig/)
  t.match(explainError(info, ['VBoxManage', 'startvm', 'x'], 'darwin'), /Privacy & Security/)
})

t.test('names left over, syntax errors, restore on a running VM', async (t) => {
  const taken = parseVBoxError(
    "VBoxManage: error: Machine settings file '/home/u/VirtualBox VMs/vmlab/x/x.vbox' already exists\nVBoxManage: error: Details: code VBOX_E_FILE_ERROR (0x80bb0004), component MachineWrap, interface IMachine\n",
  )!
  t.match(explainError(taken, ['VBoxManage', 'createvm', '--name', 'x'], 'linux'), /unregistervm NAME --delete/)
  const syntax = parseVBoxError('VBoxManage: error: Unknown option: --audio-enabled\n')!
  t.match(explainError(syntax, ['VBoxManage', 'modifyvm', 'x'], 'linux'), /6\.1 or 7\.x/)
  const running = parseVBoxError('VBoxManage: error: Cannot delete the current state of the running machine (machine state: Running)\n')!
  t.match(explainError(running, ['VBoxManage', 'snapshot', 'x', 'restore', 's'], 'linux'), /power the VM off first/)
})

t.test('lower-case program name (the Linux symlink) and lines without errors', async (t) => {
  t.same(parseVBoxError('vboxmanage: error: Something broke\n')?.messages, ['Something broke'])
  t.equal(parseVBoxError('0%...10%...20%...30%...40%...50%...60%...70%...80%...90%...100%\n'), undefined)
  t.equal(parseVBoxError(''), undefined)
})
