"""Verifies an archive package copied off the server (a folder or a zip), with nothing but the copy:

    manage.py archive_verify /media/usb/package-12.zip [--manifest-sha256 <hash written down>]

Exit status 0 when every file matches, 1 when a file was changed, is missing or was added.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.errors import DomainError
from archive.packages import read_directory, read_zip, verification_message, verify_offline


class Command(BaseCommand):
    help = "Verify a copy of an archive package (a folder or a zip) against its manifest."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--manifest-sha256", default="", help="The manifest's hash kept elsewhere.")

    def handle(self, *args, path, manifest_sha256, **options):
        location = Path(path)
        if location.is_dir():
            files = read_directory(location)
        elif location.is_file():
            try:
                files = read_zip(location.read_bytes())
            except DomainError as error:
                raise CommandError(str(error.message)) from error
        else:
            raise CommandError(f"{path}: no such file or folder")
        result = verify_offline(files, manifest_sha256=manifest_sha256.strip())
        message = verification_message(result)
        if not result.ok:
            self.stderr.write(message)
            raise SystemExit(1)
        self.stdout.write(message)
