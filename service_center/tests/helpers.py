"""Test helpers for every app's tests."""

from django.urls import resolve, reverse


def assert_url_round_trip(name, path, kwargs=None):
    """`name` reverses to `path`, and `path` resolves back to `name` with the same arguments."""
    kwargs = kwargs or {}
    assert reverse(name, kwargs=kwargs) == path
    match = resolve(path)
    assert match.view_name == name
    assert match.kwargs == kwargs
    return match


MATRIX_ROLES = ["anonymous", "no_group", "Front desk", "Technicians", "Managers"]


def login_as(client, role):
    """Log `client` in as a new user of `role` (one of MATRIX_ROLES); anonymous stays logged out."""
    from accounts.tests.factories import UserFactory, staff_user

    if role == "anonymous":
        return None
    user = UserFactory() if role == "no_group" else staff_user(role)
    client.force_login(user)
    return user


def assert_matrix_answer(response, role, answers):
    """A permission matrix's row: anonymous visitors go to the login page; the others get their answer from
    `answers` (no group, Front desk, Technicians, Managers), and a refusal says how to get access."""
    from http import HTTPStatus

    if role == "anonymous":
        assert response.status_code == HTTPStatus.FOUND
        assert response.url.startswith("/accounts/login/?next=")
        return
    expected = dict(zip(MATRIX_ROLES[1:], answers, strict=True))[role]
    assert response.status_code == expected, response.content[:300]
    if expected == HTTPStatus.FORBIDDEN:
        assert "ask a manager to grant you access" in response.text
