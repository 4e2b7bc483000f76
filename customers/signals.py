"""What customers tells the apps built on it, so that they keep their own rows right without being imported.

Each is sent inside the transaction that makes the change.
"""

from django.dispatch import Signal

# A customer's name, phones or email changed (search text elsewhere may need renewing). Arguments: customer.
customer_changed = Signal()
# A piece of equipment's type, brand, model, serial number or owner changed. Arguments: equipment.
equipment_changed = Signal()
# Two records are becoming one: move your rows from `source` to `target` now; `source` is deleted afterwards.
# Arguments: source, target, actor.
customers_merging = Signal()
# A customer asked to be forgotten and was anonymised: remove your copies of their personal data (names,
# addresses, message bodies), keep what the law or the jobs' technical history needs. Arguments: customer, actor.
customer_erased = Signal()
# Pieces were created in bulk, without save() (seed_demo, an import): apps that keep rows per piece (maintenance's
# clocks) fill them in now. No arguments.
equipment_created_in_bulk = Signal()
