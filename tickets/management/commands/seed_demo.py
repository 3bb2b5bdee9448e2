"""`manage.py seed_demo`: demo data — one user per role named after it (plus `admin`), customers,
services and tickets in every stage. Running it twice changes nothing."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from helpdesk.lib.roles import Role
from tickets import services
from tickets.models import Customer, Region, Service, Team, Ticket

DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "demo12345")
DEMO_DOMAIN = "demo.nusantara.example"

CUSTOMERS = [
    # name, email local part, phone, region, tier, [(kind, reference, status, billing, overdue)]
    (
        "PT Sinar Jaya Logistik",
        "it",
        "+6281211110001",
        "jkt",
        "high_value",
        [
            ("dedicated_internet", "DIA-JKT-0001", "active", "paid", 0),
            ("vpn", "VPN-JKT-0002", "active", "paid", 0),
        ],
    ),
    (
        "Budi Santoso",
        "budi",
        "+6281311110002",
        "bdg",
        "regular",
        [("broadband", "BB-BDG-0003", "active", "paid", 0)],
    ),
    (
        "Siti Rahmawati",
        "siti",
        "+6281511110003",
        "sby",
        "regular",
        [("broadband", "BB-SBY-0004", "suspended", "overdue", 750000)],
    ),
    (
        "CV Karya Bali Digital",
        "ops",
        "+6281711110004",
        "dps",
        "regular",
        [("cloud_hosting", "CLD-DPS-0005", "active", "paid", 0)],
    ),
    (
        "Universitas Hasanuddin",
        "noc",
        "+6281911110005",
        "mks",
        "high_value",
        [("fiber", "FO-MKS-0006", "outage", "paid", 0)],
    ),
    (
        "Pemkot Jayapura",
        "diskominfo",
        "+6282111110006",
        "jyp",
        "high_value",
        [
            ("wireless", "WL-JYP-0007", "active", "paid", 0),
            ("unified_communications", "UC-JYP-0008", "active", "paid", 0),
        ],
    ),
    (
        "Andi Pratama",
        "andi",
        "+6282211110007",
        "mdn",
        "regular",
        [("broadband", "BB-MDN-0009", "active", "overdue", 325000)],
    ),
    (
        "PT Samudra Energi",
        "it-ops",
        "+6282311110008",
        "bpn",
        "regular",
        [("iot", "IOT-BPN-0010", "active", "paid", 0)],
    ),
    (
        "Maria Kaya",
        "maria",
        "+6282511110009",
        "amb",
        "regular",
        [("broadband", "BB-AMB-0011", "active", "paid", 0)],
    ),
    (
        "Menara Telekom Nusantara",
        "tower",
        "+6281211110010",
        "jkt",
        "regular",
        [("tower", "TWR-JKT-0012", "active", "paid", 0)],
    ),
]


class Command(BaseCommand):
    help = "Create demo users (one per role, plus admin), customers, services and tickets in every stage."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            users = self._users()
            customers = self._customers()
            if Ticket.objects.filter(customer__email__endswith="@" + DEMO_DOMAIN).exists():
                self.stdout.write("Demo data already present; nothing changed.")
                return
            self._tickets(users, customers)
        self.stdout.write(
            self.style.SUCCESS(f"Demo data created. Every demo user's password is {DEMO_PASSWORD!r}.")
        )

    def _users(self) -> dict[str, Any]:
        User = get_user_model()
        users: dict[str, Any] = {}
        for role in Role:
            user, created = User.objects.get_or_create(
                username=role.value,
                defaults={"email": f"{role.value}@{DEMO_DOMAIN}", "first_name": role.value.title()},
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            user.groups.add(Group.objects.get(name=role.value))
            users[role.value] = user
        admin, created = User.objects.get_or_create(
            username="admin",
            defaults={"email": f"admin@{DEMO_DOMAIN}", "is_staff": True, "is_superuser": True},
        )
        if created:
            admin.set_password(DEMO_PASSWORD)
            admin.save()
        for team_name in ("Network Operation", "Billing & Account"):
            Team.objects.get(name=team_name).members.add(users["technician"])
        Team.objects.get(name="Customer Care").members.add(
            users["agent"], users["support"], users["supervisor"]
        )
        return users

    def _customers(self) -> list[Customer]:
        customers = []
        for name, local, phone, region_code, tier, subscriptions in CUSTOMERS:
            region = Region.objects.get(code=region_code)
            customer, _created = Customer.objects.get_or_create(
                email=f"{local}@{DEMO_DOMAIN}",
                defaults={"name": name, "phone": phone, "region": region, "tier": tier},
            )
            for kind, reference, status, billing, overdue in subscriptions:
                Service.objects.get_or_create(
                    reference=reference,
                    defaults={
                        "customer": customer,
                        "kind": kind,
                        "region": region,
                        "status": status,
                        "billing_status": billing,
                        "overdue_amount": overdue,
                    },
                )
            customers.append(customer)
        return customers

    def _tickets(self, users: dict[str, Any], customers: list[Customer]) -> None:
        now = timezone.now()
        rca_category = apps.get_model("reports", "RootCauseCategory").objects.get(code="fiber_cut")
        agent, support, supervisor, technician = (
            users[r] for r in ("agent", "support", "supervisor", "technician")
        )

        def new(
            customer: Customer, category: str, channel: str, text: str, hours_ago: float, **extra: Any
        ) -> Ticket:
            reported = now - dt.timedelta(hours=hours_ago)
            return services.ticket_create(
                actor=agent,
                customer=customer,
                service=customer.services.order_by("id").first(),
                category=category,
                channel=channel,
                description=text,
                incident_at=reported - dt.timedelta(minutes=20),
                reported_at=reported,
                now=reported,
                **extra,
            )

        def act(ticket: Ticket, actor: Any, action: str, hours_ago: float, **data: Any) -> Ticket:
            return services.ticket_act(
                ticket=ticket, actor=actor, action=action, data=data, now=now - dt.timedelta(hours=hours_ago)
            ).ticket

        def verify(ticket: Ticket, classification: str, hours_ago: float) -> Ticket:
            note = ""
            if ticket.service and (
                ticket.service.status != "active" or ticket.service.billing_status == "overdue"
            ):
                note = (
                    "Customer told: service restored once the bill is settled; "
                    "billing team will call back today."
                )
            return act(
                ticket,
                support,
                "verify",
                hours_ago,
                classification=classification,
                service_status_checked=True,
                billing_checked=True,
                note=note,
            )

        rca = {
            "problem_statement": "Fiber cut on the feeder cable",
            "category": rca_category.code,
            "analysis": "Road works cut the feeder cable between the ODC and the customer premises.",
            "temporary_fix": "Traffic rerouted over the backup path.",
            "permanent_fix": "Cable spliced and protected with a duct.",
        }
        c = customers
        # Received
        new(c[1], "network", "phone", "Internet sangat lambat sejak pagi, kecepatan di bawah 1 Mbps.", 0.3)
        new(c[8], "service", "whatsapp", "Tidak bisa login ke portal layanan.", 0.1)
        new(
            c[3],
            "network",
            "social",
            "Cloud hosting tidak dapat diakses, pelanggan kami komplain di Twitter.",
            0.5,
            public_exposure=True,
            classification="major",
        )
        # Verified
        t = new(c[2], "billing", "walk_in", "Layanan diputus padahal sudah membayar tagihan bulan lalu.", 3)
        verify(t, "minor", 2.5)
        # Dispatched (one breached)
        t = new(c[4], "network", "email", "Fiber putus di area kampus, seluruh gedung tidak ada koneksi.", 12)
        t = verify(t, "critical", 11.8)
        act(
            t,
            agent,
            "respond",
            11.9,
            body="Kami sedang menangani gangguan Anda; tim teknis sedang menuju lokasi.",
        )
        act(t, supervisor, "dispatch", 11.5, assignee=technician.pk)
        t = new(c[0], "network", "phone", "VPN antar kantor cabang tidak tersambung.", 5)
        t = verify(t, "major", 4.7)
        act(t, agent, "respond", 4.9, body="Tim kami sedang memeriksa VPN Anda.", channel="phone")
        act(t, supervisor, "dispatch", 4.5)
        # Resolved (waiting for the customer's confirmation)
        t = new(c[5], "network", "phone", "Jaringan wireless kantor walikota putus total.", 30)
        t = verify(t, "major", 29.5)
        act(t, agent, "respond", 29.8, body="Gangguan sedang ditangani.", channel="phone")
        t = act(t, supervisor, "dispatch", 29)
        act(t, technician, "resolve", 20, rca=rca, summary="Backup path active, cable spliced.")
        # Confirmed
        t = new(c[7], "service", "email", "Sensor IoT tidak mengirim data ke dashboard.", 50)
        t = verify(t, "minor", 49)
        act(t, agent, "respond", 49.5, body="Terima kasih, kami periksa.")
        t = act(t, supervisor, "dispatch", 48)
        t = act(
            t,
            technician,
            "resolve",
            30,
            rca={**rca, "problem_statement": "IoT gateway misconfigured", "category": "configuration_error"},
        )
        act(t, agent, "confirm", 28, csat=5, nps=9)
        # Closed (confirmed) and closed as duplicate
        t = new(c[9], "network", "phone", "Tower site down, BTS tidak memancar.", 80)
        t = verify(t, "critical", 79.8)
        act(t, agent, "respond", 79.9, body="Tim NOC sudah menerima laporan.", channel="phone")
        t = act(t, supervisor, "dispatch", 79.5)
        t = act(
            t,
            technician,
            "resolve",
            76,
            rca={**rca, "problem_statement": "Power failure at tower site", "category": "power_failure"},
        )
        t = act(t, agent, "confirm", 75, csat=4, nps=8)
        act(t, agent, "close", 74)
        dup = new(c[9], "network", "email", "Tower site down (email kedua).", 79)
        act(
            dup,
            agent,
            "close",
            78.5,
            reason="duplicate",
            duplicate_of=t.number,
            note="Same outage as the phone report.",
        )
        # Waiting for the customer
        t = new(c[6], "billing", "phone", "Tagihan bulan ini dobel.", 6)
        t = verify(t, "minor", 5.5)
        act(t, agent, "pause", 5, reason="Waiting for the customer to send the invoice photo.")
