import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { wrapServerCommand, type WrappedCommand } from '../../../lib/shape/wrap.js'

const WrapServerCommand = suite('wrapServerCommand')

/** The modules of the project the commands are for. */
const inSource = (mod: string) => ['mysite.wsgi', 'mysite.asgi', 'mysite', 'config.wsgi'].includes(mod)

const cases: [name: string, command: string, want: WrappedCommand | undefined][] = [
  [
    "Heroku's Django line: gunicorn's default callable",
    'gunicorn mysite.wsgi --log-file -',
    { command: 'gunicorn pypackage_serve:wsgi --log-file -', callable: 'mysite.wsgi:application', interface: 'wsgi' },
  ],
  [
    'options before the app, a callable named',
    'gunicorn --workers 3 --bind 0.0.0.0:$PORT config.wsgi:application',
    { command: 'gunicorn --workers 3 --bind 0.0.0.0:$PORT pypackage_serve:wsgi', callable: 'config.wsgi:application', interface: 'wsgi' },
  ],
  [
    "gunicorn with uvicorn's worker: ASGI",
    'gunicorn mysite.asgi:application -k uvicorn.workers.UvicornWorker',
    { command: 'gunicorn pypackage_serve:asgi -k uvicorn.workers.UvicornWorker', callable: 'mysite.asgi:application', interface: 'asgi' },
  ],
  [
    'uvicorn, behind exec and an environment variable',
    'exec WEB_CONCURRENCY=2 uvicorn mysite.asgi:application --host 0.0.0.0 --port $PORT',
    { command: 'exec WEB_CONCURRENCY=2 uvicorn pypackage_serve:asgi --host 0.0.0.0 --port $PORT', callable: 'mysite.asgi:application', interface: 'asgi' },
  ],
  ['python -m gunicorn', 'python -m gunicorn mysite.wsgi', { command: 'python -m gunicorn pypackage_serve:wsgi', callable: 'mysite.wsgi:application', interface: 'wsgi' }],
  [
    'uvicorn --interface wsgi',
    'uvicorn mysite.wsgi:application --interface wsgi',
    { command: 'uvicorn pypackage_serve:wsgi --interface wsgi', callable: 'mysite.wsgi:application', interface: 'wsgi' },
  ],
  ['a module not in the source (the worker class is not the app)', 'gunicorn -k uvicorn.workers.UvicornWorker other.app:app', undefined],
  ['uvicorn without a callable', 'uvicorn mysite.asgi', undefined],
  ['uvicorn --factory: the callable makes the app', 'uvicorn mysite.asgi:make --factory', undefined],
  ['gunicorn --paste', 'gunicorn --paste production.ini', undefined],
  ['two apps named', 'gunicorn mysite.wsgi config.wsgi', undefined],
  ['a compound command', 'python manage.py migrate && gunicorn mysite.wsgi', undefined],
  ['another server', 'waitress-serve --port=$PORT mysite.wsgi:application', undefined],
  ['a script', 'bin/start-web', undefined],
]
for (const [name, command, want] of cases) {
  WrapServerCommand(name, () => {
    assert.equal(wrapServerCommand(command, inSource), want, `${command} should be ${want ? `wrapped as ${want.command}` : 'left as it is'}`)
  })
}

WrapServerCommand.run()
