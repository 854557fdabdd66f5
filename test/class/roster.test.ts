import t from 'tap'
import { parseRoster, rosterOrError } from '../../src/class/roster.js'

t.test('reads id,name,email with a header, quotes and blank lines', async (t) => {
  const r = parseRoster('id,name,email\r\nalice,Alice Martin,alice@school.example\n\nbob,"Bob, ""the builder""",bob@school.example\n# left early\n')
  t.same(r.problems, [])
  t.same(r.students, [
    { id: 'alice', name: 'Alice Martin', email: 'alice@school.example' },
    { id: 'bob', name: 'Bob, "the builder"', email: 'bob@school.example' },
  ])
})

t.test('every problem has its line', async (t) => {
  const r = parseRoster(
    ['alice,Alice,alice@x.example', 'Bob-1,Bob,bob@x.example', 'carol,Carol', 'dave,,dave@x.example', 'erin,Erin,not-an-email', 'alice,Alice again,a2@x.example', 'fay,"Fay,fay@x.example'].join('\n'),
  )
  t.same(
    r.problems.map((p) => p.line),
    [2, 3, 4, 5, 6, 7],
  )
  t.match(r.problems[0]!.message, /not a valid instance id/)
  t.match(r.problems[1]!.message, /2 fields, expected 3/)
  t.match(r.problems[4]!.message, /already on line 1/)
  t.match(r.problems[5]!.message, /quoted field is not closed/)
  t.throws(() => rosterOrError('roster.csv', 'carol,Carol\n'), { message: /roster\.csv:1: 2 fields/ })
  t.throws(() => rosterOrError('roster.csv', 'id,name,email\n'), { message: /no students/ })
})
