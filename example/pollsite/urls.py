from django.contrib import admin
from django.urls import path

from polls import views

urlpatterns = [
    path("", views.index, name="index"),
    path("healthz", views.healthz, name="healthz"),
    path("visits", views.visits, name="visits"),
    path("admin/", admin.site.urls),
]
