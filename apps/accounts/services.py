from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from knox.models import AuthToken

from apps.accounts.contracts import ROLES, AccountExists
from apps.accounts.event_data import CustomerData
from apps.accounts.models import User
from apps.accounts.signals import (
    customer_deleted,
    customer_email_change_requested,
    customer_email_verified,
    customer_password_reset_requested,
    customer_registered,
)
from apps.accounts.tokens import tokens_revoke_all


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


# --- Customers: sign-up, verification, password, email, deletion ----------------------------


class TokenProblem(Exception):
    """A verification or reset link that cannot be used; `code` is invalid, expired or used."""

    def __init__(self, code: str, detail: str):
        self.code = code
        super().__init__(detail)


VERIFY_SALT = "accounts.verify-email"


def _publish(signal, user: User) -> None:
    """Send an accounts event about `user` in the caller's transaction, one version further."""
    User.objects.filter(pk=user.pk).update(version=F("version") + 1)
    user.version += 1
    signal.send(
        sender=User,
        subject=str(user.pk),
        aggregate_version=user.version,
        data=CustomerData(customer_id=user.pk),
    )


@transaction.atomic
def customer_sign_up(*, email: str, password: str) -> User | None:
    """A new customer account, unverified, with `CustomerRegistered` (the verification email).
    An address already registered changes nothing and returns None: the caller answers the same
    either way, so sign-up does not tell who has an account. The password is validated first."""
    email = User.objects.normalize_email(email).strip().lower()
    validate_password(password, user=User(email=email))
    if User.objects.filter(email__iexact=email).exists():
        return None
    try:
        with transaction.atomic():
            user = User.objects.create_user(email, password)
    except IntegrityError:  # a concurrent sign-up with the same address won
        return None
    _publish(customer_registered, user)
    return user


def email_verification_token(*, user: User) -> str:
    """A signed link token for the address awaiting verification (pending change, else the
    account's own); expires after ACCOUNTS_EMAIL_VERIFICATION_MAX_AGE. Never stored."""
    email = user.pending_email or user.email
    return signing.dumps({"a": user.pk, "e": email}, salt=VERIFY_SALT, compress=True)


@transaction.atomic
def email_verify(*, token: str) -> User:
    """Follow a verification link: the account's address (or the pending new one) is verified,
    with `CustomerEmailVerified`. Raises TokenProblem for a bad, expired or already used link,
    AccountExists when another account took the new address meanwhile."""
    max_age = settings.ACCOUNTS_EMAIL_VERIFICATION_MAX_AGE.total_seconds()
    try:
        claim = signing.loads(token, salt=VERIFY_SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise TokenProblem("expired", "This verification link has expired; ask for a new one.") from None
    except signing.BadSignature:
        raise TokenProblem("invalid", "This verification link is not valid.") from None
    user = User.objects.select_for_update().filter(pk=claim["a"]).first()
    if user is None:
        raise TokenProblem("invalid", "This verification link is not valid.")
    if claim["e"] == user.pending_email:
        if User.objects.filter(email__iexact=user.pending_email).exclude(pk=user.pk).exists():
            raise AccountExists(user.pending_email)
        user.email, user.pending_email = user.pending_email, ""
    elif claim["e"] != user.email or user.email_verified_at is not None:
        raise TokenProblem("used", "This verification link was already used or is out of date.")
    user.email_verified_at = timezone.now()
    user.save(update_fields=["email", "pending_email", "email_verified_at"])
    _publish(customer_email_verified, user)
    return user


@transaction.atomic
def email_verification_resend(*, user: User) -> bool:
    """Send the verification email again; False when there is nothing to verify."""
    if user.email_verified_at is not None and not user.pending_email:
        return False
    signal = customer_email_change_requested if user.pending_email else customer_registered
    _publish(signal, user)
    return True


@transaction.atomic
def password_reset_request(*, email: str) -> None:
    """`CustomerPasswordResetRequested` for the active account with this address, if any; the
    caller answers the same either way."""
    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if user is not None:
        _publish(customer_password_reset_requested, user)


def password_reset_link_parts(*, user: User) -> tuple[str, str]:
    """(uid, token) for a reset link: Django's token generator, valid PASSWORD_RESET_TIMEOUT and
    only until the password changes (so a used link is dead). Never stored."""
    return urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)


@transaction.atomic
def password_reset_confirm(*, uid: str, token: str, new_password: str) -> User:
    """Set a new password from a reset link; every API token is revoked (signed out everywhere).
    Raises TokenProblem, or Django's ValidationError for a password the validators refuse."""
    try:
        pk = int(urlsafe_base64_decode(uid).decode())
    except (ValueError, UnicodeDecodeError):
        pk = None
    user = User.objects.select_for_update().filter(pk=pk, is_active=True).first() if pk else None
    if user is None or not default_token_generator.check_token(user, token):
        raise TokenProblem("invalid", "This reset link is not valid: it has expired or was already used.")
    validate_password(new_password, user=user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    tokens_revoke_all(user=user)
    return user


@transaction.atomic
def password_change(*, user: User, new_password: str, keep: AuthToken | None) -> None:
    """Change the password (the caller checked the current one); every other token is revoked."""
    validate_password(new_password, user=user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    others = AuthToken.objects.filter(user=user)
    if keep is not None:
        others = others.exclude(digest=keep.digest)
    others.delete()


@transaction.atomic
def email_change_request(*, user: User, new_email: str) -> None:
    """Remember the new address and send it a verification link (`CustomerEmailChangeRequested`);
    the account keeps its address until the link is followed. An address that belongs to another
    account is accepted the same way (the link then fails), so this does not tell who has one."""
    user.pending_email = User.objects.normalize_email(new_email).strip().lower()
    user.save(update_fields=["pending_email"])
    _publish(customer_email_change_requested, user)


@transaction.atomic
def account_delete(*, user: User) -> None:
    """Delete the account: its tokens, addresses and 2FA devices go with it; `CustomerDeleted`
    tells the modules holding personal data about the customer to erase it (orders keep the
    books, detached). Ids are never reused, so no later account inherits anything."""
    _publish(customer_deleted, user)
    user.delete()
