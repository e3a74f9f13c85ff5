import pytest
from django.contrib.auth.models import Group, User
from django.core.management import CommandError, call_command

from smarketing.roles import Role, user_roles


@pytest.mark.django_db
def test_each_role_is_a_group_with_its_permissions():
    groups = {group.name: group for group in Group.objects.prefetch_related("permissions")}
    assert set(groups) >= {role.value for role in Role}
    admin_codenames = {p.codename for p in groups["admin"].permissions.all()}
    assert {"add_user", "change_periodictask"} <= admin_codenames
    assert not groups["sales"].permissions.filter(codename="add_user").exists()


@pytest.mark.django_db
def test_create_user_command_gives_the_role(capsys):
    call_command("create_user", "alice", "--role", "sales", "--password", "a-long-passphrase-42")
    alice = User.objects.get(username="alice")
    assert user_roles(alice) == {Role.SALES}
    assert alice.check_password("a-long-passphrase-42")
    assert not alice.is_staff
    assert "Created alice (sales)." in capsys.readouterr().out


@pytest.mark.django_db
def test_create_user_command_makes_admins_staff():
    call_command("create_user", "root2", "--role", "admin", "--password", "a-long-passphrase-42")
    assert User.objects.get(username="root2").is_staff


@pytest.mark.django_db
def test_create_user_refuses_a_weak_password_and_writes_nothing():
    with pytest.raises(CommandError, match="too common"):
        call_command("create_user", "bob", "--role", "sales", "--password", "password")
    assert not User.objects.filter(username="bob").exists()


@pytest.mark.django_db
def test_create_user_refuses_a_taken_username(rep):
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_user", "SAM", "--role", "sales", "--password", "a-long-passphrase-42")


def test_create_user_refuses_an_unknown_role():
    with pytest.raises(CommandError, match="invalid choice: 'boss'"):
        call_command("create_user", "carol", "--role", "boss", "--password", "x")
