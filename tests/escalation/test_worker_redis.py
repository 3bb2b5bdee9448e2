"""A real Celery worker on a real Redis (SPEC §7, issue 5): the ticket is never lost when Redis or the
worker is away, and every email owed goes out exactly once.

The test runs its own redis-server on a free port (the shared one is never stopped) and starts
`celery worker` as a separate process with tests/escalation/worker_settings.py: the same test database,
emails written to files. The data must be committed for the worker to see it, hence transactional tests.

What "exactly once" rests on (escalation.services.notification_deliver): the row is claimed (committed)
before the send and marked sent right after it. A worker killed before the send leaves a claim that
expires after the lease; the row is then sent again by the redelivered task or beat's flush — once. A
worker killed in the instant between a finished send and `sent_at` being recorded could send twice;
the stable Message-ID header lets the mail server drop that copy. This test kills the worker inside the
send, before the message is handed over, which is the case the design guarantees.

Nothing here is timed. Every wait polls a condition (the emails sent, the broker's queue drained, a claim
expired) until a generous deadline, and fails saying what it waited for; that requests with Redis down
do not each wait for the broker is proven by counting the attempts to publish.
"""

from __future__ import annotations

import datetime as dt
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from django.utils import timezone

from helpdesk.celery import app
from notifications import services as notification_services
from notifications.models import Notification, NotificationChannel
from tests.celery_worker import CeleryWorkerProcess, worker_environment
from tests.tickets.factories import ServiceFactory, make_ticket
from tests.tickets.flow import Staff

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server on PATH"),
]


# How long any wait below may take before the test fails, saying what it waited for. These are deadlines,
# not measurements: a condition met sooner ends the wait at once, so a slow machine only waits longer.
DEADLINE_SECONDS = 60.0


def wait_for(condition: Callable[[], object], *, what: str, seconds: float = DEADLINE_SECONDS) -> None:
    """Poll `condition` until it is true; fail, naming `what` was awaited, when `seconds` have passed."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {seconds:.0f} s for {what}")
        time.sleep(0.1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """A redis-server of the test's own, stopped and started at will on one port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 — a fixed command line of the test's own
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self.is_listening, what=f"redis-server to listen on port {self.port}")

    def is_listening(self) -> bool:
        with socket.socket() as sock:
            return sock.connect_ex(("127.0.0.1", self.port)) == 0

    def messages_waiting(self) -> int:
        """Messages in the broker not yet done with: queued, or taken by a worker and not yet acked
        (the tasks ack late, so a message leaves the unacked hash only once its task has run)."""
        client = redis.Redis(host="127.0.0.1", port=self.port)
        try:
            queued = sum(client.llen(key) for key in client.keys("celery*") if client.type(key) == b"list")
            return int(queued) + int(client.hlen("unacked"))
        finally:
            client.close()

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def broker(redis_server: RedisServer) -> Iterator[RedisServer]:
    """Point this process's Celery app (the web side) at the test's Redis for the test."""
    previous = app.conf.broker_url

    def use(url: str) -> None:
        # The connection and producer pools are cached per app; a new URL needs new ones. (The broker
        # back-off is reset around every test by tests/conftest.py.)
        app.conf.broker_url = url
        app._pool = None
        app.amqp._producer_pool = None

    use(redis_server.url)
    try:
        yield redis_server
    finally:
        use(previous)


@pytest.fixture
def mail_dirs(tmp_path: Path) -> tuple[Path, Path]:
    mail, markers = tmp_path / "mail", tmp_path / "markers"
    mail.mkdir()
    markers.mkdir()
    return mail, markers


class Worker(CeleryWorkerProcess):
    def __init__(self, redis: RedisServer, mail: Path, markers: Path) -> None:
        super().__init__()
        self.redis, self.mail, self.markers = redis, mail, markers

    def start(self, *, slow_send: float = 0) -> None:
        env = worker_environment(
            settings_module="tests.escalation.worker_settings",
            broker_url=self.redis.url,
            HELPDESK_TEST_MAIL_DIR=str(self.mail),
            HELPDESK_TEST_MARKER_DIR=str(self.markers),
            HELPDESK_TEST_SLOW_SEND=str(slow_send or ""),
        )
        self.spawn(env)


@pytest.fixture
def worker(broker: RedisServer, mail_dirs: tuple[Path, Path]) -> Iterator[Worker]:
    started = Worker(broker, *mail_dirs)
    try:
        yield started
    finally:
        started.stop()


def owed_emails() -> list[int]:
    return list(
        Notification.objects.filter(channel=NotificationChannel.EMAIL)
        .order_by("id")
        .values_list("id", flat=True)
    )


def wait_until_sent(ids: list[int]) -> None:
    def unsent() -> list[int]:
        return list(
            Notification.objects.filter(pk__in=ids, sent_at__isnull=True).values_list("id", flat=True)
        )

    try:
        wait_for(lambda: not unsent(), what=f"{len(ids)} emails to be sent")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; still unsent: {unsent()}") from None


def wait_until_worker_idle(redis_server: RedisServer) -> None:
    """Every message published so far has been run and acked by the worker."""
    wait_for(lambda: redis_server.messages_waiting() == 0, what="the worker to run every queued task")


def sends_per_notification(mail: Path) -> dict[int, int]:
    counts: dict[int, int] = {}
    for path in mail.iterdir():
        for line in path.read_text(errors="replace").splitlines():
            if line.startswith("Message-ID: <notification-"):
                number = int(line.split("notification-")[1].split("@")[0])
                counts[number] = counts.get(number, 0) + 1
    return counts


def flush() -> None:
    """What beat does every minute: enqueue every email still owed."""
    app.send_task("notifications.tasks.notifications_flush")


def test_complaints_filed_while_redis_is_down_are_notified_exactly_once_when_it_returns(
    make_user: Any, api: Any, worker: Worker, published: list[tuple[str, Any]]
) -> None:
    staff = Staff.create(make_user)
    client = api(staff.agent)
    services = [ServiceFactory() for _ in range(5)]
    worker.redis.stop()

    statuses = []
    for index in range(50):
        service = services[index % 5]
        response = client.post(
            "/api/tickets/",
            {
                "customer": service.customer_id,
                "service": service.pk,
                "category": "network",
                "channel": "phone",
                "description": f"No signal, call {index}",
                "incident_at": (timezone.now() - timezone.timedelta(hours=1)).isoformat(),
            },
            format="json",
        )
        statuses.append(response.status_code)
    assert statuses == [201] * 50
    owed = owed_emails()
    # Each complaint owes its customer the acknowledgement with the ticket number, and nothing else.
    assert (
        list(Notification.objects.filter(pk__in=owed).values_list("template", flat=True))
        == ["ticket_received"] * 50
    )
    assert Notification.objects.filter(pk__in=owed, sent_at__isnull=False).count() == 0
    # The requests did not each wait for the broker: an attempt to publish can cost the broker's
    # connection timeout (CELERY_BROKER_CONNECTION_TIMEOUT), so the first failure makes the process
    # leave the broker alone for BROKER_BACKOFF_SECONDS and the other 49 emails wait in the outbox
    # without trying. Counted, not timed: one attempt in all, whatever the machine's speed.
    assert published == [("notifications.tasks.notifications_send_many", [[owed[0]]])]
    assert notification_services.broker.down_until > time.monotonic()

    worker.redis.start()
    worker.start()
    flush()
    wait_until_sent(owed)

    sends = sends_per_notification(worker.mail)
    assert sends == {pk: 1 for pk in owed}
    # Beat's next flush finds nothing owed and sends nothing again: once the worker has run it (and
    # whatever it might have enqueued), no email was written twice.
    flush()
    wait_until_worker_idle(worker.redis)
    assert sends_per_notification(worker.mail) == sends


def test_a_worker_killed_in_the_middle_of_a_send_still_notifies_once(make_user: Any, worker: Worker) -> None:
    staff = Staff.create(make_user)
    ticket = make_ticket(actor=staff.agent, service=ServiceFactory())  # enqueues its emails on commit
    owed = owed_emails()
    assert owed, "the new ticket owes the customer an email"

    worker.start(slow_send=DEADLINE_SECONDS)  # a send that outlasts any wait below: it is killed first
    wait_for(lambda: any(worker.markers.iterdir()), what="the worker to begin a send")
    claimed = Notification.objects.filter(pk__in=owed, claimed_at__isnull=False, sent_at__isnull=True)
    killed = claimed.get()
    worker.kill()
    assert sends_per_notification(worker.mail) == {}

    worker.start()  # not slow any more
    lease = dt.timedelta(seconds=WORKER_LEASE_SECONDS)
    assert killed.claimed_at is not None
    wait_for(lambda: timezone.now() > killed.claimed_at + lease, what="the dead worker's claim to expire")
    flush()
    wait_until_sent(owed)
    assert sends_per_notification(worker.mail) == {pk: 1 for pk in owed}
    # Claimed by the killed worker, then again by the new one: two attempts, one email.
    killed.refresh_from_db()
    assert (killed.attempts, killed.ticket_id) == (2, ticket.pk)


WORKER_LEASE_SECONDS = 3  # tests/escalation/worker_settings.py
