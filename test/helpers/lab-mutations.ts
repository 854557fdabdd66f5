/**
 * Mutations of lab files for the fuzz test (test/lab/fuzz.test.ts): structural YAML edits, nasty values,
 * anchors and aliases (undefined ones, bombs), broken quotes, tabs, BOMs and binary bytes. Deterministic:
 * case i of a seed is always the same text, so a failure reproduces with `mutate(i)`.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT } from './cli.js'

/** mulberry32: small, fast and the same everywhere. */
export function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let x = a
    x = Math.imul(x ^ (x >>> 15), x | 1)
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61)
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

type Rand = () => number
const int = (r: Rand, n: number) => Math.floor(r() * n)
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[int(r, xs.length)]!

const BOMB = [
  'x1: &l1 [lol, lol, lol, lol, lol, lol, lol, lol, lol]',
  'x2: &l2 [*l1, *l1, *l1, *l1, *l1, *l1, *l1, *l1, *l1]',
  'x3: &l3 [*l2, *l2, *l2, *l2, *l2, *l2, *l2, *l2, *l2]',
  'x4: &l4 [*l3, *l3, *l3, *l3, *l3, *l3, *l3, *l3, *l3]',
].join('\n')

/** Values that break types, ranges, grammars and the kickstart: each replaces a scalar somewhere. */
const NASTY = [
  '4294967296',
  '-1',
  '0',
  '99999',
  '1e400',
  '.nan',
  '-.inf',
  '0x10',
  '1_000',
  '007',
  '3.5',
  'null',
  '~',
  'true',
  'no',
  '[]',
  '{}',
  '""',
  '"99999:80"',
  '"0:80"',
  '"8080:99999"',
  '"a\\nb"',
  '"Europe/Paris\\n%post\\nreboot"',
  '"$(reboot)"',
  '"`id`"',
  '"%end"',
  '"%pre"',
  'root',
  'systemd-network',
  '../../etc/shadow',
  '/etc/passwd',
  '"--privileged"',
  '"a b"',
  '"\\u0000"',
  '"\\t"',
  '"ü"',
  '"😀"',
  '"\\ud800"',
  '*nope',
  '&a x',
  '!!binary aGk=',
  '!!set {a}',
  '!!timestamp 2001-12-14',
  '!custom x',
  '!!js/function "f()"',
  '2001-12-14',
  '|\n  block',
  '>\n  folded',
  '"unclosed',
  "'unclosed",
  '{ a: 1',
  '[1, 2',
  '&',
  '*',
  '@x',
  '`x`',
  '? x',
  '- x',
  ': x',
  '#',
  '%x',
]

function longString(r: Rand): string {
  return pick(r, ['a', 'é', '-', '9', ' ', '%', '\\']).repeat(pick(r, [64, 300, 5000, 100_000]))
}

type Mutation = (text: string, r: Rand) => string

const lines = (text: string) => text.split('\n')
const valueLine = (ls: string[], r: Rand) => {
  const candidates = ls.map((l, i) => [l, i] as const).filter(([l]) => /(:\s+\S|^\s*-\s+\S)/.test(l))
  return candidates.length ? pick(r, candidates)[1] : int(r, ls.length)
}

const MUTATIONS: Record<string, Mutation> = {
  'delete a line': (s, r) => {
    const ls = lines(s)
    ls.splice(int(r, ls.length), 1)
    return ls.join('\n')
  },
  'duplicate a line': (s, r) => {
    const ls = lines(s)
    const i = int(r, ls.length)
    ls.splice(i, 0, ls[i]!)
    return ls.join('\n')
  },
  'swap two lines': (s, r) => {
    const ls = lines(s)
    const i = int(r, ls.length)
    const j = int(r, ls.length)
    ;[ls[i], ls[j]] = [ls[j]!, ls[i]!]
    return ls.join('\n')
  },
  'change indentation': (s, r) => {
    const ls = lines(s)
    const i = int(r, ls.length)
    ls[i] = r() < 0.5 ? ' '.repeat(1 + int(r, 4)) + ls[i] : ls[i]!.replace(/^ {1,3}/, '')
    return ls.join('\n')
  },
  'replace a scalar': (s, r) => {
    const ls = lines(s)
    const i = valueLine(ls, r)
    const v = r() < 0.2 ? JSON.stringify(longString(r)) : r() < 0.1 ? longString(r) : pick(r, NASTY)
    ls[i] = ls[i]!.replace(/(:\s+|^\s*-\s+)(.*)$/, (_m, lead: string) => lead + v)
    return ls.join('\n')
  },
  'replace a key': (s, r) => {
    const ls = lines(s)
    const i = valueLine(ls, r)
    ls[i] = ls[i]!.replace(/^(\s*-?\s*)[A-Za-z_]+:/, (_m, lead: string) => lead + pick(r, ['nmae', 'x'.repeat(1000), '"a b"', '? k', '<<', '1', 'null', 'memory', 'name']) + ':')
    return ls.join('\n')
  },
  'anchor and alias': (s, r) => {
    const ls = lines(s)
    const i = valueLine(ls, r)
    ls[i] = ls[i]!.replace(/(:\s+|^\s*-\s+)/, (m) => `${m}&z `)
    const j = valueLine(ls, r)
    ls[j] = ls[j]!.replace(/(:\s+|^\s*-\s+)(.*)$/, (_m, lead: string) => `${lead}*z`)
    return ls.join('\n')
  },
  'merge key': (s, r) => {
    const ls = lines(s)
    ls.splice(int(r, ls.length), 0, pick(r, ['<<: *nope', 'base: &b { cpus: 2 }', '<<: { name: x }', '  <<: *b']))
    return ls.join('\n')
  },
  'undefined alias': (s, r) => {
    const ls = lines(s)
    const i = valueLine(ls, r)
    ls[i] = ls[i]!.replace(/(:\s+|^\s*-\s+)(.*)$/, (_m, lead: string) => `${lead}*${pick(r, ['nope', 'a'.repeat(5000), 'x'])}`)
    return ls.join('\n')
  },
  'alias bomb': (s, r) => (r() < 0.5 ? `${BOMB}\n${s}` : `${s}\n${BOMB}\nbomb: *l4\n`),
  'unclosed quote': (s, r) => {
    const at = int(r, s.length)
    return s.slice(0, at) + pick(r, ['"', "'"]) + s.slice(at)
  },
  tab: (s, r) => {
    const ls = lines(s)
    const i = int(r, ls.length)
    ls[i] = ls[i]!.replace(/^ +/, '\t')
    return ls.join('\n')
  },
  BOM: (s, r) => (r() < 0.5 ? `\ufeff${s}` : s.replace('\n', '\n\ufeff')),
  'binary bytes': (s, r) => {
    const at = int(r, s.length)
    return s.slice(0, at) + pick(r, ['\u0000', '\u0001', '\u001b[31m', '\u00ff\u00fe', '\ud800', '\u2028', '\r', '\x7f']) + s.slice(at)
  },
  'random character': (s, r) => {
    const at = int(r, s.length)
    return s.slice(0, at) + pick(r, [...':-[]{}&*!|>\'"%@`#,?~=<\\ ']) + s.slice(at)
  },
  truncate: (s, r) => s.slice(0, int(r, s.length)),
  CRLF: (s) => s.replace(/\n/g, '\r\n'),
  'second document': (s, r) => (r() < 0.5 ? `${s}\n---\nname: two\n` : `--- !!map\n${s}`),
  directive: (s, r) => `${pick(r, ['%YAML 1.1', '%YAML 9.9', '%TAG ! tag:x,2000:', '%FOO'])}\n---\n${s}`,
  'flow collections': (s, r) => {
    const ls = lines(s)
    const i = valueLine(ls, r)
    ls[i] = ls[i]!.replace(/(:\s+)(.*)$/, (_m, lead: string) => lead + pick(r, ['{ a: [1, { b: *nope }] }', '[[[[[[[[[[]]]]]]]]]]', '{ ? : }', '[a, b, ]']))
    return ls.join('\n')
  },
  'deep nesting': (s) => `${s}\nnest: ${'['.repeat(2000)}${']'.repeat(2000)}\n`,
  'many nodes': (s) => s.replace(/^nodes:\n/m, `nodes:\n${Array.from({ length: 120 }, (_, i) => `  - name: n${i}\n`).join('')}`),
  'install value': (s, r) => {
    // The shipped labs keep the install defaults: this reaches the values that end up in the kickstart.
    const value = r() < 0.4 ? pick(r, ['Europe/Paris', 'fr', 'de-latin1', 'en_US.UTF-8', '"@development"', 'vim-enhanced', 'student', 'pool.ntp.org']) : pick(r, NASTY)
    const line = pick(r, [
      `  timezone: ${value}`,
      `  lang: ${value}`,
      `  keyboard: ${value}`,
      `  packages: [${value}]`,
      `  ntp: [${value}]`,
      `  user: { name: ${value} }`,
      `  mirror: ${value}\n  source: url`,
    ])
    return s.replace(/^nodes:/m, `install:\n${line}\nnodes:`)
  },
  empty: (_s, r) => pick(r, ['', '\n', '# only a comment\n', '---\n', '...\n', 'null\n', '[]\n', '"text"\n']),
}

export const SHIPPED = readdirSync(join(ROOT, 'labs'))
  .filter((f) => f.endsWith('.yaml'))
  .sort()
const TEXTS = SHIPPED.map((f) => ({ name: f, text: readFileSync(join(ROOT, 'labs', f), 'utf8') }))

export function mutate(seed: number, i: number): { from: string; applied: string[]; text: string } {
  const r = rng(seed + i)
  const base = pick(r, TEXTS)
  let text = base.text
  const applied: string[] = []
  for (let k = 1 + int(r, 3); k > 0; k--) {
    const name = pick(r, Object.keys(MUTATIONS))
    applied.push(name)
    text = MUTATIONS[name]!(text, r)
  }
  return { from: base.name, applied, text }
}
