import t from 'tap'
import { allowedRanges, hostOnlyAddressAllowed, networksConfProblem } from '../../src/providers/virtualbox/networks-conf.js'
import { keyScancodes, textScancodes } from '../../src/providers/virtualbox/scancodes.js'
import { BOOT_APPEND } from '../../src/providers/virtualbox/create-base.js'
import { audioOffArgs, checksNetworksConf, hostOnlyNicArgs, usesHostOnlyNetworks } from '../../src/providers/virtualbox/flavour.js'
import { parseVersion } from '../../src/providers/virtualbox/version.js'
import { vboxMac } from '../../src/providers/virtualbox/provider.js'
import { hostAddressOf } from '../../src/providers/virtualbox/network.js'
import { PortPicker } from '../../src/providers/virtualbox/ports.js'

t.test('networks.conf: default, listed ranges, comments, prefix rule', async (t) => {
  t.same(
    allowedRanges(undefined).map((r) => r.text),
    ['192.168.56.0/21'],
  )
  t.ok(hostOnlyAddressAllowed('192.168.56.1', 24, undefined))
  t.ok(hostOnlyAddressAllowed('192.168.63.1', 24, undefined))
  t.notOk(hostOnlyAddressAllowed('192.168.64.1', 24, undefined))
  t.notOk(hostOnlyAddressAllowed('192.168.56.1', 16, undefined), 'a wider network than the allowed range is refused')
  const conf = '# lab ranges\n* 10.0.0.0/8 192.168.0.0/16\n* 2001::/64\nbogus 172.16.0.0/12\n'
  t.same(
    allowedRanges(conf).map((r) => r.text),
    ['10.0.0.0/8', '192.168.0.0/16'],
  )
  t.ok(hostOnlyAddressAllowed('10.10.0.1', 16, conf))
  t.notOk(hostOnlyAddressAllowed('172.16.0.1', 24, conf), 'only * lines count')
  t.notOk(hostOnlyAddressAllowed('192.168.56.1', 24, ''), 'an empty file allows nothing, not the default')
  t.ok(hostOnlyAddressAllowed('172.20.0.1', 24, '* 0.0.0.0/0 ::/0'))
})

t.test('networks.conf problem gives the exact line', async (t) => {
  const net = { cidr: '10.10.0.0/16', prefix: 16, hostIp: '10.10.0.1' }
  const absent = networksConfProblem(net, undefined, '/etc/vbox/networks.conf')!
  t.ok(absent.fatal)
  t.match(absent.problem, /10\.10\.0\.0\/16/)
  t.match(absent.fix, /add the line `\* 192\.168\.56\.0\/21 10\.10\.0\.0\/16` to \/etc\/vbox\/networks\.conf/, 'keeps the default range when creating the file')
  t.match(absent.fix, /sudo mkdir -p \/etc\/vbox && echo '\* 192\.168\.56\.0\/21 10\.10\.0\.0\/16' \| sudo tee -a \/etc\/vbox\/networks\.conf/)
  const present = networksConfProblem(net, '* 192.168.0.0/16\n', '/tmp/n.conf')!
  t.match(present.fix, /add the line `\* 10\.10\.0\.0\/16` to \/tmp\/n\.conf/)
  t.match(present.problem, /allowed now: 192\.168\.0\.0\/16/)
  t.equal(networksConfProblem({ cidr: '192.168.56.0/24', prefix: 24, hostIp: '192.168.56.1' }, undefined, '/x'), undefined)
})

t.test('scan codes: make then break, shift around capitals and symbols, E0 arrows', async (t) => {
  t.same(keyScancodes('up'), ['e0', '48', 'e0', 'c8'])
  t.same(keyScancodes('tab'), ['0f', '8f'])
  t.same(keyScancodes('enter'), ['1c', '9c'])
  t.same(textScancodes('a1 '), ['1e', '9e', '02', '82', '39', 'b9'])
  t.same(textScancodes('L:'), ['2a', '26', 'a6', 'aa', '2a', '27', 'a7', 'aa'])
  t.same(textScancodes('=/.'), ['0d', '8d', '35', 'b5', '34', 'b4'])
  t.throws(() => textScancodes('é'), /cannot type/)
  const codes = textScancodes(BOOT_APPEND)
  t.ok(codes.every((c) => /^[0-9a-f]{2}$/.test(c)))
  // Every make code is released: per key, breaks equal makes.
  const makes = codes.filter((c) => parseInt(c, 16) < 0x80).length
  t.equal(makes * 2, codes.length)
})

t.test('version-aware spellings', async (t) => {
  const v61 = { version: parseVersion('6.1.50r161033')!, hostOs: 'linux' as const }
  const v70 = { version: parseVersion('7.0.14r161095')!, hostOs: 'linux' as const }
  const mac70 = { version: parseVersion('7.0.14r161095')!, hostOs: 'darwin' as const }
  const mac61 = { version: parseVersion('6.1.50r161033')!, hostOs: 'darwin' as const }
  const win70 = { version: parseVersion('7.0.14r161095')!, hostOs: 'win32' as const }
  t.same(audioOffArgs(v61), ['--audio', 'none'])
  t.same(audioOffArgs(v70), ['--audio-enabled', 'off'])
  t.same(hostOnlyNicArgs(v70, 2, 'vboxnet0'), ['--nic2', 'hostonly', '--hostonlyadapter2', 'vboxnet0'])
  t.same(hostOnlyNicArgs(mac70, 2, 'vmlab-x'), ['--nic2', 'hostonlynet', '--host-only-net2', 'vmlab-x'])
  t.same([usesHostOnlyNetworks(mac70), usesHostOnlyNetworks(mac61), usesHostOnlyNetworks(v70)], [true, false, false])
  t.same([checksNetworksConf(v70), checksNetworksConf(mac61), checksNetworksConf(mac70), checksNetworksConf(win70)], [true, true, false, false])
})

t.test('MAC for modifyvm', async (t) => {
  t.equal(vboxMac('08:00:27:aa:bb:01'), '080027AABB01')
  t.equal(vboxMac('08-00-27-AA-BB-01'), '080027AABB01')
  t.throws(() => vboxMac('08:00:27:aa:bb'), /not a MAC address/)
})

t.test('host address of a VirtualBox 7 host-only network', async (t) => {
  t.equal(hostAddressOf({ name: 'n', netmask: '255.255.255.0', lowerIp: '192.168.56.1', upperIp: '192.168.56.199', enabled: true }), '192.168.56.1')
  t.equal(hostAddressOf({ name: 'n', netmask: '255.255.255.0', lowerIp: '192.168.56.0', upperIp: '192.168.56.0', enabled: true }), '192.168.56.1')
})

t.test('port picker: skips forwarded, handed-out and busy ports, even concurrently', async (t) => {
  const busy = new Set([2224])
  const picker = new PortPicker(2222, async (p) => !busy.has(p))
  let reads = 0
  const forwarded = async () => {
    reads++
    return new Set([2222])
  }
  const ports = await Promise.all([picker.pick(forwarded), picker.pick(forwarded), picker.pick(forwarded)])
  t.same(ports, [2223, 2225, 2226])
  t.equal(reads, 1, 'the VMs are asked once')
})
