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
