from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("me/", views.me, name="me"),
]

people_patterns = [
    path("", views.person_list, name="list"),
    path("new/", views.person_create, name="create"),
    path("<int:pk>/", views.person_detail, name="detail"),
    path("<int:pk>/edit/", views.person_edit, name="edit"),
    path("<int:pk>/password/", views.person_password, name="password"),
    path("<int:pk>/roles/", views.role_grant, name="role-grant"),
    path("roles/<int:pk>/revoke/", views.role_revoke, name="role-revoke"),
    path("roles/proposals/", views.role_proposals, name="role-proposals"),
    path("roles/<int:pk>/confirm/", views.role_confirm, name="role-confirm"),
    path("roles/<int:pk>/decline/", views.role_decline, name="role-decline"),
]
