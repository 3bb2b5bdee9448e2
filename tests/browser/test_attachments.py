"""Attachments in the browser: an agent attaches a photo on the ticket page and downloads it back; the
customer downloads the one they were allowed to see from the portal, and never an internal one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.test_portal_phone import open_ticket
from tests.tickets.factories import png_bytes
from tests.tickets.flow import Staff, ticket_in
from tickets.models import Attachment, Stage

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_staff_attach_and_download_and_the_customer_downloads_their_own(
    page_for: Callable[..., Any],
    login: Any,
    make_user: Any,
    tmp_path: Path,
    assert_accessible: Callable[[Any], None],
) -> None:
    staff = Staff.create(make_user)
    ticket = ticket_in(Stage.DISPATCHED, staff)
    photo = tmp_path / "modem-lampu-merah.png"
    photo.write_bytes(png_bytes())
    internal = tmp_path / "catatan-teknisi.png"
    internal.write_bytes(png_bytes())

    page = page_for("en")
    login(page, staff.agent)
    page.goto(f"/console/tickets/{ticket.number}/")
    form = page.get_by_test_id("attach-form")
    assert_accessible(page)
    # One for the customer, one internal.
    form.locator("#attach-file").set_input_files(str(photo))
    form.locator("#attach-public").check()
    form.locator("button[type=submit]").click()
    expect(page.get_by_role("alert").or_(page.locator(".alert-success"))).to_contain_text(
        "“modem-lampu-merah.png” is attached."
    )
    page.get_by_test_id("attach-form").locator("#attach-file").set_input_files(str(internal))
    page.get_by_test_id("attach-form").locator("button[type=submit]").click()
    links = page.locator("[data-testid=attachments] a")
    expect(links).to_have_count(2)
    with page.expect_download() as info:
        page.locator("[data-testid=attachments] a", has_text="modem-lampu-merah.png").click()
    download = info.value
    assert download.suggested_filename == "modem-lampu-merah.png"
    assert Path(download.path()).read_bytes() == png_bytes()
    assert Attachment.objects.filter(ticket=ticket).count() == 2

    customer = page_for("en")
    open_ticket(customer, ticket)
    files = customer.locator("[data-testid=attachments] a")
    expect(files).to_have_count(1)
    expect(files).to_have_text("modem-lampu-merah.png")
    with customer.expect_download() as info:
        files.click()
    assert Path(info.value.path()).read_bytes() == png_bytes()
    assert_accessible(customer)
