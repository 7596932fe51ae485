"""Office staff and how they sign in: username, an Argon2id password hash and a TOTP second factor.

The registry keeps the credentials (stream `staff-<username>`: the first commit claims the
username) and checks them for the gateway, which issues the token. A code's time step is spent
once it signs someone in; five failures in a row lock the account for a quarter of an hour.
A suspended or dissolved office signs in nobody.
"""

import asyncio
import functools
import time
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import VerificationError

from ejustice_registry.offices import service as offices
from ejustice_registry.offices.events import OfficeStaffAdded
from ejustice_registry.offices.models import ACTIVE
from ejustice_registry.staff.events import StaffEnrolled, StaffSignedIn, StaffSignInFailed
from ejustice_registry.staff.models import StaffCreate, StaffEnrolledRead, StaffSignedInRead, StaffSignInCreate
from ejustice_shared import clock
from ejustice_shared.aggregate import Aggregate, Decision, Fact
from ejustice_shared.auth import Principal, Role
from ejustice_shared.events import EventData
from ejustice_shared.problems import Problem, field_error
from ejustice_shared.runtime import ServiceRuntime

hasher = PasswordHasher()


@functools.cache
def unknown_hash() -> str:
    """Verified against when the username is unknown, so both answers take as long. Made at the first
    sign-in, not at import: an Argon2 hash costs most of a second of start-up."""
    return hasher.hash(uuid.uuid4().hex)


LOCK_AFTER = 5
LOCK_MINUTES = 15


def stream_of(username: str) -> str:
    return f"staff-{username}"


@dataclass(frozen=True)
class Staff:
    enrolled: StaffEnrolled | None = None
    last_step: int = -1
    failures: int = 0
    last_failure_at: str = ""


def subject(username: str, staff: Staff, event: EventData) -> str:
    return event.staff_id if isinstance(event, StaffEnrolled) else staff.enrolled.staff_id


aggregate = Aggregate("staff", stream=stream_of, initial=Staff(), source="registry", state_type=Staff,
                      subject=subject)


@aggregate.evolves(StaffEnrolled)
def _enrolled(staff: Staff, enrolled: StaffEnrolled, fact: Fact) -> Staff:
    return replace(staff, enrolled=enrolled)


@aggregate.evolves(StaffSignedIn)
def _signed_in(staff: Staff, signed_in: StaffSignedIn, fact: Fact) -> Staff:
    return replace(staff, last_step=signed_in.totp_step, failures=0)


@aggregate.evolves(StaffSignInFailed)
def _failed(staff: Staff, failed: StaffSignInFailed, fact: Fact) -> Staff:
    return replace(staff, failures=staff.failures + 1, last_failure_at=fact.time)


def enrol_once(staff: Staff, enrolled: StaffEnrolled) -> Decision:
    """The first enrolment claims the username."""
    if staff.enrolled is not None:
        raise Problem(409, "username-taken", errors=[field_error("username", "username-taken")])
    return Decision([enrolled])


def fail_sign_in(staff: Staff, failed: StaffSignInFailed) -> Decision:
    return Decision([failed])


@dataclass(frozen=True)
class SignIn:
    counter: str | None
    totp_step: int


def sign_in_once(staff: Staff, command: SignIn) -> Decision:
    """A code's time step signs someone in once."""
    if staff.last_step >= command.totp_step:
        raise refused()  # the same code signed someone in meanwhile
    return Decision([StaffSignedIn(counter=command.counter, totp_step=command.totp_step)])


def may_manage(principal: Principal, office_id: str) -> None:
    """Operators enrol anyone; an office's manager enrols the staff of that office only."""
    if principal.has(Role.OPERATOR):
        return
    if principal.has(Role.CLERK) and principal.office_role == "manager" and principal.office_id == office_id:
        return
    raise Problem(403, "forbidden", detail="Only an operator or this office's manager enrols its staff.")


async def enrol(runtime: ServiceRuntime, *, principal: Principal, office_id: str,
                create: StaffCreate) -> StaffEnrolledRead:
    may_manage(principal, office_id)
    office = await offices.find(runtime, office_id)
    if office.status == "dissolved":
        raise offices.not_working(office)
    secret = pyotp.random_base32()
    password_hash = await asyncio.to_thread(hasher.hash, create.password)
    enrolled = StaffEnrolled(staff_id=uuid.uuid4().hex, username=create.username, name=create.name,
                             office_id=office_id, role=create.role, password_hash=password_hash, totp_secret=secret)
    await aggregate.execute(runtime.commits, create.username, enrol_once, enrolled, actor=principal.as_actor())
    await offices.add_staff_member(runtime, principal=principal, office_id=office_id, added=OfficeStaffAdded(
        staff_id=enrolled.staff_id, username=create.username, name=create.name, role=create.role))
    uri = pyotp.TOTP(secret).provisioning_uri(name=create.username, issuer_name=f"ejustice {office_id}")
    return StaffEnrolledRead(staff_id=enrolled.staff_id, username=create.username, office_id=office_id,
                             role=create.role, totp_secret=secret, totp_uri=uri)


def refused() -> Problem:
    return Problem(401, "sign-in-refused", detail="Wrong username, password or code.")


async def sign_in(runtime: ServiceRuntime, *, attempt: StaffSignInCreate) -> StaffSignedInRead:
    """Check the credentials and the code; say only that they are wrong, never which."""
    username = attempt.username.lower()
    staff = await aggregate.state(runtime.commits, username)
    if staff.failures >= LOCK_AFTER and (
            datetime.fromisoformat(staff.last_failure_at) > clock.now() - timedelta(minutes=LOCK_MINUTES)):
        raise Problem(429, "sign-in-locked", headers={"retry-after": str(LOCK_MINUTES * 60)},
                      detail=f"Too many failed sign-ins; try again in {LOCK_MINUTES} minutes.")
    try:
        await asyncio.to_thread(hasher.verify, staff.enrolled.password_hash if staff.enrolled else unknown_hash(),
                                attempt.password)
        password_ok = staff.enrolled is not None
    except VerificationError:
        password_ok = False
    now = time.time()
    totp = pyotp.TOTP(staff.enrolled.totp_secret) if staff.enrolled else None
    # The step of the code: this one, or the one before or after (clocks drift a little).
    step = next((int(now // 30) + d for d in (0, -1, 1)
                 if totp and totp.at(now + d * 30) == attempt.totp_code), None)
    reason = "password" if not password_ok else "totp" if step is None else "totp-reused" \
        if step <= staff.last_step else None
    if staff.enrolled is None:
        raise refused()
    if reason:
        await aggregate.execute(runtime.commits, username, fail_sign_in, StaffSignInFailed(reason=reason),
                                actor={"staff": staff.enrolled.staff_id})
        raise refused()
    enrolled = staff.enrolled
    office = await offices.find(runtime, enrolled.office_id)
    if office.status not in ACTIVE:
        raise offices.not_working(office)
    if enrolled.role == "clerk" and attempt.counter is None:
        raise Problem(422, "validation", errors=[field_error("counter", "counter-required")])
    if attempt.counter is not None and attempt.counter not in office.counters:
        raise Problem(422, "validation", errors=[field_error("counter", "unknown-counter",
                                                             counters=", ".join(office.counters))])
    await aggregate.execute(runtime.commits, username, sign_in_once, SignIn(attempt.counter, step),
                            actor={"staff": enrolled.staff_id})
    return StaffSignedInRead(staff_id=enrolled.staff_id, username=enrolled.username, name=enrolled.name,
                             office_id=enrolled.office_id, role=enrolled.role, counter=attempt.counter)
