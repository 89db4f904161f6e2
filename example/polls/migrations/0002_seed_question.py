from django.db import migrations
from django.utils import timezone

SEED_TEXT = "What is your favourite Python packaging tool?"


def seed(apps, schema_editor):
    Question = apps.get_model("polls", "Question")
    Question.objects.get_or_create(text=SEED_TEXT, defaults={"pub_date": timezone.now()})


def unseed(apps, schema_editor):
    apps.get_model("polls", "Question").objects.filter(text=SEED_TEXT).delete()


class Migration(migrations.Migration):

    dependencies = [("polls", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
