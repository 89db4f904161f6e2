import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { envReads, isEnvSign, missingEnv, missingEnvWords } from '../../../lib/pipeline/missing-env.js'

// Tracebacks as Python 3.11 (gunicorn's worker), Python 3.9 and pytest print them.
const py311 = [
  '[2026-11-30 11:00:00 +0000] [7] [ERROR] Exception in worker process',
  'Traceback (most recent call last):',
  '  File "/appenv/lib/python3.11/site-packages/app.py", line 4, in <module>',
  '    SECRET = os.environ["APP_SECRET"]',
  '             ~~~~~~~~~~^^^^^^^^^^^^^^',
  '  File "<frozen os>", line 679, in __getitem__',
  "KeyError: 'APP_SECRET'",
  '[2026-11-30 11:00:00 +0000] [7] [INFO] Worker exiting (pid: 7)',
]
const py39 = ['  File "/usr/lib/python3.9/os.py", line 679, in __getitem__', '    raise KeyError(key) from None', "KeyError: 'DATABASE_URL'"]
const pytest = ['app.py:4: in <module>', '    SECRET = os.environ["APP_SECRET"]', '<frozen os>:679: in __getitem__', '    ???', "E   KeyError: 'APP_SECRET'"]

// ---------------------------------------------------------------------------------------------
const MissingEnv = suite('missingEnv')

MissingEnv('a KeyError raised from os.environ: the variable, whoever printed the traceback', () => {
  assert.is(missingEnv(py311), 'APP_SECRET', 'Python 3.11 (<frozen os>)')
  assert.is(missingEnv(py39), 'DATABASE_URL', 'Python before 3.11 (os.py)')
  assert.is(missingEnv(pytest), 'APP_SECRET', "pytest's short traceback")
  assert.is(missingEnv(['    key = environ["SECRET_KEY"]', "KeyError: 'SECRET_KEY'"]), 'SECRET_KEY', 'the indexing line alone is enough')
})

MissingEnv('what the settings libraries and Django say', () => {
  for (const [line, name] of [
    ['django.core.exceptions.ImproperlyConfigured: Set the SECRET_KEY environment variable', 'SECRET_KEY'],
    ['environs.EnvError: Environment variable "DATABASE_URL" not set', 'DATABASE_URL'],
    ['decouple.UndefinedValueError: API_TOKEN not found. Declare it as envvar or define a default value.', 'API_TOKEN'],
    ['django.core.exceptions.ImproperlyConfigured: The SECRET_KEY setting must not be empty.', 'SECRET_KEY'],
  ]) {
    assert.is(missingEnv(['Traceback (most recent call last):', line]), name, line)
  }
})

MissingEnv('a KeyError of any other dict, or other failures: nothing', () => {
  assert.is(missingEnv(['  File "/app/views.py", line 3, in index', "    return GREETINGS['xx']", "KeyError: 'xx'"]), undefined, 'a dict lookup is not the environment')
  assert.is(missingEnv(['KeyError: SECRET_KEY']), undefined)
  assert.is(missingEnv(['django.core.exceptions.ImproperlyConfigured: settings.DATABASES is improperly configured.']), undefined)
  assert.is(missingEnv([]), undefined)
})

MissingEnv.run()

// ---------------------------------------------------------------------------------------------
const IsEnvSign = suite('isEnvSign')

IsEnvSign('the frame and the KeyError are kept; ordinary lines are not', () => {
  assert.ok(isEnvSign(py311[5]) && isEnvSign(py311[6]) && isEnvSign(py311[3]))
  assert.ok(isEnvSign('environs.EnvError: Environment variable "X" not set'))
  assert.not.ok(isEnvSign('[INFO] Booting worker with pid: 7'))
})

IsEnvSign.run()

// ---------------------------------------------------------------------------------------------
const EnvReads = suite('envReads')

EnvReads("the app's lines that read the variable, once each, trimmed", () => {
  assert.equal(envReads([...py311, ...py311], 'APP_SECRET'), ['SECRET = os.environ["APP_SECRET"]'])
  assert.equal(envReads(py39, 'DATABASE_URL'), [], 'no line of the app in the log')
})

EnvReads.run()

// ---------------------------------------------------------------------------------------------
const Words = suite('missingEnvWords')

Words('the variable and the key that sets it', () => {
  const { cause, hint } = missingEnvWords('APP_SECRET')
  assert.is(cause, 'reads the environment variable APP_SECRET, which is not set')
  assert.match(hint, /"release": \{ "env": \{ "APP_SECRET": "…" \} \}/)
})

Words.run()
