from django.db import models


class Question(models.Model):
    text = models.CharField(max_length=200)
    pub_date = models.DateTimeField("date published")

    class Meta:
        ordering = ["-pub_date"]

    def __str__(self):
        return self.text


class Visit(models.Model):
    """One row per visit to /visits: the page that writes to the database, then reads it back."""

    at = models.DateTimeField(auto_now_add=True)
