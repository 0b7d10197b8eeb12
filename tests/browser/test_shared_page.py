"""tests/browser/conftest.py SharedPage: the tests that only read pages share one context
and page (a new one per test cost ~1.6 s of chromium's CPU), and still each start on a
blank page with no cookies, and each test's page errors still fail that test."""

from typing import Any

import pytest

from tests.browser.conftest import SharedPage

pytestmark = pytest.mark.browser


def test_the_next_test_gets_the_same_page_blank_and_its_own_errors(
    shared_page: SharedPage,
) -> None:
    first = shared_page.take()
    context = first.context
    first.set_content("<p id='left'>left by the first test</p>")
    context.add_cookies([{"name": "left", "value": "1", "url": "http://127.0.0.1:1/"}])
    with context.expect_page():
        first.evaluate("window.open('about:blank')")  # a popup the first test leaves open
    with first.expect_event("pageerror"):  # thrown by the page after evaluate returned
        first.evaluate("setTimeout(() => { throw new Error('the first test broke it'); })")
    errors = shared_page.give_back()
    assert len(errors) == 1 and "the first test broke it" in errors[0], errors

    second = shared_page.take()
    assert second is first and second.context is context  # no new context or page
    assert second.url == "about:blank" and second.locator("#left").count() == 0
    assert context.cookies() == [] and context.pages == [second]
    assert shared_page.give_back() == []  # the first test's error was the first test's

    second.close()  # a page lost: the next test gets a new one, and the old context goes
    third: Any = shared_page.take()
    assert third is not first and not third.is_closed() and third.url == "about:blank"
    assert third.context is not context
    assert all(c is not context for c in shared_page.browser.contexts)  # closed
    assert shared_page.give_back() == []
