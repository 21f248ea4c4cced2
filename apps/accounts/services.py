from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from rest_framework.authtoken.models import Token

from apps.accounts.contracts import ROLES, AccountExists
from apps.accounts.models import User


def token_issue(*, user: User) -> str:
    """The user's API token, created on first request; one token per user."""
    token, _ = Token.objects.get_or_create(user=user)
    return token.key


@transaction.atomic
def account_create(*, email: str, password: str, role: str | None = None, superuser: bool = False) -> User:
    """Create a customer, or a staff member when given a role (or superuser)."""
    if role is not None and role not in ROLES:
        raise ValueError(f"unknown role {role!r}; roles are {', '.join(ROLES)}")
    create = User.objects.create_superuser if superuser else User.objects.create_user
    try:
        with transaction.atomic():
            user = create(email, password, is_staff=superuser or role is not None)
    except IntegrityError:
        raise AccountExists(email) from None
    if role is not None:
        user.groups.add(Group.objects.get(name=role))
    return user
