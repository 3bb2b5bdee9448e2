"""The supervisors' page of canned replies (tickets.models.Macro): list, create, change, deactivate.
Anyone on the staff may not: Capability.MANAGE_MACROS decides, here and again in the service."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from console.forms import MacroForm
from console.views import staff_required
from helpdesk.lib.access import Capability, can
from helpdesk.lib.errors import InvalidInput, NotFound
from helpdesk.lib.http import signed_in_user
from tickets import selectors, services

MACRO_LIST_LIMIT = 500


def _require_macro_keeper(request: HttpRequest) -> None:
    if not can(request.user, Capability.MANAGE_MACROS):
        raise PermissionDenied(_("Only supervisors keep the canned replies."))


@require_GET
@staff_required
def macro_list(request: HttpRequest) -> HttpResponse:
    _require_macro_keeper(request)
    macros = list(selectors.macro_list()[:MACRO_LIST_LIMIT])
    return render(request, "console/macros/list.html", {"macros": macros, "limit": MACRO_LIST_LIMIT})


@staff_required
def macro_edit(request: HttpRequest, macro_id: int | None = None) -> HttpResponse:
    """A new canned reply (no id) or a change to one. Bad input: the form again with each error beside its
    field (400), nothing saved."""
    _require_macro_keeper(request)
    macro = None
    if macro_id is not None:
        try:
            macro = selectors.macro_get(macro_id=macro_id)
        except NotFound as exc:
            raise Http404(str(exc)) from exc
    initial = (
        {
            "title": macro.title,
            "body": macro.body,
            "category": macro.category,
            "language": macro.language,
            "is_active": macro.is_active,
        }
        if macro is not None
        else None
    )
    if request.method != "POST":
        return render(
            request, "console/macros/edit.html", {"form": MacroForm(initial=initial), "macro": macro}
        )
    form = MacroForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.macro_save(
                actor=signed_in_user(request),
                macro_id=macro_id,
                title=data["title"],
                body=data["body"],
                category=data["category"],
                language=data["language"],
                is_active=data["is_active"],
            )
        except InvalidInput as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Canned reply “%(title)s” saved.") % {"title": saved.title})
            return redirect("console:macros")
    return render(request, "console/macros/edit.html", {"form": form, "macro": macro}, status=400)


@require_POST
@staff_required
def macro_active(request: HttpRequest, macro_id: int) -> HttpResponse:
    """Deactivate (active=0) or reactivate (active=1) a canned reply."""
    _require_macro_keeper(request)
    active = request.POST.get("active")
    if active not in ("0", "1"):
        messages.error(request, _("Nothing was changed: say whether the reply is to be active."))
        return redirect("console:macros")
    try:
        macro = services.macro_set_active(
            actor=signed_in_user(request), macro_id=macro_id, is_active=active == "1"
        )
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    if macro.is_active:
        messages.success(request, _("Canned reply “%(title)s” is offered again.") % {"title": macro.title})
    else:
        messages.success(
            request, _("Canned reply “%(title)s” is no longer offered.") % {"title": macro.title}
        )
    return redirect("console:macros")
