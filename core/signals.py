from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from core.models import LogbookRevision, ServiceItem


@receiver(post_save, sender=ServiceItem)
@receiver(post_delete, sender=ServiceItem)
def item_changed(sender, **kwargs):
    # In the writer's transaction: readers keep the old revision until the change is committed and visible.
    LogbookRevision.bump()
