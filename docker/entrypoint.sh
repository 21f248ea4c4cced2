#!/bin/sh
# One image, one role per container: web, worker, webhooks, beat, or migrate (one-shot); and the
# notifications deployment's notifications-worker, notifications-webhooks and notifications-migrate.
set -eu
# prometheus_client's multiprocess mode sums every file in this directory: files a previous run
# left would count again, and a missing directory fails the first metric write. So any role
# starts it empty (the directory is the container's own).
if [ -n "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then
  rm -rf "$PROMETHEUS_MULTIPROC_DIR"
  mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
fi
case "${1:-web}" in
  web)     exec gunicorn config.wsgi:application --config docker/gunicorn.conf.py ;;
  # Every queue but the webhooks' (a shop without notifications has none of it, which is fine)...
  worker)  exec celery --app config worker --loglevel INFO --concurrency "${WORKER_CONCURRENCY:-4}" --without-gossip --without-mingle \
             --exclude-queues commerce.webhooks ;;
  # ...whose sends wait on receivers (up to their timeout), not on a core: threads, many of them.
  webhooks) exec celery --app config worker --loglevel INFO --pool threads --concurrency "${WEBHOOK_CONCURRENCY:-16}" \
             --hostname webhooks@%h --queues commerce.webhooks --without-gossip --without-mingle ;;
  beat)    exec celery --app config beat --loglevel INFO --schedule /tmp/celerybeat-schedule ;;
  migrate) python manage.py migrate --noinput && python manage.py migrate --noinput --database reporting \
             && { [ -z "${NOTIFICATIONS_DATABASE_URL:-}" ] || python manage.py migrate --noinput --database notifications; } \
             && exec python manage.py catalog_ensure_indexes ;;
  # The notifications deployment (docker/compose.split.yaml): its one database, its queues.
  notifications-migrate) exec python manage.py migrate --noinput ;;
  notifications-worker)  exec celery --app config worker --loglevel INFO --concurrency "${WORKER_CONCURRENCY:-4}" \
             --queues notifications,notifications.relay,notifications.messages --without-gossip --without-mingle ;;
  notifications-webhooks) exec celery --app config worker --loglevel INFO --pool threads --concurrency "${WEBHOOK_CONCURRENCY:-16}" \
             --hostname webhooks@%h --queues notifications.webhooks --without-gossip --without-mingle ;;
  *)       exec "$@" ;;
esac
