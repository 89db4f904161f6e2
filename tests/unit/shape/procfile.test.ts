import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { parseProcfile, type Procfile } from '../../../lib/shape/procfile.js'
import { userError } from '../helpers/catch.js'

const lines = (...l: string[]) => l.join('\n') + '\n'

// ---------------------------------------------------------------------------------------------
const ParseProcfile = suite('parseProcfile')

const procfiles: { name: string; text: string; want: Procfile }[] = [
  { name: 'a web: line alone', text: lines('web: gunicorn mysite.wsgi --log-file -'), want: { web: 'gunicorn mysite.wsgi --log-file -', release: undefined } },
  {
    name: 'web: and release: (Heroku Django)',
    text: lines('release: python manage.py migrate --noinput', 'web: gunicorn mysite.wsgi'),
    want: { web: 'gunicorn mysite.wsgi', release: 'python manage.py migrate --noinput' },
  },
  {
    name: 'comments, blank lines and other process types',
    text: lines('# processes for the shop', '', 'web: uvicorn shop.main:app --host 0.0.0.0 --port $PORT', '   ', 'worker: celery -A shop worker -l info', '# release: flask db upgrade'),
    want: { web: 'uvicorn shop.main:app --host 0.0.0.0 --port $PORT', release: undefined },
  },
  {
    name: 'CRLF line endings (a Procfile saved on Windows)',
    text: ['web: waitress-serve --port=$PORT app:app', 'release: flask db upgrade', ''].join('\r\n'),
    want: { web: 'waitress-serve --port=$PORT app:app', release: 'flask db upgrade' },
  },
  { name: 'no space after the colon, trailing spaces trimmed', text: lines('web:gunicorn app:app   '), want: { web: 'gunicorn app:app', release: undefined } },
  { name: 'no final newline', text: 'web: daphne -b 0.0.0.0 -p $PORT mysite.asgi:application', want: { web: 'daphne -b 0.0.0.0 -p $PORT mysite.asgi:application', release: undefined } },
]
for (const c of procfiles) {
  ParseProcfile(c.name, () => {
    assert.equal(parseProcfile(c.text), c.want, `the Procfile should read as ${JSON.stringify(c.want)}`)
  })
}

const noWeb: { name: string; text: string }[] = [
  { name: 'only a worker', text: lines('worker: celery -A shop worker') },
  { name: 'only comments', text: lines('# web: gunicorn app:app') },
  { name: 'an empty file', text: '' },
]
for (const c of noWeb) {
  ParseProcfile(`no web: line (${c.name}) is a UserError whose hint shows a web: line`, () => {
    const e = userError(() => parseProcfile(c.text, 'Procfile'), c.name)
    assert.match(e.message, 'Procfile has no web: line', 'the message should name the file and the missing web: line')
    assert.match(e.hint ?? '', 'web:', 'the hint should show a web: line to add')
    assert.match(e.hint ?? '', 'release.wsgi', 'the hint should offer the config key as the other way')
  })
}

const malformed: { name: string; text: string; at: string }[] = [
  { name: 'a colon only inside the command', text: lines('# shop', 'web gunicorn app:app'), at: 'Procfile:2:' },
  { name: 'a name with no command', text: lines('web: gunicorn app:app', 'release:'), at: 'Procfile:2:' },
  { name: 'a name with a space in it', text: lines('web server: gunicorn app:app'), at: 'Procfile:1:' },
  { name: 'the third of CRLF lines', text: ['web: gunicorn app:app', '', 'oops', ''].join('\r\n'), at: 'Procfile:3:' },
]
for (const c of malformed) {
  ParseProcfile(`a malformed line (${c.name}) is a UserError at ${c.at}`, () => {
    const e = userError(() => parseProcfile(c.text, 'Procfile'), c.name)
    assert.ok(e.message.startsWith(c.at), `the message should start with ${c.at}, got: ${e.message}`)
    assert.match(e.hint ?? '', 'web: gunicorn', 'the hint should show the name: command form')
  })
}

ParseProcfile.run()
