"""Money writes. Each one is atomic, locks the job's row (so that two counters never interleave on one job, and a
release sees every payment), and leaves an entry in the job's timeline; refunds, cancellations and overrides
also go to the audit trail."""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Sum
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from billing.models import (
    DiscountLimit,
    Estimate,
    EstimateLine,
    Invoice,
    InvoiceCounter,
    InvoiceLine,
    JobAccount,
    LineKind,
    Payment,
    PriceItem,
)
from billing.money import ZERO, Rules, Totals, compute_totals, format_money
from core.models import ServiceEvent, ServiceItem, Status
from core.services import LogbookError, change_status, record_event
from notifications.models import Event
from notifications.services import queue_message

INVOICE_SERIES = {Invoice.Kind.INVOICE: "", Invoice.Kind.CREDIT_NOTE: "CN-"}


class BillingError(LogbookError):
    """A money write refused; the message is for the user."""


# Reading ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Balance:
    owed: Decimal  # invoiced less credit notes; until the first invoice, the approved estimate
    paid: Decimal  # deposits and payments less refunds
    invoiced: bool

    @property
    def due(self) -> Decimal:
        return self.owed - self.paid

    @property
    def credit(self) -> Decimal:
        """What the customer has paid beyond what is owed (a deposit before the estimate, or an overpayment)."""
        return max(-self.due, ZERO)


def balance(item: ServiceItem) -> Balance:
    paid = Payment.objects.filter(item=item).signed_total()
    invoiced = Invoice.objects.filter(item=item).aggregate(total=Sum("gross"), count=Count("id"))
    if invoiced["count"]:
        return Balance(owed=invoiced["total"], paid=paid, invoiced=True)
    approved = approved_estimate(item)
    return Balance(owed=approved.gross if approved else ZERO, paid=paid, invoiced=False)


def latest_estimate(item: ServiceItem) -> Estimate | None:
    return item.estimates.order_by("-number").first()


def approved_estimate(item: ServiceItem) -> Estimate | None:
    return item.estimates.filter(status=Estimate.Status.APPROVED).order_by("-number").first()


def active_invoice(item: ServiceItem) -> Invoice | None:
    """The job's invoice that no credit note cancels, if there is one."""
    return item.invoices.filter(kind=Invoice.Kind.INVOICE, credit_note__isnull=True).first()


def priced_lines(estimate: Estimate | None) -> tuple[list[EstimateLine], Totals | None]:
    """An estimate's lines, each with its `amount`, and its totals: what every page showing an estimate needs."""
    if estimate is None:
        return [], None
    lines = list(estimate.lines.select_related("price_item"))
    totals = compute_totals((line.as_line() for line in lines), Rules.from_settings())
    for line, amount in zip(lines, totals.amounts, strict=True):
        line.amount = amount
    return lines, totals


def preapproved_limit(item: ServiceItem) -> Decimal | None:
    return JobAccount.objects.filter(item=item).values_list("preapproved_limit", flat=True).first()


def _money(amount: Decimal) -> str:
    return format_money(amount)


def _plain(amount: Decimal) -> str:
    """An amount for the audit trail: a plain number in the currency's minor unit."""
    return str(Rules.from_settings().round(amount))


def _lock(item_pk: int) -> ServiceItem:
    return ServiceItem.objects.select_for_update().get(pk=item_pk)


def _in_minor_units(amount: Decimal, what: str) -> Decimal:
    rules = Rules.from_settings()
    if rules.round(amount) != amount:
        raise BillingError(
            _("%(what)s can have at most %(places)s decimal places.") % {"what": what, "places": rules.places}
        )
    return amount


# Take-in: how far the customer lets the shop go without asking again ---------------------------------------------


@transaction.atomic
def set_preapproval(*, item_pk: int, limit: Decimal | None, actor: AbstractUser) -> JobAccount:
    item = _lock(item_pk)
    if item.is_closed:
        raise BillingError(_("This job is closed."))
    if limit is not None:
        _in_minor_units(limit, _("The amount"))
        if limit < 0:
            raise BillingError(_("The amount can’t be negative."))
    account, _created = JobAccount.objects.get_or_create(item=item)
    account.preapproved_limit = limit
    account.preapproved_at = timezone.now() if limit is not None else None
    account.preapproved_by = actor if limit is not None else None
    account.save()
    if limit is None:
        note = _("No pre-approved amount: every estimate needs the customer’s approval.")
    else:
        note = _("The customer agrees to work up to %(amount)s without being asked again.") % {"amount": _money(limit)}
    record_event(item=item, kind=ServiceEvent.Kind.APPROVAL, actor=actor, note=note)
    return account


# Estimates -------------------------------------------------------------------------------------------------------


@transaction.atomic
def start_estimate(*, item_pk: int, actor: AbstractUser) -> Estimate:
    """The job's draft: the one being written, or a new version that starts as a copy of the latest one."""
    item = _lock(item_pk)
    if item.is_closed:
        raise BillingError(_("This job is closed."))
    latest = latest_estimate(item)
    if latest is not None and latest.is_draft:
        return latest
    draft = Estimate.objects.create(item=item, number=latest.number + 1 if latest else 1, created_by=actor)
    if latest is not None:
        EstimateLine.objects.bulk_create(
            EstimateLine(
                estimate=draft,
                price_item_id=line.price_item_id,
                **{name: getattr(line, name) for name in LINE_FIELDS},
            )
            for line in latest.lines.all()
        )
    return draft


LINE_FIELDS = ("position", "kind", "code", "description", "quantity", "unit_price", "discount_percent", "tax_rate")


def _draft(estimate_pk: int) -> Estimate:
    estimate = Estimate.objects.get(pk=estimate_pk)
    estimate.item = _lock(estimate.item_id)
    estimate.refresh_from_db(fields=["status"])
    if not estimate.is_draft:
        raise BillingError(
            _("Version %(number)s was sent and can’t change any more: start a new version.")
            % {"number": estimate.number}
        )
    if estimate.item.is_closed:
        raise BillingError(_("This job is closed."))
    return estimate


@transaction.atomic
def add_line(
    *,
    estimate_pk: int,
    actor: AbstractUser,
    price_item: PriceItem | None = None,
    description: str = "",
    kind: str = LineKind.PART,
    quantity: Decimal = Decimal(1),
    unit_price: Decimal | None = None,
    discount_percent: Decimal = ZERO,
    tax_rate: Decimal | None = None,
) -> EstimateLine:
    """Add a line from the price list (its code, name, price and rate unless given) or in free text.

    A price other than the price list's (and any free-text line) needs the override permission; a discount must be
    within the largest one the actor's groups allow.
    """
    estimate = _draft(estimate_pk)
    if quantity <= 0:
        raise BillingError(_("The quantity must be more than zero."))
    if price_item is not None:
        if not price_item.active:
            raise BillingError(_("“%(code)s” is no longer on the price list.") % {"code": price_item.code})
        kind, code = price_item.kind, price_item.code
        description = description or price_item.name
        unit_price = price_item.unit_price if unit_price is None else unit_price
        tax_rate = price_item.tax_rate if tax_rate is None else tax_rate
        priced_by_hand = unit_price != price_item.unit_price
    else:
        code = ""
        if not description.strip():
            raise BillingError(_("Describe the line, or pick it from the price list."))
        if unit_price is None:
            raise BillingError(_("A line that is not on the price list needs a unit price."))
        tax_rate = settings.DEFAULT_TAX_RATE if tax_rate is None else tax_rate
        priced_by_hand = True
    if priced_by_hand and not actor.has_perm("billing.override_price_estimate"):
        raise BillingError(_("Only the price list’s prices can be used: ask the front desk or a manager."))
    _in_minor_units(unit_price, _("The unit price"))
    if unit_price < 0:
        raise BillingError(_("The unit price can’t be negative."))
    if not ZERO <= tax_rate <= 100:
        raise BillingError(_("The tax rate must be from 0 to 100%."))
    allowed = DiscountLimit.for_user(actor)
    if not ZERO <= discount_percent <= allowed:
        raise BillingError(
            _("You may give a discount of at most %(allowed)s%%; ask a manager for more.") % {"allowed": allowed}
        )
    position = (estimate.lines.order_by("-position").values_list("position", flat=True).first() or 0) + 1
    return EstimateLine.objects.create(
        estimate=estimate,
        price_item=price_item,
        position=position,
        kind=kind,
        code=code,
        description=description.strip(),
        quantity=quantity,
        unit_price=unit_price,
        discount_percent=discount_percent,
        tax_rate=tax_rate,
    )


@transaction.atomic
def remove_line(*, line_pk: int, actor: AbstractUser) -> None:
    line = EstimateLine.objects.get(pk=line_pk)
    _draft(line.estimate_id)
    line.delete()


def _freeze(estimate: Estimate, totals: Totals) -> None:
    """Older versions still waiting for an answer are replaced by this one."""
    estimate.gross = totals.gross
    Estimate.objects.filter(item_id=estimate.item_id, status=Estimate.Status.SENT, number__lt=estimate.number).update(
        status=Estimate.Status.SUPERSEDED
    )


def _approve(estimate: Estimate, *, via: str, actor: AbstractUser | None, note: str) -> None:
    estimate.status = Estimate.Status.APPROVED
    estimate.decided_at = timezone.now()
    estimate.decided_via = via
    estimate.save()
    record_event(item=estimate.item, kind=ServiceEvent.Kind.APPROVAL, actor=actor, note=note)
    if estimate.item.status == Status.WAITING_APPROVAL:
        change_status(item_pk=estimate.item_id, to_status=Status.IN_REPAIR, actor=actor, note=note)


@transaction.atomic
def send_estimate(*, estimate_pk: int, actor: AbstractUser) -> Estimate:
    """Freeze the draft and ask the customer. Within the amount agreed at take-in it counts as approved at once;
    otherwise a job being diagnosed moves on to "waiting for the customer's approval"."""
    estimate = _draft(estimate_pk)
    totals = estimate.totals()
    if not estimate.lines.exists():
        raise BillingError(_("An estimate needs at least one line."))
    _freeze(estimate, totals)
    estimate.status = Estimate.Status.SENT
    estimate.sent_at, estimate.sent_by = timezone.now(), actor
    estimate.save()
    item = estimate.item
    record_event(
        item=item,
        kind=ServiceEvent.Kind.ESTIMATE,
        actor=actor,
        note=_("Estimate version %(number)s sent to the customer: %(total)s.")
        % {"number": estimate.number, "total": _money(totals.gross)},
    )
    limit = preapproved_limit(item)
    if limit is not None and totals.gross <= limit:
        _approve(
            estimate,
            via=Estimate.Via.PREAPPROVAL,
            actor=actor,
            note=_("Estimate version %(number)s is within the %(limit)s agreed at take-in: approved.")
            % {"number": estimate.number, "limit": _money(limit)},
        )
    elif Status.WAITING_APPROVAL in item.allowed_next_statuses():
        # notifications tells the customer when a job starts waiting for their approval
        change_status(item_pk=item.pk, to_status=Status.WAITING_APPROVAL, actor=actor)
    else:
        # a new version while the job already waits, or more work found during the repair: ask the customer
        queue_message(item=item, event=Event.APPROVAL, actor=actor)
    return estimate


def _answerable(item_pk: int, version: int) -> Estimate:
    item = _lock(item_pk)
    estimate = item.estimates.filter(number=version).first()
    latest = latest_estimate(item)
    if estimate is None or latest is None or estimate.status == Estimate.Status.DRAFT:
        raise BillingError(_("There is no such estimate."))
    if estimate.status == Estimate.Status.SUPERSEDED or latest.number > estimate.number and not latest.is_draft:
        raise BillingError(_("This estimate has changed since you opened it: please read the new version."))
    if estimate.status != Estimate.Status.SENT:
        raise BillingError(_("This estimate was already answered."))
    estimate.item = item
    return estimate


def _signature(signed_name: str) -> str:
    name = " ".join(signed_name.split())
    if not name:
        raise BillingError(_("Type your name to sign."))
    if len(name) > 120:
        raise BillingError(_("The name can be at most 120 characters."))
    return name


@transaction.atomic
def approve_estimate(*, item_pk: int, version: int, signed_name: str, ip: str | None) -> Estimate:
    """The customer approves the exact version they were shown (on the status page); the job goes to repair."""
    estimate = _answerable(item_pk, version)
    estimate.signed_name, estimate.signed_ip = _signature(signed_name), ip
    _approve(
        estimate,
        via=Estimate.Via.CUSTOMER,
        actor=None,
        note=_("The customer approved estimate version %(number)s (%(total)s) on the status page.")
        % {"number": estimate.number, "total": _money(estimate.gross)},
    )
    return estimate


@transaction.atomic
def decline_estimate(*, item_pk: int, version: int, signed_name: str, ip: str | None) -> Estimate:
    """The customer declines: the job goes to "ready for pickup", to be returned unrepaired."""
    estimate = _answerable(item_pk, version)
    estimate.signed_name, estimate.signed_ip = _signature(signed_name), ip
    estimate.status = Estimate.Status.DECLINED
    estimate.decided_at = timezone.now()
    estimate.decided_via = Estimate.Via.CUSTOMER
    estimate.save()
    note = _("The customer declined estimate version %(number)s (%(total)s): return it unrepaired.") % {
        "number": estimate.number,
        "total": _money(estimate.gross),
    }
    record_event(item=estimate.item, kind=ServiceEvent.Kind.APPROVAL, note=note)
    if estimate.item.status == Status.WAITING_APPROVAL:
        change_status(item_pk=estimate.item_id, to_status=Status.READY, actor=None, note=note)
    return estimate


# Invoices --------------------------------------------------------------------------------------------------------


def _numbered(kind: str) -> dict:
    """The next number of a series in this year, as the new invoice's fields (kind, number, year, sequence,
    issued_at). It comes from the series' counter row, locked until the issuing transaction ends: a number is used
    once, and a rolled-back issue gives its number back (nothing was issued under it)."""
    issued_at = timezone.now()
    year = timezone.localdate(issued_at).year
    counters = InvoiceCounter.objects.select_for_update()
    counter = counters.filter(series=kind, year=year).first()
    if counter is None:
        try:
            with transaction.atomic():
                InvoiceCounter.objects.create(series=kind, year=year)
        except IntegrityError:
            pass  # another issue created this year's counter first; take it in turn
        counter = counters.get(series=kind, year=year)
    counter.last = F("last") + 1
    counter.save(update_fields=["last"])
    counter.refresh_from_db(fields=["last"])
    number = f"{INVOICE_SERIES[kind]}{year}-{counter.last:04d}"
    return {"kind": kind, "number": number, "year": year, "sequence": counter.last, "issued_at": issued_at}


def _invoiceable(item: ServiceItem, actor: AbstractUser) -> tuple[Estimate, Estimate | None]:
    """(the version to invoice, the version the customer approved); refuses what the customer did not agree to."""
    latest = latest_estimate(item)
    if latest is None or not latest.lines.exists():
        raise BillingError(_("There is nothing to invoice: write the estimate first."))
    approved = approved_estimate(item)
    if latest.status == Estimate.Status.APPROVED:
        return latest, approved
    if latest.status == Estimate.Status.DECLINED:
        raise BillingError(_("The customer declined the latest estimate: write a new version of what to charge."))
    totals = latest.totals()
    limit = max(approved.gross if approved else ZERO, preapproved_limit(item) or ZERO)
    if totals.gross > limit:
        raise BillingError(
            _(
                "Version %(number)s comes to %(total)s, more than the customer approved (%(limit)s): send it for "
                "approval first."
            )
            % {"number": latest.number, "total": _money(totals.gross), "limit": _money(limit)}
        )
    _freeze(latest, totals)
    _approve(
        latest,
        via=Estimate.Via.WITHIN_APPROVED if approved else Estimate.Via.PREAPPROVAL,
        actor=actor,
        note=_("Estimate version %(number)s (%(total)s) is within what the customer agreed to.")
        % {"number": latest.number, "total": _money(totals.gross)},
    )
    return latest, approved


def _snapshot_customer(item: ServiceItem) -> dict:
    customer = item.customer
    return {
        "customer_name": customer.name if customer else "",
        "customer_address": customer.address if customer else "",
    }


@transaction.atomic
def issue_invoice(*, item_pk: int, actor: AbstractUser) -> Invoice:
    """Invoice the job: its latest estimate version, which the customer must have agreed to (approved, or within
    what was approved or agreed at take-in). Numbered without gaps per year; parts used leave the stock count."""
    item = _lock(item_pk)
    if active_invoice(item) is not None:
        raise BillingError(_("This job is invoiced already; cancel that invoice with a credit note to issue another."))
    estimate, approved = _invoiceable(item, actor)
    lines, totals = priced_lines(estimate)
    invoice = Invoice.objects.create(
        **_numbered(Invoice.Kind.INVOICE),
        item=item,
        estimate=estimate,
        approved_estimate=approved or estimate,
        issued_by=actor,
        **_snapshot_customer(item),
        shop_legal_name=settings.SHOP_LEGAL_NAME,
        shop_tax_id=settings.SHOP_TAX_ID,
        shop_address=settings.SHOP_ADDRESS,
        payment_terms=settings.INVOICE_PAYMENT_TERMS,
        currency=settings.CURRENCY,
        prices_include_tax=settings.PRICES_INCLUDE_TAX,
        net=totals.net,
        tax=totals.tax,
        gross=totals.gross,
        tax_breakdown=[[str(g.rate), str(g.net), str(g.tax)] for g in totals.taxes],
    )
    InvoiceLine.objects.bulk_create(
        InvoiceLine(invoice=invoice, amount=line.amount, **{name: getattr(line, name) for name in LINE_FIELDS})
        for line in lines
    )
    for line in lines:
        if line.price_item_id and line.kind == LineKind.PART:
            PriceItem.objects.filter(pk=line.price_item_id, stock__isnull=False).update(
                stock=F("stock") - line.quantity
            )
    record_event(
        item=item,
        kind=ServiceEvent.Kind.INVOICE,
        actor=actor,
        note=_("Invoice %(number)s issued: %(total)s.") % {"number": invoice.number, "total": _money(totals.gross)},
    )
    return invoice


@transaction.atomic
def cancel_invoice(
    *, invoice_pk: int, reason: str, actor: AbstractUser, request: HttpRequest | None = None
) -> Invoice:
    """Cancel an invoice by a credit note of the same amount (its own series); the invoice itself never changes."""
    if not actor.has_perm("billing.cancel_invoice"):
        raise BillingError(_("Only a manager can cancel an invoice."))
    reason = reason.strip()
    if not reason:
        raise BillingError(_("Say why the invoice is cancelled."))
    invoice = Invoice.objects.get(pk=invoice_pk)
    item = _lock(invoice.item_id)
    if invoice.is_credit_note:
        raise BillingError(_("A credit note can’t be cancelled."))
    if Invoice.objects.filter(cancels=invoice).exists():
        raise BillingError(_("Invoice %(number)s is cancelled already.") % {"number": invoice.number})
    copied = ("customer_name", "customer_address", "shop_legal_name", "shop_tax_id", "shop_address", "currency")
    credit = Invoice.objects.create(
        **_numbered(Invoice.Kind.CREDIT_NOTE),
        item=item,
        estimate=invoice.estimate,
        approved_estimate=invoice.approved_estimate,
        cancels=invoice,
        reason=reason,
        issued_by=actor,
        payment_terms="",
        prices_include_tax=invoice.prices_include_tax,
        net=-invoice.net,
        tax=-invoice.tax,
        gross=-invoice.gross,
        tax_breakdown=[[rate, str(-Decimal(net)), str(-Decimal(tax))] for rate, net, tax in invoice.tax_breakdown],
        **{name: getattr(invoice, name) for name in copied},
    )
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=credit,
            amount=-line.amount,
            **{name: getattr(line, name) for name in LINE_FIELDS if name != "quantity"},
            quantity=-line.quantity,
        )
        for line in invoice.lines.all()
    )
    record_event(
        item=item,
        kind=ServiceEvent.Kind.INVOICE,
        actor=actor,
        note=_("Invoice %(invoice)s cancelled by credit note %(credit)s: %(reason)s")
        % {"invoice": invoice.number, "credit": credit.number, "reason": reason},
    )
    audit.record(
        "invoice_cancelled",
        request=request,
        actor=actor,
        invoice=invoice.number,
        credit_note=credit.number,
        job=item.control_number,
        amount=_plain(invoice.gross),
    )
    return credit


# Payments --------------------------------------------------------------------------------------------------------


@transaction.atomic
def record_payment(
    *,
    item_pk: int,
    kind: str,
    method: str,
    amount: Decimal,
    actor: AbstractUser,
    reference: str = "",
    note: str = "",
    request: HttpRequest | None = None,
) -> Payment:
    """Take a deposit or a payment, or give money back (a refund: managers, with a reason, at most what was paid)."""
    _in_minor_units(amount, _("The amount"))
    if amount <= 0:
        raise BillingError(_("The amount must be more than zero."))
    item = _lock(item_pk)
    current = balance(item)
    if kind == Payment.Kind.REFUND:
        if not actor.has_perm("billing.refund_payment"):
            raise BillingError(_("Only a manager can give a refund."))
        if not note.strip():
            raise BillingError(_("Say why the money is given back."))
        if amount > current.paid:
            raise BillingError(
                _("Only %(paid)s was paid for this job; a refund can’t be more.") % {"paid": _money(current.paid)}
            )
    elif kind == Payment.Kind.PAYMENT and amount > current.due:
        if current.due <= 0:
            raise BillingError(_("Nothing is due on this job; take a deposit instead."))
        raise BillingError(
            _("Only %(due)s is due; take that, or a deposit for work not yet estimated.")
            % {"due": _money(current.due)}
        )
    payment = Payment.objects.create(
        item=item,
        kind=kind,
        method=method,
        amount=amount,
        reference=reference.strip(),
        note=note.strip(),
        received_by=actor,
    )
    words = {"kind": payment.get_kind_display(), "amount": _money(amount), "method": payment.get_method_display()}
    text = _("%(kind)s of %(amount)s (%(method)s).") % words
    if payment.note:
        text = f"{text} {payment.note}"
    record_event(item=item, kind=ServiceEvent.Kind.PAYMENT, actor=actor, note=text)
    if kind == Payment.Kind.REFUND:
        audit.record(
            "refund", request=request, actor=actor, job=item.control_number, amount=_plain(amount), method=method
        )
    return payment


# Release ---------------------------------------------------------------------------------------------------------


def check_release(*, item: ServiceItem, actor: AbstractUser | None, note: str) -> None:
    """Refuse to release a job with money due, unless a manager gives the reason (recorded) in the note."""
    due = balance(item).due
    if due <= 0:
        return
    if actor is None or not actor.has_perm("billing.release_unpaid_jobaccount"):
        raise LogbookError(
            _("%(due)s is still due on this job: take the payment first, or ask a manager to release it.")
            % {"due": _money(due)}
        )
    if not note.strip():
        raise LogbookError(
            _("%(due)s is still due on this job. To release it anyway, write the reason in the note.")
            % {"due": _money(due)}
        )
    record_event(
        item=item,
        kind=ServiceEvent.Kind.PAYMENT,
        actor=actor,
        note=_("Released with %(due)s still due. Reason: %(reason)s") % {"due": _money(due), "reason": note.strip()},
    )
    audit.record("release_unpaid", actor=actor, job=item.control_number, due=_plain(due))


# The price list and discount limits (managers) -------------------------------------------------------------------


class StalePriceItem(BillingError):
    """Someone else saved the price list entry after this form was opened."""


@transaction.atomic
def save_price_item(*, price_item: PriceItem, expected_version: int | None) -> PriceItem:
    """Save a new or edited price list entry, unless someone saved it since the form was opened."""
    if price_item.pk is not None:
        saved = PriceItem.objects.select_for_update().get(pk=price_item.pk)
        if expected_version != saved.version:
            raise StalePriceItem(
                _("Someone else saved this entry after you opened the form (now: %(name)s, %(price)s). Check it.")
                % {"name": saved.name, "price": _money(saved.unit_price)}
            )
        price_item.version = saved.version + 1
    try:
        with transaction.atomic():
            price_item.save()
    except IntegrityError as error:
        raise BillingError(_("Another entry has the code “%(code)s”.") % {"code": price_item.code}) from error
    return price_item


@transaction.atomic
def set_discount_limits(*, limits: dict, actor: AbstractUser, request: HttpRequest | None = None) -> None:
    """{group: largest discount in percent}; who may give how much is an access change, so it is audited."""
    changed = {}
    for group, percent in limits.items():
        limit, _created = DiscountLimit.objects.select_for_update().get_or_create(group=group)
        if limit.max_percent != percent:
            changed[group.name] = f"{limit.max_percent}->{percent}"
            limit.max_percent = percent
            limit.save()
    if changed:
        audit.record("discount_limits_changed", request=request, actor=actor, **changed)
