/**
 * The shell of the base modules' probe sections, run for real under /bin/sh on this machine: files
 * (content, checksum skip, absent, directory), dpkg-query, and exec's guards. The module tests replay
 * transcripts; these prove that the scripts behind them parse and print what the parsers expect.
 */
import t from 'tap'
import { tempDir } from '../helpers/temp-dir.js'
import { execFile } from 'node:child_process'
import { chmod, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Guest } from '../../src/modules/module.js'
import { commandText } from '../../src/guest/remote-command.js'
import { probeSections } from '../../src/modules/lib/probe-script.js'
import { fileSection, parseFileSection, sha256 } from '../../src/modules/lib/remote-file.js'
import { packagesSection, parsePackages } from '../../src/modules/lib/packages.js'
import { parseService, serviceSection } from '../../src/modules/lib/systemd-service.js'
import exec from '../../src/modules/exec.js'
import { factsFor, labWith } from '../helpers/module-run.js'

/** This machine as a node: every command through /bin/sh, as sshd's login shell would run it. */
const local: Guest = {
  exec: (cmd) =>
    new Promise((resolve) => {
      execFile('/bin/sh', ['-c', commandText(cmd)], { encoding: 'utf8' }, (error, stdout, stderr) => {
        resolve({ code: error ? Number((error as { code?: unknown }).code ?? 1) : 0, stdout, stderr })
      })
    }),
  upload: async () => {
    throw new Error('not used')
  },
}

t.test('file sections: content byte for byte, stat, checksum skip, absent, missing directory, not a file', async (t) => {
  const dir = tempDir(t, 'vmlab-probe-')
  const text = "server 192.168.56.10 iburst\nit can't be “quoted”\nno final newline"
  await writeFile(join(dir, 'a b.conf'), text)
  await chmod(join(dir, 'a b.conf'), 0o640)
  await mkdir(join(dir, 'sub'))
  const s = await probeSections(local, 'local', {
    full: fileSection(join(dir, 'a b.conf')),
    same: fileSection(join(dir, 'a b.conf'), sha256(text)),
    other: fileSection(join(dir, 'a b.conf'), sha256('something else')),
    absent: fileSection(join(dir, 'new.conf')),
    nodir: fileSection(join(dir, 'missing', 'x.conf')),
    dir: fileSection(join(dir, 'sub')),
  })
  const full = parseFileSection('f', s.full.out)
  t.equal(full.content, text)
  t.equal(full.mode, 0o640)
  t.equal(full.sha256, sha256(text))
  t.equal(full.kind, 'file')
  t.equal(parseFileSection('f', s.same.out).content, undefined, 'an unchanged file is not sent')
  t.equal(parseFileSection('f', s.other.out).content, text, 'a changed file is sent')
  t.same(parseFileSection('n', s.absent.out), { path: 'n', kind: 'absent', dirExists: true })
  t.same(parseFileSection('n', s.nodir.out), { path: 'n', kind: 'absent', dirExists: false })
  t.equal(parseFileSection('d', s.dir.out).kind, 'other')
})

t.test('dpkg-query section: installed packages only, and whether apt has lists', async (t) => {
  const s = await probeSections(local, 'local', { p: packagesSection('debian', ['dpkg', 'vmlab-no-such-package', 'coreutils']) })
  const state = parsePackages(s.p.out)
  t.same([...state.installed].sort(), ['coreutils', 'dpkg'])
  t.equal(typeof state.aptLists, 'boolean')
})

t.test('service section answers even for a unit that does not exist', async (t) => {
  const s = await probeSections(local, 'local', { svc: serviceSection('vmlab-no-such.service') })
  const state = parseService(s.svc.out)
  t.not(state.active, 'active')
  t.equal(state.enabled, '', 'is-enabled prints nothing on stdout for a unit that does not exist')
})

t.test('exec guards run for real: creates and unless in one script', async (t) => {
  const dir = tempDir(t, 'vmlab-exec-')
  const marker = join(dir, "it's done")
  const l = labWith(`  - exec: { command: "touch '${dir}/x'", creates: "${marker}", unless: "test -e '${dir}/y'" }`)
  const step = l.modules[0]!
  const ctx = {
    lab: l,
    node: l.nodes[0]!,
    role: undefined,
    options: step.options as never,
    guest: local,
    facts: factsFor('debian'),
    peer: async () => ({ guest: local, facts: factsFor('debian') }),
    secret: async () => '',
    labFile: (r: string) => r,
    log: () => undefined,
  }
  t.same(await exec.probe(ctx), { created: false, unlessCode: 1 })
  await writeFile(join(dir, 'y'), '')
  t.same(await exec.probe(ctx), { created: false, unlessCode: 0 })
  await writeFile(marker, '')
  t.same(await exec.probe(ctx), { created: true, unlessCode: 0 })
})
