"""The customer portal's pages, through Django's test client: filing, tracking, confirming, rejecting,
rating, rate limits and language. Tickets are made and moved by the services (tests/tickets/flow.py)."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import dateformat, timezone, translation

from escalation.models import Escalation
from helpdesk.lib import ticket_numbers
from reports.models import SatisfactionRating
from tests.portal.conftest import JAKARTA, complaint_form
from tests.tickets.factories import CustomerFactory, ServiceFactory, make_ticket
from tests.tickets.flow import Staff, ticket_in
from tickets import services
from tickets.models import Customer, Region, Stage, Ticket

pytestmark = pytest.mark.django_db


def complaint(**overrides: Any) -> dict[str, str]:
    return complaint_form(**overrides)


def without_csrf(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken"', html)


def track(client: Client, number: str, contact: str) -> Any:
    return client.post("/portal/track/", {"number": number, "contact": contact})


# --- Filing ---------------------------------------------------------------------------------------------


def test_filing_creates_a_portal_ticket_for_the_given_contact_and_shows_its_number(english: Client) -> None:
    data = complaint()
    response = english.post("/portal/file/", data)

    assert response.status_code == 302
    assert response["Location"] == "/portal/file/done/"
    ticket = Ticket.objects.get()
    assert ticket.channel == "portal"
    assert ticket.stage == Stage.RECEIVED
    assert ticket.customer.email == "siti.rahayu@example.co.id"
    assert ticket.customer.phone == "+6281234567890"
    assert ticket.description == "Internet mati sejak pagi."
    typed = dt.datetime.strptime(data["incident_at"], "%Y-%m-%dT%H:%M").replace(tzinfo=JAKARTA)
    assert ticket.incident_at == typed

    page = english.get("/portal/file/done/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'<span aria-hidden="true">{ticket.number}</span>' in html
    assert "What happens next" in html


def test_filing_with_a_known_email_files_for_that_customer(english: Client) -> None:
    existing = CustomerFactory(email="siti.rahayu@example.co.id", phone="+6281299990000")

    english.post("/portal/file/", complaint())

    assert Ticket.objects.get().customer == existing
    assert Customer.objects.count() == 1


def test_filing_in_another_time_zone_reads_the_time_there(english: Client) -> None:
    data = complaint(incident_time_zone="Asia/Jayapura")
    english.post("/portal/file/", data)

    papua = zoneinfo.ZoneInfo("Asia/Jayapura")
    typed = dt.datetime.strptime(data["incident_at"], "%Y-%m-%dT%H:%M").replace(tzinfo=papua)
    assert Ticket.objects.get().incident_at == typed


def _future() -> str:
    return timezone.localtime(timezone.now() + dt.timedelta(days=1), JAKARTA).strftime("%Y-%m-%dT%H:%M")


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required."),
        ({"description": "   "}, "description", "This field is required."),
        ({"category": ""}, "category", "This field is required."),
        ({"incident_at": ""}, "incident_at", "This field is required."),
        ({"email": "siti@"}, "email", "Enter a valid email address."),
        ({"phone": "12345"}, "phone", "Enter a valid phone number, e.g. 0812 3456 7890."),
        (
            {"incident_at": "yesterday"},
            "incident_at",
            "Give a date and time we can read, such as 31-12-2026 09:30.",
        ),
        ({"incident_at": _future()}, "incident_at", "This time is in the future."),
        (
            {"description": "x" * 10_001},
            "description",
            "Write at most 10000 characters (this has 10001).",
        ),
    ],
    ids=[
        "missing-name",
        "blank-description",
        "missing-category",
        "missing-time",
        "bad-email",
        "bad-phone",
        "unreadable-time",
        "future-time",
        "long-description",
    ],
)
def test_bad_complaint_shows_the_field_error_and_stores_nothing(
    english: Client, overrides: dict[str, str], field: str, message: str
) -> None:
    response = english.post("/portal/file/", complaint(**overrides))

    assert response.status_code == 400
    assert response.context["form"].errors == {field: [message]}
    html = response.content.decode()
    # Next to the field (linked to it by id), and in the summary at the top.
    assert re.search(rf'<div id="id_{field}_error"[^>]*>\s*<div>{re.escape(_escaped(message))}</div>', html)
    assert 'aria-invalid="true"' in html
    assert Ticket.objects.count() == 0
    assert Customer.objects.count() == 0


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def test_several_mistakes_are_reported_together(english: Client) -> None:
    response = english.post("/portal/file/", complaint(name="", email="nope", phone="abc"))

    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"name", "email", "phone"}
    assert Ticket.objects.count() == 0


def test_the_form_needs_a_csrf_token() -> None:
    client = Client(enforce_csrf_checks=True)

    response = client.post("/portal/file/", complaint())

    assert response.status_code == 403
    assert Ticket.objects.count() == 0


def test_the_confirmation_page_is_only_for_the_session_that_filed(english: Client) -> None:
    english.post("/portal/file/", complaint())

    stranger = Client().get("/portal/file/done/")

    assert stranger.status_code == 302
    assert stranger["Location"] == "/portal/file/"


def test_html_in_the_description_is_shown_escaped(english: Client) -> None:
    english.post("/portal/file/", complaint(description='<script>alert("x")</script><b>bold</b>'))
    ticket = Ticket.objects.get()

    html = english.get(f"/portal/tickets/{ticket.number}/").content.decode()

    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;" in html
    assert "<script>alert" not in html
    assert "<b>bold</b>" not in html


# --- Tracking -------------------------------------------------------------------------------------------


@pytest.fixture
def ticket(staff: Staff) -> Ticket:
    customer = CustomerFactory(email="budi@example.co.id", phone="+6281234567890")
    return make_ticket(actor=staff.agent, customer=customer, description="Sinyal hilang")


@pytest.mark.parametrize(
    "contact",
    ["budi@example.co.id", "BUDI@Example.co.id", "0812-3456-7890", "+62 812 3456 7890", "081234567890"],
)
def test_tracking_with_the_contact_on_record_shows_the_public_status(
    english: Client, ticket: Ticket, contact: str
) -> None:
    response = track(english, ticket.number.lower().replace("-", ""), contact)

    assert response.status_code == 302
    assert response["Location"] == f"/portal/tickets/{ticket.number}/"
    page = english.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert '<span data-testid="stage">Received</span>' in html
    assert "Sinyal hilang" in html
    assert f"We have received your complaint. Your ticket number is {ticket.number}." in html


def test_a_wrong_contact_and_an_unknown_number_get_the_same_not_found(
    english: Client, ticket: Ticket
) -> None:
    unknown = ticket_numbers.encode(123_456_789)
    assert not Ticket.objects.filter(number=unknown).exists()

    wrong_contact = track(english, ticket.number, "someone.else@example.co.id")
    unknown_number = track(english, unknown, "someone.else@example.co.id")

    assert wrong_contact.status_code == unknown_number.status_code == 404
    assert "No ticket matches this number and contact." in wrong_contact.content.decode()
    # Identical apart from the number the visitor typed (echoed in the field) and the CSRF token.
    assert without_csrf(wrong_contact.content.decode()).replace(ticket.number, "NUMBER") == without_csrf(
        unknown_number.content.decode()
    ).replace(unknown, "NUMBER")
    assert "Sinyal hilang" not in wrong_contact.content.decode()
    assert english.get(f"/portal/tickets/{ticket.number}/").status_code == 302


def test_the_status_page_needs_a_successful_track_first(ticket: Ticket) -> None:
    response = Client().get(f"/portal/tickets/{ticket.number}/")

    assert response.status_code == 302
    assert response["Location"] == f"/portal/track/?number={ticket.number}"


def test_access_is_remembered_for_the_tracked_ticket_only(
    english: Client, ticket: Ticket, staff: Staff
) -> None:
    same_customer_other_ticket = make_ticket(actor=staff.agent, customer=ticket.customer, description="Lain")
    track(english, ticket.number, "budi@example.co.id")

    assert english.get(f"/portal/tickets/{ticket.number}/").status_code == 200
    other = english.get(f"/portal/tickets/{same_customer_other_ticket.number}/")
    assert other.status_code == 302
    assert other["Location"].startswith("/portal/track/")


def test_tracking_starts_a_new_session_key(english: Client, ticket: Ticket) -> None:
    english.get("/portal/track/")
    english.session.save()  # an anonymous session exists before tracking
    before = english.session.session_key

    track(english, ticket.number, "budi@example.co.id")

    assert english.session.session_key != before


def test_internal_notes_are_never_shown(english: Client, ticket: Ticket, staff: Staff) -> None:
    services.ticket_act(ticket=ticket, actor=staff.agent, action="respond", data={"body": "Teknisi dikirim."})
    services.ticket_act(ticket=ticket, actor=staff.agent, action="note", data={"body": "RAHASIA internal"})
    track(english, ticket.number, "budi@example.co.id")

    html = english.get(f"/portal/tickets/{ticket.number}/").content.decode()

    assert "Teknisi dikirim." in html
    assert "Reply from customer care" in html
    assert "RAHASIA" not in html
    assert staff.agent.username not in html


def test_deadlines_are_shown_in_the_region_time_zone(english: Client, staff: Staff) -> None:
    papua = Region.objects.get(code="jyp")
    service = ServiceFactory(customer=CustomerFactory(region=papua), region=papua)
    ticket = make_ticket(actor=staff.agent, service=service, classification="minor")
    assert ticket.first_response_due is not None
    track(english, ticket.number, ticket.customer.email)

    html = english.get(f"/portal/tickets/{ticket.number}/").content.decode()

    with translation.override("en"):
        local = timezone.localtime(ticket.first_response_due, zoneinfo.ZoneInfo("Asia/Jayapura"))
        expected = dateformat.format(local, "j F Y, H:i")
    assert f"<dt>We will contact you by</dt><dd>{expected} WIT</dd>" in html


# --- Confirm, reject, rate ------------------------------------------------------------------------------


def _tracked(client: Client, ticket: Ticket) -> None:
    response = track(client, ticket.number, ticket.customer.email)
    assert response.status_code == 302


def test_a_resolved_ticket_can_be_confirmed_and_then_rated_once(english: Client, staff: Staff) -> None:
    ticket = ticket_in(Stage.RESOLVED, staff)
    _tracked(english, ticket)
    page = english.get(f"/portal/tickets/{ticket.number}/").content.decode()
    assert f'action="/portal/tickets/{ticket.number}/confirm/"' in page
    assert f'action="/portal/tickets/{ticket.number}/rate/"' not in page

    response = english.post(f"/portal/tickets/{ticket.number}/confirm/", follow=True)

    ticket.refresh_from_db()
    assert ticket.stage == Stage.CONFIRMED
    assert ticket.confirmed_at is not None
    html = response.content.decode()
    assert "Thank you for confirming." in html
    assert f'action="/portal/tickets/{ticket.number}/confirm/"' not in html
    assert f'action="/portal/tickets/{ticket.number}/rate/"' in html

    rated = english.post(
        f"/portal/tickets/{ticket.number}/rate/", {"csat": "4", "nps": "9", "comment": "Cepat"}, follow=True
    )

    rating = SatisfactionRating.objects.get(ticket=ticket)
    assert (rating.csat, rating.nps, rating.comment, rating.via) == (4, 9, "Cepat", "portal")
    assert "you rated our service 4 out of 5" in rated.content.decode()
    assert f'action="/portal/tickets/{ticket.number}/rate/"' not in rated.content.decode()

    again = english.post(f"/portal/tickets/{ticket.number}/rate/", {"csat": "1"}, follow=True)

    assert again.status_code == 200
    assert "This ticket has already been rated." in again.content.decode()
    assert SatisfactionRating.objects.get(ticket=ticket).csat == 4


def test_a_rating_needs_csat_and_keeps_nps_in_range(english: Client, staff: Staff) -> None:
    ticket = ticket_in(Stage.CONFIRMED, staff)
    _tracked(english, ticket)

    response = english.post(f"/portal/tickets/{ticket.number}/rate/", {"nps": "11"})

    assert response.status_code == 400
    assert set(response.context["rate_form"].errors) == {"csat", "nps"}
    assert not SatisfactionRating.objects.filter(ticket=ticket).exists()


def test_rejecting_needs_a_reason_and_then_reopens_and_escalates(english: Client, staff: Staff) -> None:
    ticket = ticket_in(Stage.RESOLVED, staff)
    _tracked(english, ticket)

    blank = english.post(f"/portal/tickets/{ticket.number}/reject/", {"reason": " "})

    assert blank.status_code == 400
    assert blank.context["reject_form"].errors == {"reason": ["This field is required."]}
    ticket.refresh_from_db()
    assert (ticket.stage, ticket.rejection_count) == (Stage.RESOLVED, 0)

    response = english.post(
        f"/portal/tickets/{ticket.number}/reject/", {"reason": "Masih lambat di malam hari"}, follow=True
    )

    ticket.refresh_from_db()
    assert (ticket.stage, ticket.rejection_count, ticket.escalation_level) == (Stage.DISPATCHED, 1, 1)
    assert Escalation.objects.filter(ticket=ticket, level=1, reason="dissatisfaction").count() == 1
    html = response.content.decode()
    assert "Your complaint is back with the technical team" in html
    assert "Masih lambat di malam hari" in html  # the customer's own message, in the timeline
    assert f'action="/portal/tickets/{ticket.number}/confirm/"' not in html


def test_confirming_in_the_wrong_stage_is_refused_with_a_message(english: Client, ticket: Ticket) -> None:
    _tracked(english, ticket)
    page = english.get(f"/portal/tickets/{ticket.number}/").content.decode()
    assert "/confirm/" not in page
    assert "/reject/" not in page
    assert "/rate/" not in page

    response = english.post(f"/portal/tickets/{ticket.number}/confirm/", follow=True)

    assert response.status_code == 200
    assert "cannot be given “Confirm the fix”" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.stage == Stage.RECEIVED
    assert ticket.confirmed_at is None

    rate = english.post(f"/portal/tickets/{ticket.number}/rate/", {"csat": "5"}, follow=True)

    assert "A ticket can be rated once the customer has confirmed the fix." in rate.content.decode()
    assert not SatisfactionRating.objects.filter(ticket=ticket).exists()


def test_actions_need_proven_access_to_that_ticket(english: Client, staff: Staff) -> None:
    ticket = ticket_in(Stage.RESOLVED, staff)
    other = ticket_in(Stage.RESOLVED, staff)
    _tracked(english, other)

    for action, data in (("confirm", {}), ("reject", {"reason": "no"}), ("rate", {"csat": "5"})):
        response = english.post(f"/portal/tickets/{ticket.number}/{action}/", data)
        assert response.status_code == 302
        assert response["Location"] == f"/portal/track/?number={ticket.number}"

    ticket.refresh_from_db()
    assert (ticket.stage, ticket.rejection_count) == (Stage.RESOLVED, 0)


# --- Rate limits ----------------------------------------------------------------------------------------


@pytest.fixture
def one_rate_window() -> Any:
    """Hold the clock still: the rate limits count in fixed one-minute windows, and a test that crossed
    a minute boundary on a slow machine would start a fresh count half-way."""
    with time_machine.travel(timezone.now().replace(second=1, microsecond=0), tick=False):
        yield


def test_filing_is_rate_limited_per_ip_at_the_api_rate(
    english: Client, settings: Any, one_rate_window: None
) -> None:
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["portal"] == "30/minute"
    bad = complaint(name="")
    for _ in range(30):
        assert english.post("/portal/file/", bad).status_code == 400

    limited = english.post("/portal/file/", complaint())

    assert limited.status_code == 429
    assert limited["Retry-After"] == "60"
    assert "Please wait a moment" in limited.content.decode()
    assert Ticket.objects.count() == 0
    # Reading the form is not limited, and another address is not held back.
    assert english.get("/portal/file/").status_code == 200
    other = Client(REMOTE_ADDR="10.1.2.3")
    other.cookies["django_language"] = "en"
    assert other.post("/portal/file/", complaint()).status_code == 302


def test_tracking_is_rate_limited_per_ip(
    english: Client, ticket: Ticket, settings: Any, one_rate_window: None
) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"portal": "30/minute", "portal_track": "3/minute"},
    }
    for _ in range(3):
        assert track(english, ticket.number, "wrong@example.co.id").status_code == 404

    limited = track(english, ticket.number, "budi@example.co.id")

    assert limited.status_code == 429
    assert english.get(f"/portal/tickets/{ticket.number}/").status_code == 302


def test_the_limit_follows_the_forwarded_address_behind_a_proxy(ticket: Ticket, settings: Any) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "NUM_PROXIES": 1,
        "DEFAULT_THROTTLE_RATES": {"portal": "30/minute", "portal_track": "1/minute"},
    }
    proxy = Client(REMOTE_ADDR="10.0.0.1")

    form = {"number": "x", "contact": "y"}
    first = proxy.post("/portal/track/", form, HTTP_X_FORWARDED_FOR="1.1.1.1")
    second = proxy.post("/portal/track/", form, HTTP_X_FORWARDED_FOR="1.1.1.1")
    someone_else = proxy.post("/portal/track/", form, HTTP_X_FORWARDED_FOR="2.2.2.2")

    assert (first.status_code, second.status_code, someone_else.status_code) == (404, 429, 404)


def test_the_pages_and_the_api_draw_on_one_budget(
    english: Client, ticket: Ticket, settings: Any, one_rate_window: None
) -> None:
    """Tracking through the page and through /api/portal/track/ counts against the same limit per
    client (issue 18, finding 7): using both does not double it."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"portal": "30/minute", "portal_track": "4/minute"},
    }
    api = Client()
    for _ in range(2):
        assert track(english, ticket.number, "wrong@example.co.id").status_code == 404
        answer = api.get("/api/portal/track/", {"number": ticket.number, "contact": "wrong@example.co.id"})
        assert answer.status_code == 404
    assert api.get("/api/portal/track/", {"number": ticket.number, "contact": "x"}).status_code == 429
    assert track(english, ticket.number, "budi@example.co.id").status_code == 429


def test_the_login_lock_out_counts_per_forwarded_address_behind_a_proxy(settings: Any) -> None:
    """django-axes reads the client's address where every rate limit does: behind a proxy, one
    customer's bad passwords lock only that address out of that account, not everyone."""
    from axes.helpers import get_client_ip_address
    from django.test import RequestFactory

    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    factory = RequestFactory()
    one = factory.post("/accounts/login/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.1.1.1")
    two = factory.post("/accounts/login/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 2.2.2.2")
    assert (get_client_ip_address(one), get_client_ip_address(two)) == ("1.1.1.1", "2.2.2.2")


# --- Language -------------------------------------------------------------------------------------------


def required_in_indonesian() -> str:
    with translation.override("id"):
        return translation.gettext("This field is required.")


def test_the_portal_is_indonesian_by_default_even_for_an_english_browser() -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")

    home = client.get("/portal/")
    errors = client.post("/portal/file/", complaint(name=""))

    assert '<html lang="id">' in home.content.decode()
    assert home["Content-Language"] == "id"
    assert '<option value="id" selected>Bahasa Indonesia</option>' in home.content.decode()
    # Django's own Indonesian catalogue proves the language really is active, not just the attribute.
    assert required_in_indonesian() != "This field is required."
    assert required_in_indonesian() in errors.content.decode()
    assert "This field is required." not in errors.content.decode()


def test_the_language_switch_turns_the_portal_english() -> None:
    client = Client()

    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/portal/file/"})

    assert switched.status_code == 302
    assert switched["Location"] == "/portal/file/"
    page = client.get("/portal/file/").content.decode()
    assert '<html lang="en">' in page
    assert '<option value="en" selected>English</option>' in page
    errors = client.post("/portal/file/", complaint(name=""))
    assert "This field is required." in errors.content.decode()
    assert required_in_indonesian() not in errors.content.decode()


def test_an_unsupported_language_cookie_falls_back_to_indonesian() -> None:
    client = Client()
    client.cookies["django_language"] = "fr"

    assert '<html lang="id">' in client.get("/portal/").content.decode()


@pytest.mark.parametrize("path", ["/portal/", "/portal/file/", "/portal/track/"])
def test_pages_have_landmarks_a_skip_link_and_labelled_fields(path: str) -> None:
    html = Client().get(path).content.decode()

    assert '<a class="skip-link visually-hidden-focusable" href="#main">' in html
    assert '<main id="main"' in html
    assert "<header" in html and "<nav" in html and "<footer" in html
    for field_id in re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html):
        if field_id.startswith("id_"):
            assert f'for="{field_id}"' in html, field_id
    assert "cdn" not in html.lower()
