"""Existing plain DRF tokens become hashed knox tokens with the same key.

Clients keep sending the key they have (`Authorization: Token <key>`) and stay signed in until
ACCOUNTS_LEGACY_TOKEN_TTL after the deploy; the plain keys are deleted, so the database holds no
usable token afterwards. Reversing changes nothing: plain keys cannot be recovered from digests.
"""

from django.conf import settings
from django.db import migrations
from django.utils import timezone
from knox.crypto import hash_token
from knox.settings import CONSTANTS


def hash_legacy_tokens(apps, schema_editor):
    Token = apps.get_model("authtoken", "Token")
    AuthToken = apps.get_model("knox", "AuthToken")
    db = schema_editor.connection.alias
    expiry = timezone.now() + settings.ACCOUNTS_LEGACY_TOKEN_TTL
    legacy = list(Token.objects.using(db).values_list("key", "user_id"))
    AuthToken.objects.using(db).bulk_create(
        [
            AuthToken(
                digest=hash_token(key),
                token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH],
                user_id=user_id,
                expiry=expiry,
            )
            for key, user_id in legacy
        ],
        ignore_conflicts=True,
    )
    Token.objects.using(db).filter(key__in=[key for key, _ in legacy]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_role_groups"),
        ("authtoken", "0004_alter_tokenproxy_options"),
        ("knox", "0009_extend_authtoken_field"),
    ]

    operations = [migrations.RunPython(hash_legacy_tokens, migrations.RunPython.noop)]
