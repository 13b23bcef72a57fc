"""Drives Django's own SessionStore classes for the interop tests (no Django server needed).

Reads one JSON request on stdin, prints one JSON answer on stdout. The request names the
engine and its store, the secret keys, and an action:

  {"engine": "db" | "file" | "cache" | "signed_cookies", "secret_key": "...", "fallbacks": [...],
   "cache": {"location": "redis://...", "key_prefix": "", "version": 1},
   "file_path": "<SESSION_FILE_PATH>",
   "database": {"vendor": "sqlite" | "postgresql" | "mysql", "name": ..., "host": ..., ...},
   "action": "write" | "read" | "update" | "flush" | "login" | "clear", ...}

Dicts travel as lists of [key, value] pairs so their order survives.
"""

import json
import sys


def configure(request):
    import django
    from django.conf import settings

    database = request.get("database") or {"vendor": "sqlite", "name": ":memory:"}
    engines = {
        "sqlite": "django.db.backends.sqlite3",
        "postgresql": "django.db.backends.postgresql",
        "mysql": "django.db.backends.mysql",
    }
    if database["vendor"] == "mysql":
        import pymysql

        pymysql.install_as_MySQLdb()
    db = {"ENGINE": engines[database["vendor"]], "NAME": database["name"]}
    for field in ("host", "port", "user", "password"):
        if database.get(field) not in (None, ""):
            db[field.upper()] = database[field]
    caches = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache = request.get("cache")
    if cache:
        caches = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": cache["location"],
                "KEY_PREFIX": cache.get("key_prefix", ""),
                "VERSION": cache.get("version", 1),
            }
        }
    settings.configure(
        CACHES=caches,
        SECRET_KEY=request["secret_key"],
        SECRET_KEY_FALLBACKS=request.get("fallbacks", []),
        USE_TZ=True,
        INSTALLED_APPS=[
            "django.contrib.contenttypes",
            "django.contrib.auth",
            "django.contrib.sessions",
        ],
        DATABASES={"default": db},
        SESSION_ENGINE="django.contrib.sessions.backends." + request["engine"],
        SESSION_COOKIE_AGE=request.get("cookie_age", 1209600),
        PASSWORD_HASHERS=["django.contrib.auth.hashers.PBKDF2PasswordHasher"],
        SESSION_FILE_PATH=request.get("file_path"),
    )
    django.setup()
    if request.get("migrate"):
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)


def store_class():
    from importlib import import_module
    from django.conf import settings

    return import_module(settings.SESSION_ENGINE).SessionStore


def pairs(session):
    return [[k, v] for k, v in session.items()]


def described(session):
    from django.contrib.auth import get_user

    class Request:
        pass

    request = Request()
    request.session = session
    user = get_user(request)
    return {
        "key": session.session_key,
        "items": pairs(session),
        "expiry_age": session.get_expiry_age(),
        "browser_close": session.get_expire_at_browser_close(),
        "user": None if user.is_anonymous else user.pk,
    }


def apply_expiry(session, expiry):
    import datetime

    if expiry is None:
        return
    if isinstance(expiry, dict) and "at" in expiry:
        session.set_expiry(datetime.datetime.fromisoformat(expiry["at"]))
    else:
        session.set_expiry(expiry)


def ensure_user(user):
    from django.contrib.auth.models import User

    User.objects.update_or_create(
        pk=user["id"], defaults={"username": user["username"], "password": user["password"]}
    )
    return User.objects.get(pk=user["id"])


def main():
    request = json.load(sys.stdin)
    configure(request)
    SessionStore = store_class()
    action = request["action"]
    answer = {}
    if action == "write":
        session = SessionStore()
        for key, value in request.get("items", []):
            session[key] = value
        apply_expiry(session, request.get("expiry"))
        session.save()
        answer = {"key": session.session_key}
    elif action == "read":
        session = SessionStore(session_key=request["key"])
        answer = described(session)
        answer["exists"] = SessionStore().exists(request["key"])
        if session.modified:
            # get_user may rotate or flush (a fallback key, a changed password): keep that.
            session.save()
            answer["key"] = session.session_key
    elif action == "update":
        session = SessionStore(session_key=request["key"])
        for key, value in request.get("items", []):
            session[key] = value
        session.save()
        answer = {"key": session.session_key}
    elif action == "flush":
        session = SessionStore(session_key=request["key"])
        session.flush()
        answer = {"key": session.session_key}
    elif action == "login":
        from django.contrib.auth import login

        user = ensure_user(request["user"])

        class Request:
            pass

        http = Request()
        http.session = SessionStore(session_key=request.get("key"))
        http.META = {}
        login(http, user, backend="django.contrib.auth.backends.ModelBackend")
        http.session.save()
        answer = {"key": http.session.session_key}
    elif action == "ensure_user":
        ensure_user(request["user"])
    elif action == "clear":
        SessionStore.clear_expired()
    else:
        raise SystemExit("unknown action " + action)
    json.dump(answer, sys.stdout)


if __name__ == "__main__":
    main()
