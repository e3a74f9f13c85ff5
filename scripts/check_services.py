"""Say clearly when PostgreSQL or Redis is not reachable, before the suite starts."""

from __future__ import annotations

import os
import sys

import psycopg
import redis


def main() -> int:
    database_url = os.environ["DATABASE_URL"]
    broker_url = os.environ["CELERY_BROKER_URL"]
    problems = []
    try:
        with psycopg.connect(
            database_url.rsplit("/", 1)[0] + "/postgres", connect_timeout=3
        ) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as error:
        problems.append(f"PostgreSQL is not reachable ({error}).")
    try:
        redis.Redis.from_url(broker_url, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        problems.append(f"Redis is not reachable ({error}).")
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(
            "The tests need PostgreSQL and Redis; see README.md (Running the tests).",
            file=sys.stderr,
        )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
