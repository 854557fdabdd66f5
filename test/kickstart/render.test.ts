import t from 'tap'
import { checkKickstart } from '../../src/kickstart/check.js'
import { centos7VaultSource, type KickstartInput } from '../../src/kickstart/input.js'
import { sha512Crypt } from '../../src/kickstart/password.js'
import { renderKickstart } from '../../src/kickstart/render.js'
import { OS_CATALOG, OS_IDS, isKickstartOs, osFor, type OsId } from '../../src/lab/os-catalog.js'
import { InputError } from '../../src/util/errors.js'

const ROOT_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFgaYcFbwl3fUb/yxalk6xCEsTiFvS3K9yM+kxJJjKMa teacher@classroom'
const USER_KEY =
  'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7FPLGL2e+mj4IwOrtAS+G9eIqVgckyOnfi2KyiEMYGJXJC2Y3gHowevuNXrxozkJBMEpSlPNnAyanIB0vlIoNJ2d59APc8GzCqXojyi/ncvDyDH3MEE+hUGB1X4w+Tq7I/AqRQc+yqmhf+lC8r+6a+qqD0+ns5gJKPL1+2ij3rS3hbK2JPrMagL1c1euMW6pM9hONrGJC5Na9dJ8hZnlH14pt8T374OSg243QeGQOKnwUCG+V5nwt0faLQydXcwdNWrCjzTL/EMhdJwHoSZXe5cwT3hEuPGHZHvjWxz8siLw9ZxcxVppwRVFwH+ITsy+onSGj0kWFLU8WlwRDx+Gh student key'
const ROOT_HASH = sha512Crypt('Root-Pass-2024', 'rootsalt')
const USER_HASH = sha512Crypt('student', 'usersalt')

const AGENT_SCRIPT = `#!/bin/bash
# reads the cidata seed disc and applies this node's identity
set -euo pipefail
seed=$(blkid -t LABEL=cidata -o device | head -n1)
echo "applying identity from \${seed} at \`date\`" >&2
cat <<EOF >/etc/hosts
127.0.0.1 localhost
EOF
`

const EL_IDS = OS_IDS.filter(isKickstartOs)

function input(id: OsId, change: Partial<KickstartInput> = {}): KickstartInput {
  return {
    os: OS_CATALOG[id],
    hostname: 'node1.localdomain',
    source: { kind: 'cdrom' },
    lang: 'fr_FR.UTF-8',
    keyboard: { vconsoleKeymap: 'fr', xLayouts: ['fr (oss)', 'us'] },
    timezone: 'Europe/Paris',
    ntpServers: ['192.168.56.10', 'pool.ntp.org'],
    natNic: { mac: '08:00:27:00:01:01' },
    labNic: { mac: '08:00:27:00:02:01', ip: '192.168.56.11', prefix: 24, gateway: '192.168.56.1', nameservers: ['192.168.56.10', '1.1.1.1'] },
    rootPasswordHash: ROOT_HASH,
    rootSshKey: ROOT_KEY,
    user: { name: 'student', passwordHash: USER_HASH, sshKey: USER_KEY, sudo: true },
    selinux: 'enforcing',
    firewall: {
      enabled: true,
      services: ['ssh', 'http'],
      ports: [
        { port: 2377, protocol: 'tcp' },
        { port: 4789, protocol: 'udp' },
      ],
    },
    packages: ['vim-minimal', 'bash-completion'],
    disk: {},
    agent: {
      files: [
        { path: '/usr/local/sbin/vmlab-identity', mode: 0o755, content: AGENT_SCRIPT },
        { path: '/etc/systemd/system/vmlab-identity.service', mode: 0o644, content: '[Unit]\nDescription=vmlab node identity\n' },
      ],
      enableUnits: ['vmlab-identity.service'],
    },
    ...change,
  }
}

const VARIANTS: Record<string, (id: OsId) => KickstartInput> = {
  'cdrom source': (id) => input(id),
  'url source with repos': (id) =>
    input(id, {
      source: {
        kind: 'url',
        url: 'http://mirror.lab.example/os/x86_64/',
        repos: [{ name: 'updates', baseurl: 'http://mirror.lab.example/updates/x86_64/' }],
      },
    }),
  'no NTP, no gateway, no name servers, MAC-less NAT NIC': (id) =>
    input(id, {
      ntpServers: [],
      natNic: {},
      labNic: { mac: '08:00:27:00:02:01', ip: '10.10.0.5', prefix: 16, nameservers: [] },
    }),
  'firewall disabled, SELinux permissive, no sudo, named disk': (id) =>
    input(id, {
      firewall: { enabled: false, services: [], ports: [] },
      selinux: 'permissive',
      user: { name: 'student', passwordHash: USER_HASH, sshKey: USER_KEY, sudo: false },
      disk: { device: 'vda' },
    }),
  'no agent, no extra packages': (id) => input(id, { agent: { files: [], enableUnits: [] }, packages: [] }),
}

t.test('every EL OS in the catalog, every variant: clean, LF only, no entity', async (t) => {
  t.same(EL_IDS, ['centos7', 'rocky8', 'rocky9', 'rocky10', 'alma8', 'alma9', 'alma10', 'centos-stream9', 'centos-stream10'])
  for (const id of EL_IDS) {
    for (const [name, make] of Object.entries(VARIANTS)) {
      const ks = renderKickstart(make(id))
      const rhel = OS_CATALOG[id].rhel as 7 | 8 | 9 | 10
      t.same(checkKickstart(ks, rhel), [], `${id}, ${name}: checker finds nothing`)
      t.notMatch(ks, /&(#x?[0-9a-f]+|quot|amp|lt|gt|apos);/i, `${id}, ${name}: no HTML entity`)
      t.notOk(ks.includes('\r'), 'no CR')
      t.notOk(ks.startsWith('\uFEFF'), 'no BOM')
      t.ok(ks.endsWith('%end\n'), 'ends with one newline')
      // the same kickstart must fail on the other releases' syntax: each family is distinct, but for EL9 and
      // EL10, which share one template (written in the syntax both take)
      const sameText = rhel >= 9 ? [9, 10] : [rhel]
      for (const other of [7, 8, 9, 10] as const) {
        if (sameText.includes(other)) t.same(checkKickstart(ks, other), [], `${id}, ${name}: valid as RHEL ${other} too`)
        else t.not(checkKickstart(ks, other).length, 0, `${id}, ${name}: not valid as RHEL ${other}`)
      }
    }
  }
})

function linesOf(ks: string, prefix: string): string[] {
  return ks.split('\n').filter((l) => l.startsWith(prefix))
}

t.test('EL7 (CentOS 7): install, --ntpservers, %post keys, @^minimal, --instLangs, vault repos', async (t) => {
  const ks = renderKickstart(input('centos7'))
  t.same(linesOf(ks, 'install'), ['install'])
  t.same(linesOf(ks, 'text'), ['text'])
  t.same(linesOf(ks, 'timezone'), ['timezone Europe/Paris --utc --ntpservers=192.168.56.10,pool.ntp.org'])
  t.same(linesOf(ks, 'sshkey'), [])
  t.match(ks, `printf '%s\\n' '${ROOT_KEY}' > /root/.ssh/authorized_keys\nchmod 0600 /root/.ssh/authorized_keys`)
  t.match(ks, 'chmod 0700 /root/.ssh\n')
  t.match(ks, "chown -R 'student:student' '/home/student/.ssh'")
  t.match(ks, 'restorecon -R /root/.ssh')
  t.match(ks, '\n%packages --instLangs=fr_FR\n@^minimal\n@core\n')
  t.match(ks, 'baseurl=http://vault.centos.org/7.9.2009/updates/x86_64/')
  t.notMatch(ks, /^(auth|authconfig|timesource)\b/m)
})

t.test('CentOS 7 network install from the vault', async (t) => {
  const ks = renderKickstart(input('centos7', { source: centos7VaultSource() }))
  t.same(linesOf(ks, 'url'), ['url --url=http://vault.centos.org/7.9.2009/os/x86_64/'])
  t.same(linesOf(ks, 'repo'), ['repo --name=updates --baseurl=http://vault.centos.org/7.9.2009/updates/x86_64/', 'repo --name=extras --baseurl=http://vault.centos.org/7.9.2009/extras/x86_64/'])
  t.same(linesOf(ks, 'cdrom'), [])
})

t.test('EL8: no install, --ntpservers, sshkey, @^minimal-environment, --instLangs', async (t) => {
  for (const id of ['rocky8', 'alma8'] as const) {
    const ks = renderKickstart(input(id))
    t.same(linesOf(ks, 'install'), [])
    t.same(linesOf(ks, 'text'), ['text --non-interactive'])
    t.same(linesOf(ks, 'timezone'), ['timezone Europe/Paris --utc --ntpservers=192.168.56.10,pool.ntp.org'])
    t.same(linesOf(ks, 'sshkey'), [`sshkey --username=root "${ROOT_KEY}"`, `sshkey --username=student "${USER_KEY}"`])
    t.match(ks, '\n%packages --instLangs=fr_FR\n@^minimal-environment\n')
    t.notMatch(ks, /authorized_keys|CentOS-Base\.repo/)
  }
})

t.test('EL9: timesource lines, --inst-langs, sshkey', async (t) => {
  for (const id of ['rocky9', 'alma9', 'centos-stream9'] as const) {
    const ks = renderKickstart(input(id))
    t.same(linesOf(ks, 'install'), [])
    t.same(linesOf(ks, 'timezone'), ['timezone Europe/Paris --utc'])
    t.same(linesOf(ks, 'timesource'), ['timesource --ntp-server=192.168.56.10', 'timesource --ntp-server=pool.ntp.org'])
    t.same(linesOf(ks, 'sshkey'), [`sshkey --username=root "${ROOT_KEY}"`, `sshkey --username=student "${USER_KEY}"`])
    t.match(ks, '\n%packages --inst-langs=fr_FR\n@^minimal-environment\n')
    t.same(linesOf(renderKickstart(input(id, { ntpServers: [] })), 'timesource'), [])
  }
})

t.test('common commands, with values quoted only where the parser could split them', async (t) => {
  const ks = renderKickstart(input('rocky9'))
  t.same(linesOf(ks, 'network'), [
    'network --device=08:00:27:00:01:01 --bootproto=dhcp --hostname=node1.localdomain --activate --onboot=yes',
    'network --device=08:00:27:00:02:01 --bootproto=static --ip=192.168.56.11 --netmask=255.255.255.0 --gateway=192.168.56.1 --nameserver=192.168.56.10,1.1.1.1 --activate --onboot=yes',
  ])
  t.same(linesOf(ks, 'keyboard'), ['keyboard --vckeymap=fr --xlayouts="fr (oss),us"'])
  t.same(linesOf(ks, 'lang'), ['lang fr_FR.UTF-8'])
  t.same(linesOf(ks, 'rootpw'), [`rootpw --iscrypted ${ROOT_HASH}`])
  t.same(linesOf(ks, 'user'), [`user --name=student --groups=wheel --iscrypted --password=${USER_HASH}`])
  t.same(linesOf(ks, 'selinux'), ['selinux --enforcing'])
  t.same(linesOf(ks, 'firewall'), ['firewall --enabled --service=ssh,http --port=2377:tcp,4789:udp'])
  t.same(linesOf(ks, 'clearpart'), ['clearpart --all --initlabel'])
  t.same(linesOf(ks, 'autopart'), ['autopart --type=lvm --nohome'])
  t.same(linesOf(ks, 'ignoredisk'), [])
  for (const cmd of ['zerombr', 'skipx', 'firstboot --disabled', 'poweroff', 'cdrom']) t.same(linesOf(ks, cmd), [cmd])
  t.match(ks, '\nchrony\nopenssh-server\n')
  t.match(ks, '\nvim-minimal\nbash-completion\n%end\n')
})

t.test('variants: NAT NIC by link, firewall off, named disk, no sudo', async (t) => {
  const a = renderKickstart(VARIANTS['no NTP, no gateway, no name servers, MAC-less NAT NIC']?.('alma9') as KickstartInput)
  t.same(linesOf(a, 'network'), [
    'network --device=link --bootproto=dhcp --hostname=node1.localdomain --activate --onboot=yes',
    'network --device=08:00:27:00:02:01 --bootproto=static --ip=10.10.0.5 --netmask=255.255.0.0 --activate --onboot=yes',
  ])
  const b = renderKickstart(VARIANTS['firewall disabled, SELinux permissive, no sudo, named disk']?.('centos7') as KickstartInput)
  t.same(linesOf(b, 'firewall'), ['firewall --disabled'])
  t.same(linesOf(b, 'selinux'), ['selinux --permissive'])
  t.same(linesOf(b, 'ignoredisk'), ['ignoredisk --only-use=vda'])
  t.same(linesOf(b, 'clearpart'), ['clearpart --all --initlabel --drives=vda'])
  t.same(linesOf(b, 'bootloader'), ['bootloader --location=mbr --boot-drive=vda --timeout=1'])
  t.same(linesOf(b, 'user'), [`user --name=student --iscrypted --password=${USER_HASH}`])
  t.notMatch(b, /sudoers/)
  // SSH stays reachable even when the lab forgets to list it
  const c = renderKickstart(input('rocky8', { firewall: { enabled: true, services: [], ports: [] } }))
  t.same(linesOf(c, 'firewall'), ['firewall --enabled --service=ssh'])
})

t.test('%post: sudoers drop-in checked by visudo, machine-id emptied, host keys removed, units enabled', async (t) => {
  const ks = renderKickstart(input('alma8'))
  const post = ks.slice(ks.indexOf('\n%post'))
  t.match(post, "printf '%s\\n' 'student ALL=(ALL) NOPASSWD: ALL' > '/etc/sudoers.d/vmlab-student'\nchmod 0440 '/etc/sudoers.d/vmlab-student'\nvisudo -cf '/etc/sudoers.d/vmlab-student'\n")
  t.match(post, '\ntruncate -s 0 /etc/machine-id\n')
  t.notMatch(post, /rm [^\n]*machine-id/)
  t.match(post, '\nrm -f /etc/ssh/ssh_host_*\n')
  t.match(post, "\nsystemctl enable 'vmlab-identity.service'\n")
  t.match(post, /^%post --interpreter=\/bin\/bash --erroronfail --log=\S+\nset -euo pipefail\n/m)
})

t.test('bad input is refused before anything is written', async (t) => {
  const bad: [string, Partial<KickstartInput>][] = [
    ['newline in a value', { hostname: 'node1.localdomain\nrootpw --plaintext x' }],
    ['short host name', { hostname: 'node1' }],
    ['host name with underscore', { hostname: 'node_1.localdomain' }],
    ['plain password instead of a hash', { rootPasswordHash: 'secret' }],
    ['MD5 hash', { rootPasswordHash: '$1$salt$qJH7.N4xYta3aEG/dfqo/0' }],
    ['broken SSH key', { rootSshKey: ROOT_KEY.slice(0, 50) }],
    ['gateway outside the lab network', { labNic: { mac: '08:00:27:00:02:01', ip: '192.168.56.11', prefix: 24, gateway: '192.168.57.1', nameservers: [] } }],
    ['broadcast address', { labNic: { mac: '08:00:27:00:02:01', ip: '192.168.56.255', prefix: 24, nameservers: [] } }],
    ['same MAC twice', { natNic: { mac: '08:00:27:00:02:01' } }],
    ['relative agent path', { agent: { files: [{ path: 'etc/x', mode: 0o644, content: '' }], enableUnits: [] } }],
    ['agent path with ..', { agent: { files: [{ path: '/etc/../root/x', mode: 0o644, content: '' }], enableUnits: [] } }],
    ['unit with a space', { agent: { files: [], enableUnits: ['a b.service'] } }],
    ['package with a space', { packages: ['vim minimal'] }],
    ['Debian', { os: OS_CATALOG.debian12 }],
  ]
  for (const [what, change] of bad) t.throws(() => renderKickstart(input('rocky9', change)), InputError, what)
})

t.test('aarch64 (UEFI only): the platform partitions by reqpart, LVM by hand, no MBR or biosboot; clean under its RHEL handler', async (t) => {
  for (const id of ['rocky9', 'rocky10', 'alma9', 'alma10', 'centos-stream10'] as const) {
    const os = osFor(id, 'aarch64')!
    for (const disk of [{}, { device: 'vda' }]) {
      const ks = renderKickstart(input(id, { os, disk }))
      const storage = ks.split('\n').filter((l) => /^(reqpart|part|volgroup|logvol|autopart|bootloader)\b/.test(l))
      const drive = disk.device ? ' --boot-drive=vda' : ''
      t.same(
        storage,
        [
          `bootloader${drive} --timeout=1`,
          'reqpart --add-boot',
          'part pv.01 --size=1 --grow',
          'volgroup vmlab pv.01',
          'logvol swap --vgname=vmlab --name=swap --size=1024',
          'logvol / --vgname=vmlab --name=root --size=1 --grow',
        ],
        `${id} ${disk.device ?? 'any disk'}`,
      )
      t.notMatch(ks, /biosboot|--location=mbr|autopart/)
      t.same(checkKickstart(ks, os.rhel!), [], `${id}: RHEL${os.rhel} rules`)
    }
  }
  // The x86_64 one is what it was: autopart, which makes biosboot or the ESP itself.
  t.match(renderKickstart(input('rocky9')), /^bootloader --location=mbr --timeout=1\n# LVM with swap, everything else in \/\nautopart --type=lvm --nohome$/m)
})

t.test('the checker knows reqpart --add-boot and refuses reqpart with autopart', async (t) => {
  t.same(
    checkKickstart('reqpart --add-boot\n', 9).filter((p) => /reqpart/.test(p.message)),
    [],
  )
  t.match(
    checkKickstart('reqpart --bogus\n', 10).map((p) => p.message),
    [/reqpart.*--bogus/],
  )
  t.match(
    checkKickstart('reqpart\nautopart\n', 9).map((p) => p.message),
    [/"reqpart" and autopart \(line 2\) cannot be used together/],
  )
})
