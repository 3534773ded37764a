"""People: the Person (everyone the programme serves), the User that logs in, and their roles."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .roles import Role


class Person(models.Model):
    """One human being, identified by the national ID (کد ملی). Everything they have with the programme
    hangs on this record: their file (پرونده)."""

    class Gender(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")

    national_id = models.CharField(_("national ID"), max_length=10, unique=True)
    first_name = models.CharField(_("first name"), max_length=80)
    last_name = models.CharField(_("last name"), max_length=80)
    search_key = models.CharField(max_length=170, db_index=True, editable=False)
    mobile = models.CharField(_("mobile"), max_length=11, db_index=True)
    gender = models.CharField(_("gender"), max_length=6, choices=Gender.choices)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    home_place = models.ForeignKey(
        "geo.Place", verbose_name=_("home village or city"), on_delete=models.PROTECT, related_name="+"
    )
    # The unit that registered the person: officers of it and of everything above it see the record.
    unit = models.ForeignKey(
        "orgs.OrgUnit", verbose_name=_("registered by"), on_delete=models.PROTECT, related_name="people"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["last_name", "first_name", "pk"]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, username: str, password: str | None = None, **extra: object) -> User:
        user = self.model(username=username, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, username: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(username, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A login. A person's login uses their national ID as username and may also sign in by mobile;
    a few system accounts (the first administrator) have no person."""

    username = models.CharField(_("username"), max_length=40, unique=True)
    person = models.OneToOneField(
        Person, verbose_name=_("person"), null=True, blank=True, on_delete=models.PROTECT, related_name="user"
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff"), default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.person.full_name if self.person_id and self.person else self.username


class RoleAssignment(models.Model):
    """A role granted to a user on one unit; it reaches the unit and everything beneath it.
    Never deleted: revoking stamps `revoked_at`, so who could do what, when, stays answerable.

    A role carrying a permission its granter does not hold on the unit (a treasurer's money, an inspector's
    certificate) is only *proposed*: `confirmed_at` stays empty and the role gives no power until a second
    officer of `proposer_unit` (or above) confirms it. A declined or withdrawn proposal is stamped
    `revoked_at` without ever having been confirmed. A direct grant is confirmed when it is made."""

    class State(models.TextChoices):
        PROPOSED = "proposed", _("Waiting for a second officer")
        ACTIVE = "active", _("Active")
        REVOKED = "revoked", _("Revoked")
        DECLINED = "declined", _("Declined")

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="role_assignments")
    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    unit = models.ForeignKey(
        "orgs.OrgUnit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="role_assignments"
    )
    granted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)
    revoked_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    # Empty while the role is only proposed (see the class docstring); a direct grant is confirmed at once.
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True, default=timezone.now)
    confirmed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The unit through which the proposer held roles.grant: the confirming officer must hold it there or above.
    proposer_unit = models.ForeignKey("orgs.OrgUnit", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+")

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "unit"],
                condition=models.Q(revoked_at__isnull=True),
                name="one_active_assignment_per_user_role_unit",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} — {self.unit}"

    @property
    def state(self) -> str:
        if self.confirmed_at is None:
            return self.State.PROPOSED if self.revoked_at is None else self.State.DECLINED
        return self.State.ACTIVE if self.revoked_at is None else self.State.REVOKED

    @property
    def is_proposal(self) -> bool:
        return self.state == self.State.PROPOSED

class ConsentPurpose(models.TextChoices):
    """What an actor may use a person of another scope for, once she has consented (people.consent)."""

    FUND_JOIN = "funds.join", _("joining a loan fund")
    FUND_TRANSFER = "funds.transfer", _("taking over a fund membership")
    PRODUCER_REGISTER = "production.producer", _("registering as a producer")
    JOB_LEADER_OWNER = "production.job_leader", _("managing a job leader")
    JOB_AGREEMENT = "production.agreement", _("an agreement with a job leader")


class ConsentChallenge(models.Model):
    """A one-time code sent to the registered mobile of whoever holds `national_id`, so that the person, at
    the desk, lets `actor` use her record for `purpose`. A challenge is written whether or not anyone holds
    the ID (`person` is then empty and no message leaves), so the actor cannot tell the two apart."""

    actor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    national_id = models.CharField(max_length=10)
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(max_length=32, choices=ConsentPurpose.choices)
    salt = models.CharField(max_length=32)
    code_hash = models.CharField(max_length=64)  # HMAC-SHA256 of the code; the code itself is never stored
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    tries = models.PositiveSmallIntegerField(default=0)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["actor", "national_id", "purpose", "created_at"]),
                   models.Index(fields=["actor", "created_at"])]

    def __str__(self) -> str:
        return f"consent code #{self.pk}"


class Consent(models.Model):
    """A person's consent, given with a one-time code, that `actor` use her record once for `purpose`."""

    actor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="consents")
    purpose = models.CharField(max_length=32, choices=ConsentPurpose.choices)
    granted_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["actor", "person", "purpose", "granted_at"])]

    def __str__(self) -> str:
        return f"consent #{self.pk}"
