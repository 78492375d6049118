#!/usr/bin/env python3
"""Create the media bucket of ``MANGO_MEDIA_S3_*`` if it is missing: for the laptop only.

Installed as ``/usr/local/bin/mango-dev-bucket``; the one-shot ``init`` job of
``docker/compose.yml`` runs it against the S3 emulator after ``mango migrate`` and
``mango queues create``. On AWS the bucket is made once by whoever owns the account, with
its own policy; services never create buckets.

Exit status: 0 the bucket exists, 1 it could not be created, 2 bad settings.
"""

from __future__ import annotations

import asyncio
import sys


async def _create() -> None:
    from actors.media import MediaSettings, S3ObjectStore
    from mango.settings import load_settings

    settings = load_settings(MediaSettings)
    if settings.media_store != "s3" or not settings.media_s3_bucket:
        raise SystemExit("mango-dev-bucket: set MANGO_MEDIA_STORE=s3 and MANGO_MEDIA_S3_BUCKET")
    async with S3ObjectStore(
        settings.media_s3_bucket,
        endpoint_url=settings.media_s3_endpoint_url,
        region=settings.media_s3_region,
    ) as store:
        await store.create_bucket()
    print(f"bucket {settings.media_s3_bucket} is ready")


def main() -> int:
    """Create the bucket; return the exit status."""
    from mango.errors import SettingsError

    try:
        asyncio.run(_create())
    except SettingsError as exc:
        print(f"mango-dev-bucket: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # botocore's connection errors are not OSErrors
        print(
            f"mango-dev-bucket: cannot create the bucket ({type(exc).__name__}: {exc})",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
