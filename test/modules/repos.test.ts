import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import Handlebars from 'handlebars'
import { FakeGuest } from '../helpers/fake-guest.js'
import { factsFor, fileOut, labWith, probeMatch, probeOutput, runModule, sent } from '../helpers/module-run.js'
import { ROOT } from '../helpers/cli.js'
import { CENTOS7_VAULT } from '../../src/kickstart/input.js'
import { centos7Repo, debianSources, pointAtMirror } from '../../src/modules/repos.js'

// CentOS 7.9's own CentOS-Base.repo: mirrorlist.centos.org, which answers no more.
const CENTOS7_BASE = `# CentOS-Base.repo
#
# The mirror system uses the connecting IP address of the client and the
# update status of each mirror to pick mirrors that are updated to and
# geographically close to the client.  You should use this for CentOS updates
# unless you are manually picking other mirrors.
#
# If the mirrorlist= does not work for you, as a fall back you can try the 
# remarked out baseurl= line instead.
#
#

[base]
name=CentOS-$releasever - Base
mirrorlist=http://mirrorlist.centos.org/?release=$releasever&arch=$basearch&repo=os&infra=$infra
#baseurl=http://mirror.centos.org/centos/$releasever/os/$basearch/
gpgcheck=1
gpgkey=file:///etc/pki/rpm-gpg/RPM-GPG-KEY-CentOS-7

#released updates 
[updates]
name=CentOS-$releasever - Updates
mirrorlist=http://mirrorlist.centos.org/?release=$releasever&arch=$basearch&repo=updates&infra=$infra
#baseurl=http://mirror.centos.org/centos/$releasever/updates/$basearch/
gpgcheck=1
gpgkey=file:///etc/pki/rpm-gpg/RPM-GPG-KEY-CentOS-7

#additional packages that may be useful
[extras]
name=CentOS-$releasever - Extras
mirrorlist=http://mirrorlist.centos.org/?release=$releasever&arch=$basearch&repo=extras&infra=$infra
#baseurl=http://mirror.centos.org/centos/$releasever/extras/$basearch/
gpgcheck=1
gpgkey=file:///etc/pki/rpm-gpg/RPM-GPG-KEY-CentOS-7

#additional packages that extend functionality of existing packages
[centosplus]
name=CentOS-$releasever - Plus
mirrorlist=http://mirrorlist.centos.org/?release=$releasever&arch=$basearch&repo=centosplus&infra=$infra
#baseurl=http://mirror.centos.org/centos/$releasever/centosplus/$basearch/
gpgcheck=1
enabled=0
gpgkey=file:///etc/pki/rpm-gpg/RPM-GPG-KEY-CentOS-7
`

const ROCKY9_REPO = `# rocky.repo
#
# The mirrorlist system uses the connecting IP address of the client and the
# update status of each mirror to pick current mirrors that are geographically
# close to the client.  You should use this for Rocky updates unless you are
# manually picking other mirrors.
#
# If the mirrorlist does not work for you, you can try the commented out
# baseurl line instead.

[baseos]
name=Rocky Linux $releasever - BaseOS
mirrorlist=https://mirrors.rockylinux.org/mirrorlist?arch=$basearch&repo=BaseOS-$releasever$rltype
#baseurl=http://dl.rockylinux.org/$contentdir/$releasever/BaseOS/$basearch/os/
gpgcheck=1
enabled=1
countme=1
metadata_expire=6h
gpgkey=file:///etc/pki/rpm-gpg/RPM-GPG-KEY-Rocky-9

[appstream]
name=Rocky Linux $releasever - AppStream
mirrorlist=https://mirrors.rockylinux.org/mirrorlist?arch=$basearch&repo=AppStream-$releasever$rltype
#baseurl=http://dl.rockylinux.org/$contentdir/$releasever/AppStream/$basearch/os/
gpgcheck=1
enabled=1
countme=1
metadata_expire=6h
gpgkey=file:///etc/pki/rpm-gpg/RPM-GPG-KEY-Rocky-9

[crb]
name=Rocky Linux $releasever - CRB
mirrorlist=https://mirrors.rockylinux.org/mirrorlist?arch=$basearch&repo=CRB-$releasever$rltype
#baseurl=http://dl.rockylinux.org/$contentdir/$releasever/CRB/$basearch/os/
gpgcheck=1
enabled=0
countme=1
metadata_expire=6h
gpgkey=file:///etc/pki/rpm-gpg/RPM-GPG-KEY-Rocky-9
`
const ROCKY9_EXTRAS = `# rocky-extras.repo

[extras]
name=Rocky Linux $releasever - Extras
mirrorlist=https://mirrors.rockylinux.org/mirrorlist?arch=$basearch&repo=extras-$releasever$rltype
#baseurl=http://dl.rockylinux.org/$contentdir/$releasever/extras/$basearch/os/
gpgcheck=1
enabled=1
countme=1
metadata_expire=6h
gpgkey=file:///etc/pki/rpm-gpg/RPM-GPG-KEY-Rocky-9
`
const DOCKER_REPO = `[docker-ce-stable]
name=Docker CE Stable - $basearch
baseurl=https://download.docker.com/linux/centos/$releasever/$basearch/stable
enabled=1
gpgcheck=1
gpgkey=https://download.docker.com/linux/centos/gpg
`
const STREAM9_REPO = `[baseos]
name=CentOS Stream $releasever - BaseOS
metalink=https://mirrors.centos.org/metalink?repo=centos-baseos-$stream&arch=$basearch&protocol=https,http
gpgkey=file:///etc/pki/rpm-gpg/RPM-GPG-KEY-centosofficial
gpgcheck=1
repo_gpgcheck=0
metadata_expire=6h
countme=1
enabled=1
`

const MIRROR = 'http://192.168.56.1:8080/rocky/'

/** What the EL probe's loop prints: the name, then the file as one base64 line. */
function repoFiles(files: Record<string, string>): string {
  return Object.entries(files)
    .map(([name, text]) => `file /etc/yum.repos.d/${name}\n${Buffer.from(text).toString('base64')}\n`)
    .join('')
}

t.test('CentOS 7: CentOS-Base.repo points at the vault, then yum reads it again', async (t) => {
  const l = labWith('  - repos', { os: 'centos7' })
  const wanted = centos7Repo('http://vault.centos.org')
  const guest = new FakeGuest([
    { match: probeMatch('repo'), once: true, stdout: probeOutput({ repo: fileOut(CENTOS7_BASE) }) },
    { match: probeMatch('repo'), once: true, stdout: probeOutput({ repo: fileOut(wanted) }) },
    { match: /^(restorecon|yum) /, stdout: '' },
  ])
  const r = await runModule(l, 'repos', 'master', guest, factsFor('el7'))
  t.equal(r.status, 'changed', r.reason ?? '')
  t.same(
    r.changes.map((c) => c.what),
    ['write /etc/yum.repos.d/CentOS-Base.repo', 'refresh the package metadata (yum clean all && yum -y makecache fast)'],
  )
  t.match(r.changes[0]!.diff, /^-mirrorlist=http:\/\/mirrorlist\.centos\.org\/\?release=\$releasever&arch=\$basearch&repo=os&infra=\$infra$/m)
  t.match(r.changes[0]!.diff, /^\+baseurl=http:\/\/vault\.centos\.org\/7\.9\.2009\/extras\/x86_64\/$/m)
  t.same(sent(guest), ['PROBE', 'restorecon -- /etc/yum.repos.d/CentOS-Base.repo', 'yum clean all', 'yum -y makecache fast', 'PROBE'])
  t.same(guest.uploads, [{ path: '/etc/yum.repos.d/CentOS-Base.repo', data: wanted, mode: 0o644 }])
  t.match(wanted, /^\[updates\]\nname=CentOS-7\.9\.2009 - updates\nbaseurl=http:\/\/vault\.centos\.org\/7\.9\.2009\/updates\/x86_64\/$/m)
  t.notMatch(wanted, /mirrorlist/)
})

t.test('CentOS 7 as the kickstart left it: nothing to do, one probe', async (t) => {
  // The %post partial, rendered with the vault repositories the kickstart uses by default.
  const partial = readFileSync(join(ROOT, 'kickstart', 'partials', 'el7-repos.hbs'), 'utf8')
  const el7Repos = ['os', 'updates', 'extras'].map((r) => ({ id: r === 'os' ? 'base' : r, baseurl: `${CENTOS7_VAULT}/${r}/x86_64/` }))
  const script = Handlebars.compile(partial, { noEscape: true })({ el7Repos })
  const written = /<<'VMLAB_REPO_EOF'\n([\s\S]*?)VMLAB_REPO_EOF/.exec(script)![1]!
  const guest = new FakeGuest([{ match: probeMatch('repo'), stdout: probeOutput({ repo: fileOut(written) }) }])
  const r = await runModule(labWith('  - repos', { os: 'centos7' }), 'repos', 'master', guest, factsFor('el7'))
  t.equal(r.status, 'ok', r.reason ?? '')
  t.same(sent(guest), ['PROBE'])
})

t.test('CentOS 7 with a mirror: the same three repositories from the mirror', async (t) => {
  t.match(centos7Repo('http://192.168.56.1/centos/'), /^baseurl=http:\/\/192\.168\.56\.1\/centos\/7\.9\.2009\/os\/x86_64\/$/m)
})

for (const family of ['el8', 'el9', 'debian'] as const) {
  t.test(`${family} without a mirror: nothing to manage, not even a probe`, async (t) => {
    const guest = new FakeGuest([])
    const r = await runModule(labWith('  - repos'), 'repos', 'master', guest, factsFor(family))
    t.equal(r.status, 'ok', r.reason ?? '')
    t.same(guest.commands, [])
  })
}

t.test('Rocky 9 with a mirror: the OS sections get a baseurl, mirrorlists go, other repos stay', async (t) => {
  const l = labWith(`  - repos: { mirror: "${MIRROR}" }`)
  const layout = { baseos: '$releasever/BaseOS/$basearch/os/', appstream: '$releasever/AppStream/$basearch/os/', extras: '$releasever/extras/$basearch/os/' }
  const files = { 'docker-ce.repo': DOCKER_REPO, 'rocky-extras.repo': ROCKY9_EXTRAS, 'rocky.repo': ROCKY9_REPO }
  const converged = Object.fromEntries(Object.entries(files).map(([n, text]) => [n, pointAtMirror(text, layout, MIRROR)]))
  const guest = new FakeGuest([
    { match: probeMatch('repos'), once: true, stdout: probeOutput({ repos: repoFiles(files) }) },
    { match: probeMatch('repos'), stdout: probeOutput({ repos: repoFiles(converged) }) },
    { match: /^(restorecon|dnf) /, stdout: '' },
  ])
  const r = await runModule(l, 'repos', 'node1', guest, factsFor('el9'))
  t.equal(r.status, 'changed', r.reason ?? '')
  t.same(
    r.changes.map((c) => c.what),
    ['write /etc/yum.repos.d/rocky-extras.repo', 'write /etc/yum.repos.d/rocky.repo', 'refresh the package metadata (dnf -y makecache)'],
  )
  t.equal(
    r.changes[0]!.diff,
    `--- /etc/yum.repos.d/rocky-extras.repo
+++ /etc/yum.repos.d/rocky-extras.repo
@@ -2,8 +2,8 @@
 
 [extras]
 name=Rocky Linux $releasever - Extras
-mirrorlist=https://mirrors.rockylinux.org/mirrorlist?arch=$basearch&repo=extras-$releasever$rltype
-#baseurl=http://dl.rockylinux.org/$contentdir/$releasever/extras/$basearch/os/
+#mirrorlist=https://mirrors.rockylinux.org/mirrorlist?arch=$basearch&repo=extras-$releasever$rltype
+baseurl=http://192.168.56.1:8080/rocky/$releasever/extras/$basearch/os/
 gpgcheck=1
 enabled=1
 countme=1
`,
  )
  t.notMatch(r.changes[1]!.diff, /CRB/, 'crb is not an OS repository here')
  t.same(sent(guest), ['PROBE', 'restorecon -- /etc/yum.repos.d/rocky-extras.repo', 'restorecon -- /etc/yum.repos.d/rocky.repo', 'dnf -y makecache', 'PROBE'])
  t.same(
    guest.uploads.map((u) => u.path),
    ['/etc/yum.repos.d/rocky-extras.repo', '/etc/yum.repos.d/rocky.repo'],
  )

  const again = new FakeGuest([{ match: probeMatch('repos'), stdout: probeOutput({ repos: repoFiles(converged) }) }])
  const second = await runModule(l, 'repos', 'node1', again, factsFor('el9'))
  t.equal(second.status, 'ok', 'a second run plans nothing')
  t.same(sent(again), ['PROBE'])
})

t.test('Rocky 8 (one file per repository) and drift of one line', async (t) => {
  const l = labWith(`  - repos: { mirror: "${MIRROR}" }`)
  const baseos = ROCKY9_REPO.split('\n[appstream]')[0]!.replace('RPM-GPG-KEY-Rocky-9', 'RPM-GPG-KEY-rockyofficial') + '\n'
  const layout = { baseos: '$releasever/BaseOS/$basearch/os/' }
  const converged = pointAtMirror(baseos, layout, MIRROR)
  const drifted = converged.replace('baseurl=http://192.168.56.1:8080/rocky/', 'baseurl=http://elsewhere.example/')
  const guest = new FakeGuest([{ match: probeMatch('repos'), stdout: probeOutput({ repos: repoFiles({ 'Rocky-BaseOS.repo': drifted }) }) }])
  const r = await runModule(l, 'repos', 'node1', guest, factsFor('el8'), { check: true })
  t.equal(r.status, 'changed')
  t.match(r.changes[0]!.diff, /^-baseurl=http:\/\/elsewhere\.example\/\$releasever\/BaseOS\/\$basearch\/os\/\n\+baseurl=http:\/\/192\.168\.56\.1:8080\/rocky\/\$releasever\/BaseOS\/\$basearch\/os\/$/m)
  t.equal(r.changes[0]!.diff!.split('\n').filter((l) => /^[-+][^-+]/.test(l)).length, 2, 'exactly one line differs')
  t.same(sent(guest), ['PROBE'], '--check applies nothing')
})

t.test('CentOS Stream 9: a metalink-only section gets a baseurl under its header', async (t) => {
  const layout = { baseos: '$releasever-stream/BaseOS/$basearch/os/' }
  const out = pointAtMirror(STREAM9_REPO, layout, 'http://m/centos-stream')
  t.match(out, /^\[baseos\]\nbaseurl=http:\/\/m\/centos-stream\/\$releasever-stream\/BaseOS\/\$basearch\/os\/\nname=/)
  t.match(out, /^#metalink=/m)
  t.equal(pointAtMirror(out, layout, 'http://m/centos-stream'), out, 'pointing twice changes nothing')
  const guest = new FakeGuest([{ match: probeMatch('repos'), stdout: probeOutput({ repos: repoFiles({ 'centos.repo': STREAM9_REPO }) }) }])
  const r = await runModule(labWith('  - repos: { mirror: "http://m/centos-stream" }', { os: 'centos-stream9' }), 'repos', 'master', guest, factsFor('centos-stream9'), { check: true })
  t.same(
    r.changes.map((c) => c.what),
    ['write /etc/yum.repos.d/centos.repo', 'refresh the package metadata (dnf -y makecache)'],
  )
})

t.test('Debian with a mirror: debian.sources from the mirror, sources.list lines commented out, apt-get update', async (t) => {
  const mirror = 'http://192.168.56.1:3142/debian'
  const l = labWith(`  - repos: { mirror: "${mirror}" }`, { os: 'debian12' })
  const list = 'deb http://deb.debian.org/debian bookworm main\n'
  const listOff = '# vmlab: deb http://deb.debian.org/debian bookworm main\n'
  const sources = debianSources(mirror, 'bookworm')
  const probe = (a: string, b: string | undefined): string => probeOutput({ list: fileOut(a), sources: fileOut(b), codename: 'bookworm\n' })
  const guest = new FakeGuest([
    { match: probeMatch('list'), once: true, stdout: probe(list, undefined) },
    { match: probeMatch('list'), once: true, stdout: probe(listOff, sources) },
    { match: /apt-get -y update$/, stdout: 'Reading package lists...\n' },
  ])
  const r = await runModule(l, 'repos', 'node1', guest, factsFor('debian'))
  t.equal(r.status, 'changed', r.reason ?? '')
  t.same(
    r.changes.map((c) => c.what),
    ['write /etc/apt/sources.list', 'create /etc/apt/sources.list.d/debian.sources', 'refresh the package metadata (env DEBIAN_FRONTEND=noninteractive apt-get -y update)'],
  )
  t.equal(
    r.changes[1]!.diff,
    `--- /dev/null
+++ /etc/apt/sources.list.d/debian.sources
@@ -0,0 +1,6 @@
+# Written by vmlab: packages come from the lab's mirror (security updates are not mirrored).
+Types: deb
+URIs: http://192.168.56.1:3142/debian
+Suites: bookworm bookworm-updates
+Components: main
+Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
`,
  )
  t.same(sent(guest), ['PROBE', "env 'DEBIAN_FRONTEND=noninteractive' apt-get -y update", 'PROBE'])
  t.same(guest.uploads, [
    { path: '/etc/apt/sources.list', data: listOff, mode: 0o644 },
    { path: '/etc/apt/sources.list.d/debian.sources', data: sources, mode: 0o644 },
  ])
})

t.test('a distribution without a known layout fails with what to do, before touching anything', async (t) => {
  const facts = { ...factsFor('el9'), id: 'rhel', prettyName: 'Red Hat Enterprise Linux 9.4 (Plow)' }
  const guest = new FakeGuest([])
  const r = await runModule(labWith(`  - repos: { mirror: "${MIRROR}" }`), 'repos', 'master', guest, facts)
  t.equal(r.status, 'failed')
  t.match(r.reason, /does not know the repository layout of Red Hat Enterprise Linux 9\.4/)
  t.same(guest.commands, [])
})
