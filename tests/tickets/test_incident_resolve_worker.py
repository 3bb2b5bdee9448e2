"""Resolving an incident with a real Celery worker that is killed halfway (issue 16, SPEC §10): every
linked open ticket is resolved exactly once — one history row and one request to confirm each — once
beat's finisher has run, an unlinked ticket of the same region stays as it was, and running the task
again changes nothing.

The worker is `celery -A helpdesk worker` in a separate process (tests/tickets/worker_settings.py: the
same test database, the broker REDIS_URL names, a queue of this test's own, 40 tickets per batch). The
data must be committed for it to see them, hence a transactional test.

Where it is killed: the test holds, in a transaction of its own, an uncommitted outbox row with the
dedupe key of the request to confirm that the second batch will owe first. The worker's first batch
commits; its second batch's insert waits on that key (ON CONFLICT waits for the transaction that wrote
the key). With exactly one batch committed and the second one in flight, the worker gets SIGKILL; its
database session, which would be dropped when PostgreSQL noticed the dead client, is terminated, so its
batch is rolled back; then the test's row is rolled back too. Nothing is timed: every wait polls a
condition until a deadline and fails saying what it waited for.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import psycopg2
import pytest
import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

from helpdesk.celery import app
from notifications.models import Notification
from tests.celery_worker import CeleryWorkerProcess, worker_environment
from tests.tickets.factories import RCA, CustomerFactory, ServiceFactory, make_ticket
from tests.tickets.flow import Staff
from tickets.models import OPEN_STAGES, Incident, Region, Stage, Ticket, TicketHistory
from tickets.services import incidents

LINKED = 300
BATCH = 40  # tests/tickets/worker_settings.py: 300 tickets are 8 batches
DEADLINE_SECONDS = 90.0

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.redis, pytest.mark.slow]


def wait_for(condition: Callable[[], object], *, what: str, seconds: float = DEADLINE_SECONDS) -> None:
    """Poll `condition` until it is true; fail, naming what was awaited, when `seconds` have passed."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {seconds:.0f} s for {what}")
        time.sleep(0.1)


class Worker(CeleryWorkerProcess):
    """`celery worker` on the test's own queue, started and killed by the test only."""

    def __init__(self, broker_url: str, queue: str) -> None:
        super().__init__()
        self.broker_url, self.queue = broker_url, queue
        # libpq names the worker's database sessions (PGAPPNAME) so the test can find them.
        self.application_name = f"test-worker-{queue}"

    def start(self) -> None:
        env = worker_environment(
            settings_module="tests.tickets.worker_settings",
            broker_url=self.broker_url,
            HELPDESK_TEST_QUEUE=self.queue,
            INCIDENT_RESOLVE_BATCH_SIZE=str(BATCH),
            PGAPPNAME=self.application_name,
        )
        self.spawn(env, f"--queues={self.queue}", f"--hostname={self.queue}@%h")
        # The worker declares its queue when it is ready to consume (kombu's binding set in Redis); a task
        # published before that would be routed nowhere.
        client = redis.Redis.from_url(self.broker_url)
        try:
            wait_for(
                lambda: (
                    self.process is not None
                    and self.process.poll() is None
                    and client.exists(f"_kombu.binding.{self.queue}")
                ),
                what="the worker to declare its queue",
            )
        finally:
            client.close()

    def sessions(self, *, waiting_on_a_lock: bool = False) -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s"
                " AND (NOT %s OR wait_event_type = 'Lock')",
                [self.application_name, waiting_on_a_lock],
            )
            return int(cursor.fetchone()[0])

    def end_sessions(self) -> None:
        """What PostgreSQL does when it notices that a session's client is gone: end the session, which
        rolls back its open transaction."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
                [self.application_name],
            )
        wait_for(lambda: self.sessions() == 0, what="the killed worker's database sessions to end")

    def send(self, task: str, *args: Any) -> None:
        """Publish a task to the worker's queue, as the web side's on_commit or beat would."""
        with app.connection_for_write(self.broker_url) as broker:
            app.send_task(task, args=list(args), queue=self.queue, connection=broker)

    def tasks_pending(self) -> int:
        """Messages of this queue still queued, or taken and not acknowledged by a running worker (the
        tasks ack late). The killed worker's message stays unacknowledged (Redis gives it back only
        after the visibility timeout, an hour): `killed` of them are not pending work."""
        client = redis.Redis.from_url(self.broker_url)
        try:
            queued = int(client.llen(self.queue))
            taken = sum(1 for value in client.hvals("unacked") if json.loads(value)[-1] == self.queue)
            return queued + taken
        finally:
            client.close()

    def forget_queue(self) -> None:
        """Leave nothing of the test's queue on the shared Redis (the killed worker's message included)."""
        client = redis.Redis.from_url(self.broker_url)
        try:
            for tag, value in client.hgetall("unacked").items():
                if json.loads(value)[-1] == self.queue:
                    client.hdel("unacked", tag)
                    client.zrem("unacked_index", tag)
            client.delete(
                self.queue, f"_kombu.binding.{self.queue}", f"_kombu.binding_permanent.{self.queue}"
            )
        finally:
            client.close()


@pytest.fixture
def worker() -> Iterator[Worker]:
    url = os.environ.get("REDIS_URL", "")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except (redis.RedisError, ValueError) as exc:
        pytest.skip(f"needs Redis at REDIS_URL ({url or 'unset'}): {exc}")
    started = Worker(url, f"test-incident-resolve-{uuid.uuid4().hex[:12]}")
    try:
        yield started
    finally:
        started.stop()
        started.forget_queue()


class HeldKey:
    """An outbox row with `key`, written in a transaction of its own and not committed: whoever inserts
    the same key waits until this transaction ends (here: is rolled back)."""

    def __init__(self, key: str) -> None:
        database = settings.DATABASES["default"]
        self.connection = psycopg2.connect(
            host=database["HOST"],
            port=database["PORT"],
            user=database["USER"],
            password=database.get("PASSWORD") or None,
            dbname=database["NAME"],
        )
        with self.connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO notifications_notification
                    (channel, email, language, time_zone, template, context, dedupe_key, created_at,
                     attempts, last_error)
                VALUES ('email', 'held@example.com', 'id', 'Asia/Makassar', 'ticket_resolved', '{}', %s,
                        now(), 0, '')
                """,
                [key],
            )

    def release(self) -> None:
        if not self.connection.closed:
            self.connection.rollback()
            self.connection.close()


def linked_complaint() -> Ticket:
    customer = CustomerFactory(region=Region.objects.get(code="bpn"))
    return make_ticket(service=ServiceFactory(customer=customer, region=customer.region, kind="fiber"))


def outcome(ids: list[int]) -> dict[str, Any]:
    """What the resolution wrote for these tickets, to compare before and after running it again."""
    return {
        "tickets": list(
            Ticket.objects.filter(pk__in=ids)
            .order_by("pk")
            .values_list("pk", "stage", "resolved_at", "rca_id", "updated_at", "paused")
        ),
        "history": TicketHistory.objects.filter(pgh_obj_id__in=ids).count(),
        "confirmations": Notification.objects.filter(ticket_id__in=ids, template="ticket_resolved").count(),
    }


def test_a_worker_killed_halfway_leaves_every_linked_ticket_resolved_once_after_beats_finisher(
    make_user: Any, worker: Worker, published: list[tuple[str, Any]]
) -> None:
    staff = Staff.create(make_user)
    region = Region.objects.get(code="bpn")
    # Same region and kind, filed before the incident was declared: not linked, and must stay as it is.
    unlinked = linked_complaint()
    incident = incidents.incident_declare(
        actor=staff.supervisor,
        title="Kabel laut putus Makassar–Balikpapan",
        details_id="Gangguan jaringan fiber di wilayah Balikpapan.",
        regions=[region.code],
        service_kinds=["fiber"],
    )
    tickets = [linked_complaint() for _ in range(LINKED)]
    ids = sorted(ticket.pk for ticket in tickets)
    assert Ticket.objects.filter(pk__in=ids, incident=incident, stage=Stage.RECEIVED).count() == LINKED
    assert (unlinked.incident_id, unlinked.stage) == (None, Stage.RECEIVED)
    unlinked_before = Ticket.objects.filter(pk=unlinked.pk).values().get()
    history_before = TicketHistory.objects.filter(pgh_obj_id__in=ids).count()

    at = timezone.now().replace(microsecond=0) - dt.timedelta(seconds=1)
    incidents.incident_resolve(incident=incident, actor=staff.supervisor, rca=RCA, now=at)
    # The resolution hands its task to the broker after commit (here, the test settings' in-memory one);
    # the same message goes to the real worker below.
    assert [task for task in published if task[0].startswith("tickets.")] == [
        ("tickets.tasks.incident_resolve_tickets", [incident.pk])
    ]
    resolved = Ticket.objects.filter(pk__in=ids, stage=Stage.RESOLVED)
    assert resolved.count() == 0

    # The first ticket of the second batch (tickets move in id order) owes this request to confirm.
    held = HeldKey(f"ticket:{ids[BATCH]}:ticket_resolved:{at.isoformat()}")
    try:
        worker.start()
        worker.send("tickets.tasks.incident_resolve_tickets", incident.pk)
        wait_for(
            lambda: resolved.count() == BATCH and worker.sessions(waiting_on_a_lock=True) == 1,
            what="the first batch committed and the second one waiting",
        )
        worker.kill()
        worker.end_sessions()
    finally:
        held.release()

    # Killed halfway: one batch resolved, the one in flight rolled back, the incident not finished.
    assert resolved.count() == BATCH
    assert set(resolved.values_list("pk", flat=True)) == set(ids[:BATCH])
    assert Notification.objects.filter(ticket_id__in=ids, template="ticket_resolved").count() == BATCH
    assert Incident.objects.get(pk=incident.pk).tickets_resolved_at is None
    assert incidents.incidents_unfinished() == [incident.pk]

    # Beat's finisher, every minute, on a worker started again.
    worker.start()
    worker.send("tickets.tasks.incidents_finish")
    wait_for(
        lambda: Incident.objects.get(pk=incident.pk).tickets_resolved_at is not None,
        what="beat's finisher to resolve the remaining tickets",
    )
    wait_for(lambda: worker.tasks_pending() == 1, what="the worker to finish its tasks")

    rca_id = Incident.objects.get(pk=incident.pk).rca_id
    assert rca_id is not None
    assert set(Ticket.objects.filter(pk__in=ids).values_list("stage", "rca_id", "resolved_at")) == {
        (Stage.RESOLVED, rca_id, at)
    }
    # Exactly once each: one history row of the move (the incident named), one request to confirm.
    moves = TicketHistory.objects.filter(pgh_obj_id__in=ids, stage=Stage.RESOLVED)
    assert sorted(moves.values_list("pgh_obj_id", flat=True)) == ids
    assert {
        (row.pgh_context.metadata["action"], row.pgh_context.metadata["incident"])
        for row in moves.select_related("pgh_context")
    } == {("incident_resolve", incident.pk)}
    assert TicketHistory.objects.filter(pgh_obj_id__in=ids).count() == history_before + LINKED
    confirmations = Notification.objects.filter(ticket_id__in=ids, template="ticket_resolved")
    assert sorted(confirmations.values_list("ticket_id", flat=True)) == ids
    assert not Notification.objects.filter(email="held@example.com").exists()
    assert Ticket.objects.filter(pk=unlinked.pk).values().get() == unlinked_before
    assert not Ticket.objects.filter(incident=incident, stage__in=OPEN_STAGES).exists()

    # Running it again — the task twice on the worker, and beat's finisher — changes nothing more.
    after = outcome([*ids, unlinked.pk])
    worker.send("tickets.tasks.incident_resolve_tickets", incident.pk)
    worker.send("tickets.tasks.incident_resolve_tickets", incident.pk)
    worker.send("tickets.tasks.incidents_finish")
    wait_for(lambda: worker.tasks_pending() == 1, what="the worker to run the repeated tasks")
    assert incidents.incident_resolve_tickets(incident_id=incident.pk) == 0
    assert outcome([*ids, unlinked.pk]) == after
