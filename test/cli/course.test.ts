/** The course commands that need no running lab: exercises, task (per student, per language), and what `lab check ARG` means. */
import t from 'tap'
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { lab } from '../helpers/cli.js'
import { checkTarget } from '../../src/cli/actions/check-target.js'

const COURSE = `name: mini
os: debian12
provider: qemu
network: { cidr: 192.168.56.0/24 }
nodes:
  - { name: master, ip: 192.168.56.10 }
variables:
  port: { range: [8080, 8089] }
exercises:
  - id: first
    title: { en: The first one, zh: 第一个 }
    task: { en: "Publish port {{ port }}.", zh: "发布 {{ port }} 端口。" }
    checks:
      - http: { port: "{{ port }}" }
        points: 3
  - id: second
    title: Second
    task: Do more.
    checks:
      - exec: { command: "true" }
`

t.test('lab exercises and lab task: each student sees their own values, in their language; the student is remembered', async (t) => {
  const dir = t.testdir({ 'lab.yaml': COURSE })
  const list = await lab(['exercises', '--json'], { cwd: dir })
  t.equal(list.code, 0, list.stderr)
  t.same(
    (JSON.parse(list.stdout) as { exercises: Array<{ id: string; points: number }> }).exercises.map((e) => [e.id, e.points]),
    [
      ['first', 3],
      ['second', 1],
    ],
  )
  const plain = await lab(['task', 'first'], { cwd: dir })
  t.match(plain.stdout, /^# 1\. The first one\n\nPublish port 8080\.\n/, 'no student yet: the course as written')
  const alice = await lab(['task', 'first', '--student', 'alice@school.example'], { cwd: dir })
  const port = /Publish port (\d+)\./.exec(alice.stdout)?.[1]
  t.ok(port && Number(port) >= 8080 && Number(port) <= 8089)
  t.match(alice.stdout, /3 points\. When you are done: lab check first/)
  const again = await lab(['task', 'first', '--lang', 'zh'], { cwd: dir })
  t.match(again.stdout, new RegExp(`# 1\\. 第一个\\n\\n发布 ${port} 端口。`), 'the student is remembered; Chinese on request')
  t.match((await lab(['task', 'first'], { cwd: dir, env: { LANG: 'zh_CN.UTF-8' } })).stdout, /第一个/, 'or from LANG')
  const file = join(dir, '.lab', 'mini', 'student.json')
  t.equal(JSON.parse(readFileSync(file, 'utf8')).id, 'alice@school.example')
  t.equal(statSync(file).mode & 0o777, 0o600)
  const table = await lab(['exercises'], { cwd: dir })
  t.match(table.stdout, /first\s+The first one\s+3/)
  t.match(table.stdout, /2 exercises, 4 points; student alice@school\.example/)
})

t.test('mistakes are bad input with the way out', async (t) => {
  const root = t.testdir({ course: { 'lab.yaml': COURSE }, plain: { 'lab.yaml': COURSE.split('variables:')[0]! } })
  const dir = join(root, 'course')
  const none = await lab(['task', 'third'], { cwd: dir })
  t.equal(none.code, 2)
  t.match(none.stderr, /this lab has no exercise 'third'[\s\S]*its exercises: first, second/)
  const bad = await lab(['task', 'first', '--student', '../../etc'], { cwd: dir })
  t.equal(bad.code, 2)
  t.match(bad.stderr, /is not a student id/)
  const lang = await lab(['task', 'first', '--lang', 'fr'], { cwd: dir })
  t.match(lang.stderr, /no tasks in language 'fr'[\s\S]*--lang en or --lang zh/)
  const noEx = await lab(['exercises'], { cwd: join(root, 'plain') })
  t.equal(noEx.code, 2)
  t.match(noEx.stderr, /has no exercises/)
})

t.test('lab check ARG: a lab file, a built-in lab, or exercises of a course', async (t) => {
  const root = t.testdir({ course: { 'lab.yaml': COURSE }, plain: { 'lab.yaml': COURSE.split('variables:')[0]! }, empty: {} })
  const [course, plain, empty] = ['course', 'plain', 'empty'].map((d) => join(root, d)) as [string, string, string]
  t.same(await checkTarget([], {}, course), { exercises: [] }, 'a course grades every exercise')
  t.same(await checkTarget(['first', 'second'], {}, course), { exercises: ['first', 'second'] })
  t.same(await checkTarget(['lab.yaml'], {}, course), { file: 'lab.yaml', exercises: [] })
  t.same(await checkTarget([], {}, plain), {}, 'a lab without exercises: its own checks')
  t.same(await checkTarget(['swarm'], {}, empty), { file: 'swarm' }, 'the built-in lab, as before')
  await t.rejects(checkTarget(['first', 'second'], {}, plain), /has no exercises: first, second cannot be graded/)
})
