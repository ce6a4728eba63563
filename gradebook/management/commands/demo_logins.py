from django.core.management.base import BaseCommand

from gradebook.demo import demo_logins, format_demo_logins


class Command(BaseCommand):
    help = "Prints the demo logins, their password and who each one is, as they are in the database now."

    def handle(self, *args, **options):
        rows = demo_logins()
        if not rows:
            self.stdout.write("Демо-логинов нет: сначала выполните manage.py demo_school.")
            return
        self.stdout.write(format_demo_logins(rows))
