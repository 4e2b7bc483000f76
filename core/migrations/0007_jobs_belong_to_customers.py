"""Jobs belong to a customer and a piece of equipment (0006 made them); the plain copies of both go.

The removed fields are first given a default of "", so that migrating backwards can add them again to a filled
table; 0006 backwards then writes them from the records.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0006_customers_from_items'),
        ('customers', '0003_search_and_permissions'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        *(
            migrations.AlterField(
                model_name="serviceitem", name=name, field=models.CharField(default="", max_length=length)
            )
            for name, length in (("customer_name", 120), ("customer_phone", 32), ("item_type", 60), ("brand", 60))
        ),
        migrations.RemoveIndex(
            model_name='serviceitem',
            name='core_item_customer_idx',
        ),
        migrations.RemoveIndex(
            model_name='serviceitem',
            name='core_item_phone_idx',
        ),
        migrations.RemoveIndex(
            model_name='serviceitem',
            name='core_item_serial_idx',
        ),
        migrations.RemoveField(
            model_name='serviceitem',
            name='brand',
        ),
        migrations.RemoveField(
            model_name='serviceitem',
            name='customer_email',
        ),
        migrations.RemoveField(
            model_name='serviceitem',
            name='customer_name',
        ),
        migrations.RemoveField(
            model_name='serviceitem',
            name='customer_phone',
        ),
        migrations.RemoveField(
            model_name='serviceitem',
            name='item_type',
        ),
        migrations.RemoveField(
            model_name='serviceitem',
            name='model',
        ),
        migrations.RemoveField(
            model_name='serviceitem',
            name='serial_number',
        ),
        migrations.AlterField(
            model_name='serviceitem',
            name='customer',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='service_items', to='customers.customer', verbose_name='customer'),
        ),
        migrations.AlterField(
            model_name='serviceitem',
            name='equipment',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='service_items', to='customers.equipment', verbose_name='equipment'),
        ),
        migrations.AlterField(
            model_name='serviceitem',
            name='item',
            field=models.CharField(blank=True, help_text='What came in, if more than the piece itself, e.g. “First stage only”.', max_length=120, verbose_name='item'),
        ),
        migrations.AddIndex(
            model_name='serviceitem',
            index=models.Index(fields=['customer', '-received_at'], name='core_item_customer_recv_idx'),
        ),
    ]
