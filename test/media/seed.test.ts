import t from 'tap'
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { parse } from 'yaml'
import { run } from '../../src/util/run.js'
import { InputError } from '../../src/util/errors.js'
import { instanceIdFor, nodeIdentity, SEED_VOLUME_ID, seedFiles, seedIso, shellEnvFile, writeSeedIso, type SeedFile } from '../../src/media/seed.js'
import { generateHostKeys } from '../../src/media/ssh-keys.js'
import { sampleInput } from '../fixtures/identity/sample.js'
import { renderHosts } from '../../src/modules/hosts.js'
import type { ResolvedLab } from '../../src/lab/resolve.js'

const dir = await mkdtemp(join(tmpdir(), 'vmlab-seed-'))
t.teardown(() => rm(dir, { recursive: true, force: true }))

const yaml11 = (text: string) => parse(text, { version: '1.1' })
const byPath = (files: SeedFile[]): Record<string, SeedFile> => Object.fromEntries(files.map((f) => [f.path, f]))

async function writeSeed(files: SeedFile[], to: string): Promise<string> {
  for (const f of files) {
    await mkdir(dirname(join(to, f.path)), { recursive: true })
    await writeFile(join(to, f.path), f.data, { mode: f.mode ?? 0o644 })
  }
  return to
}

t.test('the NoCloud layout and the vmlab files, with their modes', async (t) => {
  const files = seedFiles(nodeIdentity(sampleInput()))
  t.equal(SEED_VOLUME_ID, 'cidata')
  t.same(
    files.map((f) => [f.path, f.mode]),
    [
      ['meta-data', 0o644],
      ['user-data', 0o600],
      ['network-config', 0o644],
      ['vmlab/identity.env', 0o644],
      ['vmlab/hosts', 0o644],
      ['vmlab/authorized_keys', 0o644],
      ['vmlab/ssh_host_ed25519_key', 0o600],
      ['vmlab/ssh_host_ed25519_key.pub', 0o644],
    ],
  )
})

t.test('meta-data and user-data say what cloud-init needs', async (t) => {
  const input = sampleInput()
  const id = nodeIdentity(input)
  const f = byPath(seedFiles(id))
  t.same(yaml11(f['meta-data']!.data), { 'instance-id': id.instanceId, 'local-hostname': 'node1.localdomain' })

  const text = f['user-data']!.data
  t.ok(text.startsWith('#cloud-config\n'), 'first line is the cloud-config marker')
  t.notMatch(text, /[&*]a\d/, 'no YAML anchors')
  const ud = yaml11(text)
  t.equal(ud.hostname, 'node1')
  t.equal(ud.fqdn, 'node1.localdomain')
  t.equal(ud.prefer_fqdn_over_hostname, true)
  t.equal(ud.preserve_hostname, false)
  t.equal(ud.manage_etc_hosts, false)
  t.same(ud.write_files, [
    {
      path: '/etc/hosts',
      owner: 'root:root',
      permissions: '0644',
      content:
        '127.0.0.1   localhost localhost.localdomain localhost4 localhost4.localdomain4\n' +
        '::1         localhost localhost.localdomain localhost6 localhost6.localdomain6\n' +
        '# BEGIN vmlab\n' +
        '192.168.56.10 master.localdomain master\n' +
        '192.168.56.11 node1.localdomain node1\n' +
        '# END vmlab\n',
    },
  ])
  const lab = { nodes: input.hosts.map((h) => ({ ip: h.ip, fqdn: h.fqdn, name: h.short })) } as unknown as ResolvedLab
  const written = (ud.write_files as Array<{ content: string }>)[0]!.content
  t.equal(renderHosts(written, lab, []), written, 'the hosts module finds nothing to change in it')
  t.equal(ud.disable_root, false)
  t.same(ud.ssh_authorized_keys, input.authorizedKeys)
  t.same(ud.users, [{ name: 'student', shell: '/bin/bash', lock_passwd: false, ssh_authorized_keys: input.authorizedKeys, sudo: 'ALL=(ALL) NOPASSWD:ALL' }])
  t.equal(ud.ssh_deletekeys, true)
  t.same(ud.ssh_keys, { ed25519_private: input.hostKeys.ed25519.private, ed25519_public: input.hostKeys.ed25519.public })

  const noUser = yaml11(byPath(seedFiles(nodeIdentity(sampleInput({ user: undefined }))))['user-data']!.data)
  t.same(noUser.users, [], 'an explicit empty list: no distribution default user either')
  const noSudo = yaml11(byPath(seedFiles(nodeIdentity(sampleInput({ user: { name: 'student', sudo: false } }))))['user-data']!.data)
  t.notOk('sudo' in noSudo.users[0])
})

t.test('cloud-init itself accepts the user-data', async (t) => {
  const seed = await writeSeed(seedFiles(nodeIdentity(sampleInput())), join(dir, 'schema'))
  const result = await run('cloud-init', ['schema', '--config-file', join(seed, 'user-data')])
  t.match(result.stdout, /Valid cloud-config/)
})

t.test('network-config: lab NIC by MAC with the static address, the other NIC on DHCP', async (t) => {
  const f = byPath(seedFiles(nodeIdentity(sampleInput({ labMac: '52:54:00:56:00:1A' }))))
  const text = f['network-config']!.data
  // PyYAML (YAML 1.1) reads an unquoted 52:54:00:… as a base-60 integer.
  t.match(text, /macaddress: "52:54:00:56:00:1a"\n/)
  t.match(text, /macaddress: "52:54:00:12:34:11"\n/)
  t.same(yaml11(text), {
    version: 2,
    ethernets: {
      lab: {
        match: { macaddress: '52:54:00:56:00:1a' },
        'set-name': 'eth1',
        dhcp4: false,
        addresses: ['192.168.56.11/24'],
        nameservers: { addresses: ['192.168.56.1', '1.1.1.1'], search: ['localdomain'] },
      },
      uplink: { match: { macaddress: '52:54:00:12:34:11' }, 'set-name': 'eth0', dhcp4: true },
    },
  })
  const bare = yaml11(byPath(seedFiles(nodeIdentity(sampleInput({ natMac: undefined, dns: undefined, gateway: '192.168.56.1' }))))['network-config']!.data)
  t.same(bare.ethernets.uplink, { match: { name: 'e*' }, dhcp4: true })
  t.notOk('set-name' in bare.ethernets.lab, 'no renaming when the other NIC cannot be matched by MAC')
  t.equal(bare.ethernets.lab.gateway4, '192.168.56.1')
  t.notOk('nameservers' in bare.ethernets.lab)
})

t.test("cloud-init's own renderers turn network-config into the right files", async (t) => {
  const seed = await writeSeed(seedFiles(nodeIdentity(sampleInput({ gateway: '192.168.56.1' }))), join(dir, 'net'))
  const convert = async (distro: string, kind: string): Promise<string> => {
    const out = join(dir, `net-${kind}`)
    await run('cloud-init', ['devel', 'net-convert', '-p', join(seed, 'network-config'), '-k', 'yaml', '-d', out, '-D', distro, '-O', kind])
    const texts: string[] = []
    for (const rel of (await readdir(out, { recursive: true })).sort()) {
      if ((await stat(join(out, rel))).isFile()) texts.push(`### ${rel.split('/').pop()}\n${await readFile(join(out, rel), 'utf8')}`)
    }
    return texts.join('\n')
  }
  const sysconfig = await convert('rocky', 'sysconfig')
  t.match(
    sysconfig,
    /### ifcfg-eth1\n[\s\S]*BOOTPROTO=none[\s\S]*DEVICE=eth1[\s\S]*GATEWAY=192\.168\.56\.1[\s\S]*HWADDR=52:54:00:56:00:11[\s\S]*IPADDR=192\.168\.56\.11[\s\S]*NETMASK=255\.255\.255\.0/,
  )
  t.match(sysconfig, /### ifcfg-eth0\n[\s\S]*BOOTPROTO=dhcp[\s\S]*HWADDR=52:54:00:12:34:11/)
  const nm = await convert('rocky', 'network-manager')
  t.match(nm, /mac-address=52:54:00:56:00:11\n\n\[ipv4\]\nmethod=manual\n[^[]*address1=192\.168\.56\.11\/24\ngateway=192\.168\.56\.1\n/)
  t.match(nm, /mac-address=52:54:00:12:34:11\n\n\[ipv4\]\nmethod=auto/)
  const networkd = await convert('debian', 'networkd')
  t.match(networkd, /Address=192\.168\.56\.11\/24[\s\S]*MACAddress=52:54:00:56:00:11/)
  // The file must match the NIC as cloud-init renamed it: a Name= of the config's key ("lab") matches nothing.
  t.match(networkd, /### 10-cloud-init-eth1\.network\n[\s\S]*\[Match\]\nMACAddress=52:54:00:56:00:11\nName=eth1\n/)
  t.match(networkd, /### 10-cloud-init-eth0\.network\n[\s\S]*\[Match\]\nMACAddress=52:54:00:12:34:11\nName=eth0\n[\s\S]*DHCP=ipv4/)
})

t.test('instance-id: stable for the same inputs, new when any input changes', async (t) => {
  const base = sampleInput()
  const id = instanceIdFor(base)
  t.match(id, /^vmlab-node1-[0-9a-f]{16}$/)
  t.equal(instanceIdFor(sampleInput()), id)
  t.equal(instanceIdFor({ ...base, labMac: base.labMac.toUpperCase() }), id, 'MAC case does not matter')
  t.equal(instanceIdFor(Object.fromEntries(Object.entries(base).reverse()) as typeof base), id, 'key order does not matter')
  const variants: Partial<typeof base>[] = [
    { hostname: 'node2', fqdn: 'node2.localdomain' },
    { domain: 'lab.example', fqdn: 'node1.lab.example' },
    { labIp: '192.168.56.12' },
    { prefix: 16 },
    { labMac: '52:54:00:56:00:12' },
    { natMac: undefined },
    { gateway: '192.168.56.1' },
    { dns: ['1.1.1.1'] },
    { hosts: base.hosts.slice(1) },
    { authorizedKeys: [...base.authorizedKeys, base.hostKeys.ed25519.public] },
    { user: undefined },
    { user: { name: 'student', sudo: false } },
    { hostKeys: generateHostKeys('node1.localdomain') },
  ]
  const ids = new Set(variants.map((v) => instanceIdFor({ ...base, ...v })))
  t.equal(ids.size, variants.length)
  t.notOk(ids.has(id))
  t.equal(nodeIdentity(base).instanceId, id)
})

async function sourceIn(shell: string, envText: string, names: string[]): Promise<string[]> {
  const file = join(dir, `env-${shell}`)
  await writeFile(file, envText)
  // printf %s\0 keeps trailing newlines and everything else byte for byte.
  const script = `. "$1"; shift; for n do eval "printf '%s\\0' \\"\\$$n\\""; done`
  const out = await run(shell, ['-c', script, 'sh', file, ...names])
  return out.stdout.split('\0').slice(0, -1)
}

t.test('identity.env is sourced literally by sh and dash, whatever the values hold', async (t) => {
  const nasty: [string, string][] = [
    ['A', `it's "quoted"`],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax the file must keep literally
    ['B', '$HOME $(touch /tmp/vmlab-pwned) `id` ${X:-y}'],
    ['C', '  spaces  and\ttabs '],
    ['D', 'back\\slash \\n and a\nnewline\n'],
    ['E', "''"],
    ['F', ''],
    ['G', '; rm -rf / #'],
  ]
  const text = shellEnvFile(nasty, 'header line\nsecond')
  t.ok(text.startsWith('# header line\n# second\n'))
  for (const shell of ['sh', 'dash', 'bash']) {
    t.same(
      await sourceIn(
        shell,
        text,
        nasty.map(([k]) => k),
      ),
      nasty.map(([, v]) => v),
      shell,
    )
  }
  t.throws(() => shellEnvFile([['bad-name', 'x']]), InputError)
  t.throws(() => shellEnvFile([['X;Y', 'x']]), InputError)
})

t.test('identity.env of a seed carries the identity', async (t) => {
  const id = nodeIdentity(sampleInput({ gateway: '192.168.56.1', labMac: '52:54:00:56:00:AB' }))
  const env = byPath(seedFiles(id))['vmlab/identity.env']!.data
  const names = ['VMLAB_INSTANCE_ID', 'VMLAB_HOSTNAME', 'VMLAB_FQDN', 'VMLAB_DOMAIN', 'VMLAB_LAB_IP', 'VMLAB_PREFIX', 'VMLAB_LAB_MAC', 'VMLAB_GATEWAY', 'VMLAB_DNS', 'VMLAB_USER', 'VMLAB_USER_SUDO']
  t.same(await sourceIn('dash', env, names), [
    id.instanceId,
    'node1',
    'node1.localdomain',
    'localdomain',
    '192.168.56.11',
    '24',
    '52:54:00:56:00:ab',
    '192.168.56.1',
    '192.168.56.1 1.1.1.1',
    'student',
    'yes',
  ])
  const [uuid] = await sourceIn('dash', env, ['VMLAB_NM_UUID'])
  t.match(uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  const [other] = await sourceIn(
    'dash',
    byPath(seedFiles(nodeIdentity(sampleInput({ labIp: '192.168.56.99', hosts: [{ ip: '192.168.56.99', fqdn: 'node1.localdomain', short: 'node1' }] }))))['vmlab/identity.env']!.data,
    ['VMLAB_NM_UUID'],
  )
  t.not(other, uuid)
})

t.test('the vmlab files: hosts, keys', async (t) => {
  const input = sampleInput({ authorizedKeys: ['ssh-ed25519 AAAAC3Nza one', 'ssh-rsa AAAAB3Nza two  '] })
  const f = byPath(seedFiles(nodeIdentity(input)))
  t.equal(f['vmlab/hosts']!.data, '# BEGIN vmlab\n192.168.56.10 master.localdomain master\n192.168.56.11 node1.localdomain node1\n# END vmlab\n')
  t.equal(f['vmlab/authorized_keys']!.data, 'ssh-ed25519 AAAAC3Nza one\nssh-rsa AAAAB3Nza two\n')
  t.equal(f['vmlab/ssh_host_ed25519_key']!.data, input.hostKeys.ed25519.private)
  t.equal(f['vmlab/ssh_host_ed25519_key.pub']!.data, `${input.hostKeys.ed25519.public}\n`)
})

t.test('values that would break the guest files are refused', async (t) => {
  const bad: [Partial<ReturnType<typeof sampleInput>>, RegExp][] = [
    [{ hostname: 'node_1', fqdn: 'node_1.localdomain' }, /host name "node_1"/],
    [{ fqdn: 'node1.other' }, /fqdn "node1.other" is not "node1.localdomain"/],
    [{ domain: 'local domain', fqdn: 'node1.local domain' }, /domain/],
    [{ labIp: '192.168.56.256' }, /lab address/],
    [{ labIp: "10.0.0.1'; reboot" }, /lab address/],
    [{ prefix: 33 }, /prefix 33/],
    [{ labMac: '52:54:00:56:00' }, /lab MAC/],
    [{ natMac: '52:54:00:56:00:11' }, /NAT MAC .* different from the lab MAC/],
    [{ gateway: 'router' }, /gateway/],
    [{ dns: ['8.8.8.8', 'dns.google'] }, /DNS server "dns.google"/],
    [{ hosts: [{ ip: '192.168.56.10', fqdn: 'master.localdomain', short: 'master' }] }, /hosts list .* listing node1\.localdomain at 192\.168\.56\.11/],
    [{ authorizedKeys: [] }, /authorized keys/],
    [{ authorizedKeys: ['ssh-ed25519 AAAA x\nssh-rsa BBBB y'] }, /authorized key/],
    [{ user: { name: 'root', sudo: true } }, /user name "root"/],
    [{ user: { name: 'Bad User', sudo: true } }, /user name/],
  ]
  for (const [override, message] of bad) {
    t.throws(() => seedFiles(nodeIdentity(sampleInput(override))), { name: 'InputError', message }, JSON.stringify(override))
  }
  t.throws(() => seedFiles({ ...nodeIdentity(sampleInput()), instanceId: 'a b' }), /instance id/)
})

t.test('the seed disc: label cidata, every file with its name and mode', async (t) => {
  const id = nodeIdentity(sampleInput())
  const date = new Date('2024-05-01T12:00:00Z')
  const image = seedIso(id, { date })
  t.same(seedIso(id, { date }), image, 'same input and date, same bytes')
  const iso = join(dir, 'seed.iso')
  await writeSeedIso(iso, id, { date })
  t.same(await readFile(iso), image)

  const probe = await run('blkid', ['-p', '-o', 'export', iso])
  t.match(probe.stdout, /^LABEL=cidata$/m)
  t.match(probe.stdout, /^TYPE=iso9660$/m)

  const out = join(dir, 'extracted')
  await run('xorriso', ['-osirrox', 'on', '-indev', iso, '-extract', '/', out])
  for (const f of seedFiles(id)) {
    t.equal(await readFile(join(out, f.path), 'utf8'), f.data, f.path)
    t.equal((await stat(join(out, f.path))).mode & 0o777, f.mode, `${f.path} mode`)
  }
})
