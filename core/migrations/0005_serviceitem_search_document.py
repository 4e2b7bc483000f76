from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("core", "0004_item_customer_equipment")]

    operations = [
        migrations.AddField(
            model_name="serviceitem",
            name="search_document",
            field=models.TextField(default="", editable=False),
        ),
    ]
