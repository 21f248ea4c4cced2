"""The accounts module's rows of the exception → problem table (apps.common.problems)."""

from apps.accounts.addresses import TooManyAddresses
from apps.accounts.contracts import AccountExists
from apps.common.problems import ProblemRow

PROBLEMS = {
    # Only email verification lets it through: sign-up answers the same whether or not it is taken.
    AccountExists: ProblemRow(409, "email-taken", detail=lambda exc: "Another account has this address now."),
    TooManyAddresses: ProblemRow(
        409, "too-many-addresses", detail=lambda exc: f"An address book holds at most {exc} addresses."
    ),
}
