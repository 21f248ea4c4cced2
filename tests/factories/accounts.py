import factory
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.accounts.tokens import token_issue

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    password = factory.django.Password(PASSWORD)
    is_active = True


class StaffFactory(UserFactory):
    """A staff member in one role group: `StaffFactory(role="finance")`."""

    email = factory.Sequence(lambda n: f"staff{n}@example.com")
    is_staff = True

    @factory.post_generation
    def role(self, create: bool, extracted: str | None, **kwargs) -> None:
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))


def token_client(user: User) -> APIClient:
    """An API client authenticated as `user` with a real token of its own (a device)."""
    return token_clients(user, 1)[0]


def token_clients(user: User, count: int) -> list[APIClient]:
    """`count` API clients sharing one real token of `user` (one device, many connections)."""
    token, _ = token_issue(user=user)
    clients = [APIClient() for _ in range(count)]
    for client in clients:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return clients
