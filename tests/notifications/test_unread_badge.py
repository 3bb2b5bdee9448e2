"""The navigation's unread badge, on every staff page: the count of a person's unread inbox entries up
to UNREAD_SHOWN, read from the partial index of unread ones (notification_unread)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications.models import Notification
from notifications.selectors import UNREAD_SHOWN, inbox_unread_count

pytestmark = pytest.mark.django_db


def _inbox(person: Any, count: int, *, read: bool) -> None:
    Notification.objects.bulk_create(
        Notification(
            recipient=person,
            channel="inbox",
            template="escalation_digest",
            read_at=timezone.now() if read else None,
        )
        for _ in range(count)
    )


def test_the_badge_counts_only_the_persons_unread_inbox_entries_up_to_the_cap(make_user: Any) -> None:
    reader, other = make_user("supervisor"), make_user("supervisor")
    _inbox(reader, 3, read=False)
    _inbox(reader, 5, read=True)
    _inbox(other, 2, read=False)
    Notification.objects.create(recipient=reader, channel="email", template="escalation_digest")
    assert inbox_unread_count(user=reader) == (3, False)
    assert inbox_unread_count(user=other) == (2, False)
    _inbox(reader, UNREAD_SHOWN, read=False)
    assert inbox_unread_count(user=reader) == (UNREAD_SHOWN, True)


def test_the_badge_is_counted_from_the_index_of_unread_entries(make_user: Any) -> None:
    """Whatever the planner would pick on a few rows: with sequential scans and bitmaps off, the count
    is answered from notification_unread alone — its condition and columns are the count's."""
    reader = make_user("supervisor")
    _inbox(reader, 3, read=False)
    _inbox(reader, 30, read=True)
    with CaptureQueriesContext(connection) as queries:
        inbox_unread_count(user=reader)
    [statement] = [query["sql"] for query in queries.captured_queries]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE notifications_notification")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN " + statement)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Only Scan using notification_unread" in plan, plan
