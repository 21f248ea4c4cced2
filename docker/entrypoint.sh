#!/bin/sh
# One image, one role per container: web, worker, beat, or migrate (one-shot).
set -eu
case "${1:-web}" in
  web)     exec gunicorn config.wsgi:application --config docker/gunicorn.conf.py ;;
  worker)  exec celery --app config worker --loglevel INFO --concurrency "${WORKER_CONCURRENCY:-4}" --without-gossip --without-mingle ;;
  beat)    exec celery --app config beat --loglevel INFO --schedule /tmp/celerybeat-schedule ;;
  migrate) python manage.py migrate --noinput && python manage.py migrate --noinput --database reporting \
             && exec python manage.py catalog_ensure_indexes ;;
  *)       exec "$@" ;;
esac
