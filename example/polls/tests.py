import zlib

from django.test import TestCase
from django.urls import reverse

import speedups

from .models import Question

SEED_TEXT = "What is your favourite Python packaging tool?"


class SpeedupsTests(TestCase):
    def test_checksum_matches_zlib_adler32(self):
        for data in (b"", b"a", b"pollsite", bytes(range(256)) * 100):
            self.assertEqual(speedups.checksum(data), zlib.adler32(data))

    def test_add(self):
        self.assertEqual(speedups.add(2, 40), 42)


class IndexViewTests(TestCase):
    def test_index_lists_seeded_question(self):
        # The question comes from the 0002 data migration, not from this test.
        self.assertTrue(Question.objects.filter(text=SEED_TEXT).exists())
        response = self.client.get(reverse("index"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, SEED_TEXT)

    def test_index_shows_checksum(self):
        response = self.client.get(reverse("index"))
        self.assertContains(response, str(zlib.adler32(b"pollsite")))

    def test_index_links_stylesheet(self):
        response = self.client.get(reverse("index"))
        self.assertContains(response, "/static/polls/style.css")


class HealthzTests(TestCase):
    def test_healthz(self):
        response = self.client.get("/healthz")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "text/plain")
        self.assertEqual(response.content, b"ok")


class VisitsTests(TestCase):
    def test_each_visit_writes_a_row_and_reads_the_count(self):
        self.assertEqual(self.client.get("/visits").content, b"visits: 1")
        self.assertEqual(self.client.get("/visits").content, b"visits: 2")
