"""Celery tasks: thin wrappers over the tokens."""

from celery import shared_task

from apps.accounts import tokens


@shared_task(name="accounts.purge_expired_tokens", ignore_result=True)
def purge_expired_tokens() -> int:
    """Delete long-expired API tokens. Scheduled hourly by beat; safe to run twice."""
    return tokens.tokens_purge_expired()
