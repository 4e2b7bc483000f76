"""Money: every amount is a Decimal in the shop's one currency, and every total is computed here, once.

`compute_totals()` is a pure function over lines: estimates, invoices, the job page and the reports all call it,
so an amount is never worked out twice in two ways. The rules, for a line and then for the whole:

- a line's amount is quantity x unit price, less its discount, rounded once to the currency's minor unit;
  the discount shown is what the rounding of the undiscounted amount leaves over;
- lines are grouped by tax rate and the tax is rounded once per rate, on the group's sum (as invoices show it);
- with prices excluding tax the groups' sums are net and tax is added; with prices including tax they are gross
  and the tax is the part of them that is tax, rate / (100 + rate).
"""

import decimal
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

ZERO = Decimal(0)
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Rules:
    """How the shop rounds and taxes; from settings (`Rules.from_settings()`), or given in tests."""

    places: int = 2
    rounding: str = decimal.ROUND_HALF_UP
    prices_include_tax: bool = False

    @classmethod
    def from_settings(cls) -> "Rules":
        return cls(
            places=settings.CURRENCY_DECIMAL_PLACES,
            rounding=getattr(decimal, settings.CURRENCY_ROUNDING),
            prices_include_tax=settings.PRICES_INCLUDE_TAX,
        )

    @property
    def minor_unit(self) -> Decimal:
        return Decimal(1).scaleb(-self.places)

    def round(self, amount: Decimal) -> Decimal:
        return amount.quantize(self.minor_unit, rounding=self.rounding)


@dataclass(frozen=True)
class Line:
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal = ZERO
    tax_rate: Decimal = ZERO


@dataclass(frozen=True)
class TaxGroup:
    rate: Decimal
    net: Decimal
    tax: Decimal

    @property
    def gross(self) -> Decimal:
        return self.net + self.tax


@dataclass(frozen=True)
class Totals:
    amounts: tuple[Decimal, ...]  # each line's amount after its discount, in the prices' own terms
    discount: Decimal
    taxes: tuple[TaxGroup, ...]  # one per rate, lowest rate first
    net: Decimal
    tax: Decimal
    gross: Decimal

    def __neg__(self) -> "Totals":
        """The same totals with the opposite sign: what a credit note takes back."""
        return Totals(
            amounts=tuple(-amount for amount in self.amounts),
            discount=-self.discount,
            taxes=tuple(TaxGroup(rate=g.rate, net=-g.net, tax=-g.tax) for g in self.taxes),
            net=-self.net,
            tax=-self.tax,
            gross=-self.gross,
        )


def compute_totals(lines: Iterable[Line], rules: Rules) -> Totals:
    amounts, discount, by_rate = [], ZERO, {}
    for line in lines:
        full = line.quantity * line.unit_price
        amount = rules.round(full * (HUNDRED - line.discount_percent) / HUNDRED)
        amounts.append(amount)
        discount += rules.round(full) - amount
        rate = line.tax_rate.normalize() if line.tax_rate else ZERO
        by_rate[rate] = by_rate.get(rate, ZERO) + amount
    groups = []
    for rate, total in sorted(by_rate.items()):
        if rules.prices_include_tax:
            tax = rules.round(total * rate / (HUNDRED + rate))
            groups.append(TaxGroup(rate=rate, net=total - tax, tax=tax))
        else:
            groups.append(TaxGroup(rate=rate, net=total, tax=rules.round(total * rate / HUNDRED)))
    net = sum((group.net for group in groups), ZERO)
    tax = sum((group.tax for group in groups), ZERO)
    return Totals(amounts=tuple(amounts), discount=discount, taxes=tuple(groups), net=net, tax=tax, gross=net + tax)


def format_money(amount: Decimal | None, *, symbol: str | None = None, places: int | None = None) -> str:
    """ "$1,234.50", "-$3.00": grouped, with the currency's minor unit; never through float."""
    if amount is None:
        return ""
    symbol = settings.CURRENCY_SYMBOL if symbol is None else symbol
    rules = Rules.from_settings() if places is None else Rules(places=places)
    rounded = rules.round(Decimal(amount))
    sign = "-" if rounded < 0 else ""
    return f"{sign}{symbol}{abs(rounded):,.{rules.places}f}"
