import t from 'tap'
import { readFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { LabError } from '../../src/util/errors.js'
import { run } from '../../src/util/run.js'
import { osFamily, parseFacts, parseOsRelease, probeFacts } from '../../src/guest/facts.js'
import { GuestSession } from '../../src/guest/session.js'
import { startSshd } from '../helpers/sshd.js'

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'os-release')
const osRelease = (name: string): Promise<string> => readFile(join(fixtures, name), 'utf8')

/** The probe's output as a node prints it: os-release, then the facts lines. */
function transcript(release: string, facts: string[]): string {
  return `#vmlab:os-release\n${release}\n#vmlab:facts\n${facts.join('\n')}\n`
}

t.test('os-release syntax: quotes, escapes, blank lines, unquoted values', async (t) => {
  t.same(parseOsRelease('A="x \\"y\\" \\$z"\nB=bare\n\n# comment\nC=\'single $q\'\n'), { A: 'x "y" $z', B: 'bare', C: 'single $q' })
  const alma = parseOsRelease(await osRelease('alma9'))
  t.equal(alma.SUPPORT_END, '2032-06-01')
  t.equal(alma.ALMALINUX_MANTISBT_PROJECT, 'AlmaLinux-9', 'keys after a blank line are read')
})

const cases = [
  {
    file: 'centos7',
    facts: ['has=yum', 'firewalld=active', 'hostname=master.localdomain'],
    want: { family: 'el7', id: 'centos', versionId: '7', packageManager: 'yum', chrony: 'chronyd', ssh: 'sshd', chronyConf: '/etc/chrony.conf', firewalld: true },
  },
  {
    // EL8 keeps a yum that is dnf: dnf is preferred.
    file: 'rocky8',
    facts: ['has=dnf', 'has=yum', 'firewalld=inactive', 'hostname=node1.localdomain'],
    want: { family: 'el8', id: 'rocky', versionId: '8.9', packageManager: 'dnf', chrony: 'chronyd', ssh: 'sshd', chronyConf: '/etc/chrony.conf', firewalld: false },
  },
  {
    file: 'rocky9',
    facts: ['has=dnf', 'has=yum', 'firewalld=active', 'hostname=node2.localdomain'],
    want: { family: 'el9', id: 'rocky', versionId: '9.3', packageManager: 'dnf', chrony: 'chronyd', ssh: 'sshd', chronyConf: '/etc/chrony.conf', firewalld: true },
  },
  {
    file: 'centos-stream9',
    facts: ['has=dnf', 'has=yum', 'firewalld=active', 'hostname=master.localdomain'],
    want: { family: 'el9', id: 'centos', versionId: '9', packageManager: 'dnf', chrony: 'chronyd', ssh: 'sshd', chronyConf: '/etc/chrony.conf', firewalld: true },
  },
  {
    file: 'alma9',
    facts: ['has=dnf', 'has=yum', 'firewalld=unknown', 'hostname=node3.localdomain'],
    want: { family: 'el9', id: 'almalinux', versionId: '9.5', packageManager: 'dnf', chrony: 'chronyd', ssh: 'sshd', chronyConf: '/etc/chrony.conf', firewalld: false },
  },
  {
    // No systemd firewalld unit: systemctl prints nothing useful.
    file: 'debian12',
    facts: ['has=apt-get', 'firewalld=', 'hostname=node1'],
    want: { family: 'debian', id: 'debian', versionId: '12', packageManager: 'apt', chrony: 'chrony', ssh: 'ssh', chronyConf: '/etc/chrony/chrony.conf', firewalld: false },
  },
]

for (const c of cases) {
  t.test(`facts of ${c.file}`, async (t) => {
    const release = await osRelease(c.file)
    const facts = parseFacts(transcript(release, c.facts), 'node1')
    t.same(
      {
        family: facts.family,
        id: facts.id,
        versionId: facts.versionId,
        packageManager: facts.packageManager,
        chrony: facts.services.chrony,
        ssh: facts.services.ssh,
        chronyConf: facts.paths.chronyConf,
        firewalld: facts.firewalld,
      },
      c.want,
    )
    t.equal(facts.hostname, c.facts.find((f) => f.startsWith('hostname='))?.slice('hostname='.length))
    t.equal(facts.prettyName, parseOsRelease(release).PRETTY_NAME)
  })
}

t.test('an unsupported OS or a garbled probe is a clear error', async (t) => {
  t.equal(osFamily({ ID: 'almalinux', ID_LIKE: 'rhel centos fedora', VERSION_ID: '10.0', PRETTY_NAME: 'AlmaLinux 10.0 (Purple Lion)' }, 'node1'), 'el10')
  t.throws(() => osFamily({ ID: 'rocky', ID_LIKE: 'rhel centos fedora', VERSION_ID: '11.0', PRETTY_NAME: 'Rocky Linux 11.0' }, 'node1'), {
    message: 'node1 runs Rocky Linux 11.0, which lab does not support',
    hint: /CentOS 7, EL 8, 9 and 10/,
  })
  t.throws(() => osFamily({ ID: 'fedora', VERSION_ID: '40' }, 'node1'), LabError)
  t.equal(osFamily({ ID: 'ubuntu', ID_LIKE: 'debian', VERSION_ID: '24.04' }, 'n'), 'debian')
  t.throws(() => parseFacts('Welcome to node1!\n', 'node1'), { message: /node1: the OS probe printed something unexpected/ })
  const rocky = await osRelease('rocky9')
  t.throws(() => parseFacts(transcript(rocky, ['hostname=x']), 'node1'), { message: /no package manager lab knows/ })
})

t.test('the probe script against a real sshd on this (Debian) machine, in one command', async (t) => {
  const sshd = await startSshd(t)
  const logged: string[] = []
  const session = await GuestSession.connect({
    name: 'local',
    host: sshd.host,
    port: sshd.port,
    user: 'root',
    privateKey: sshd.userKey.private,
    hostKey: sshd.hostKey.public,
    log: (l) => logged.push(l),
  })
  t.teardown(() => session.close())
  const facts = await probeFacts(session)
  const local = parseOsRelease(await readFile('/etc/os-release', 'utf8'))
  t.equal(facts.family, 'debian')
  t.equal(facts.id, local.ID)
  t.equal(facts.versionId, local.VERSION_ID)
  t.equal(facts.packageManager, 'apt')
  t.equal(facts.hostname, hostname())
  const active = await run('systemctl', ['is-active', 'firewalld'], { reject: false }).catch(() => undefined)
  t.equal(facts.firewalld, active?.stdout.trim() === 'active')
  t.equal(logged.filter((l) => l.startsWith('local$ ')).length, 1, 'one round trip')
})
