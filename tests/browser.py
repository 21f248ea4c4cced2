"""Headless chromium for the admin browser tests (Playwright driving Debian's /usr/bin/chromium).

Where chromium is missing the browser tests are skipped with one line saying what to install;
in CI (`CI` set) they fail instead, so a CI run can never pass without them.
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from tests.factories.accounts import PASSWORD
from tests.helpers import tool_missing

CHROMIUM = "/usr/bin/chromium"
MISSING = f"{CHROMIUM} is missing: install Debian's chromium (`apt-get install chromium`); never `playwright install`"


@contextmanager
def browser_page(live_server) -> Iterator[Page]:
    """A page of headless chromium whose relative URLs go to the live server.

    No ORM inside this block: Playwright's sync API runs an asyncio loop in this thread, where Django
    raises SynchronousOnlyOperation. Tests read what they need before it and check the DB after it,
    so DJANGO_ALLOW_ASYNC_UNSAFE stays unset.
    """
    if not Path(CHROMIUM).exists():
        tool_missing(MISSING)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            page = browser.new_page(base_url=live_server.url)
            page.set_default_timeout(15_000)
            yield page
        finally:
            browser.close()


def log_in(page: Page, email: str) -> None:
    page.goto("/admin/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form input[type=submit]")
    page.wait_for_url(re.compile(r"/admin/$"))
