from piccolo.columns import Boolean, ForeignKey, Integer, Serial, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class User(Table, tablename="app_user"):
    id: Serial
    email = Varchar(length=320, unique=True, index=True)
    name = Varchar(length=300)
    password_hash = Varchar(length=200)
    is_active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())


class UserSession(Table):
    """A browser sign-in. The cookie carries a random token; only its SHA-256 is stored."""

    id: Serial
    user = ForeignKey(references=User, null=False, on_delete=OnDelete.cascade)
    token_hash = Varchar(length=64, unique=True, index=True)
    csrf_token = Varchar(length=64)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()


class ApiToken(Table):
    """A bearer token for scripts. Shown once at creation; only its SHA-256 is stored."""

    id: Serial
    user = ForeignKey(references=User, null=False, on_delete=OnDelete.cascade)
    name = Varchar(length=300)
    token_hash = Varchar(length=64, unique=True, index=True)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz(null=True, default=None)  # None only for tokens made before tokens expired
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)


class SignInAttempt(Table):
    """Failed sign-ins, for rate limiting per account and per address."""

    id: Serial
    email = Varchar(length=320, index=True)
    address = Varchar(length=100, index=True)
    at = Timestamptz(default=TimestamptzNow(), index=True)
    attempts = Integer(default=1)


class PasswordReset(Table):
    """A one-use link to choose a new password. Only the token's SHA-256 is stored."""

    id: Serial
    user = ForeignKey(references=User, null=False, on_delete=OnDelete.cascade, index=True)
    token_hash = Varchar(length=64, unique=True, index=True)
    created_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)
