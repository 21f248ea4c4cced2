"""The `data` of every accounts event, as services send it. Stdlib only.

Source of contracts/events/accounts.*.json (`make schema`). Ids only: the email address and the
links an email carries are fetched by the sender when it sends (`accounts.public.account_link`),
so no personal data and no usable secret sits in the outbox or in a delivery.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class CustomerData:
    customer_id: int


EVENT_DATA = {
    # Signed up: the notifications module sends the verification email.
    "accounts.CustomerRegistered.v1": CustomerData,
    # Followed a verification link: welcome email; orders gives them the guest orders of the address.
    "accounts.CustomerEmailVerified.v1": CustomerData,
    # Asked to change their address: a verification email to the new one.
    "accounts.CustomerEmailChangeRequested.v1": CustomerData,
    # Asked for a password reset: the reset email (nothing is sent for an unknown address).
    "accounts.CustomerPasswordResetRequested.v1": CustomerData,
    # Deleted their account: modules holding personal data about them erase it.
    "accounts.CustomerDeleted.v1": CustomerData,
}
